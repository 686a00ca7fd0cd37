using CompliancePortal.Core.Accounts;
using CompliancePortal.Core.Audit;
using CompliancePortal.Core.Calendar;
using CompliancePortal.Core.Preclearance;
using CompliancePortal.E2E.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;

namespace CompliancePortal.E2E.Preclearance;

[Collection(BrowserCollection.Name)]
public sealed class PreclearanceFlowTests(BrowserFixture browser)
{
    private static async Task SubmitAsync(IPage page, string security, int quantity)
    {
        await page.GotoAsync("/preclearance");
        await page.GetByLabel("Security").FillAsync(security);
        await page.GetByLabel("Quantity").FillAsync(quantity.ToString());
        await page.GetByLabel("Account").FillAsync("Schwab 1234");
        await page.GetByLabel("Reason").FillAsync("rebalancing my IRA");
        await page.GetByTestId("pc-submit").ClickAsync();
        await page.WaitForURLAsync(new System.Text.RegularExpressions.Regex("/preclearance/PCT-"));
    }

    [Fact]
    public async Task Request_SubmittedByEmployee_AppearsInQueueLive_ApprovedByOfficer_EmployeeSeesApproval()
    {
        var officerPage = await browser.NewPageAsync();
        await browser.SignInAsync(officerPage, UserRoles.ComplianceOfficer);
        await officerPage.GotoAsync("/preclearance/queue");

        var employeePage = await browser.NewPageAsync();
        await browser.SignInAsync(employeePage, UserRoles.Employee);
        var security = "Z" + Random.Shared.Next(100, 999);
        await SubmitAsync(employeePage, security, 1000);
        await Assertions.Expect(employeePage.GetByTestId("pc-status")).ToHaveTextAsync("pending review");
        var id = employeePage.Url.Split('/').Last();

        // The officer's queue shows it without a reload.
        var row = officerPage.GetByRole(AriaRole.Link, new() { Name = id });
        await Assertions.Expect(row).ToBeVisibleAsync();
        await officerPage.SaveScreenshotAsync("preclearance-queue.png");
        await row.ClickAsync();
        await officerPage.GetByLabel("Reasoning (required)").FillAsync("no conflict, not restricted");
        await officerPage.GetByTestId("pc-approve").ClickAsync();
        await Assertions.Expect(officerPage.GetByTestId("pc-decision")).ToContainTextAsync("Approved by");

        // The employee's open page receives the decision.
        await Assertions.Expect(employeePage.GetByTestId("pc-status")).ToHaveTextAsync("approved");
        await Assertions.Expect(employeePage.GetByTestId("pc-decision")).ToContainTextAsync("no conflict, not restricted");
        await employeePage.SaveScreenshotAsync("preclearance-approved.png");
    }

    [Fact]
    public async Task Request_ForARestrictedSecurity_IsDeniedNamingTheRule()
    {
        var list = browser.Portal.Services.GetRequiredService<RestrictedListService>();
        var security = "R" + Random.Shared.Next(100, 999);
        await list.AddAsync(new Actor("cco"), security, DateOnly.FromDateTime(DateTime.UtcNow.AddDays(-1)), null, "advising the issuer");
        var page = await browser.NewPageAsync();
        await browser.SignInAsync(page, UserRoles.Employee);

        await SubmitAsync(page, security, 10);

        await Assertions.Expect(page.GetByTestId("pc-status")).ToHaveTextAsync("denied");
        await Assertions.Expect(page.GetByTestId("pc-decision")).ToContainTextAsync(PreclearanceRules.RestrictedList);
        await Assertions.Expect(page.GetByTestId("pc-decision")).ToContainTextAsync("advising the issuer");
    }

    /// <summary>
    /// The officer opens a request and at once types the reasoning and clicks Approve, as a person
    /// does, never waiting for the circuit: twenty times in a row the decision is recorded with
    /// exactly what was typed (before pages stopped being prerendered, about half of such tries lost
    /// the text and answered "A decision needs its reasoning.").
    /// </summary>
    [Fact]
    public async Task Decision_TypedAndClickedTheMomentThePageOpens_IsRecordedAsTyped_TwentyTimesInARow()
    {
        var service = browser.Portal.Services.GetRequiredService<PreclearanceService>();
        var tradeDay = NextTradeDay();
        var officer = await browser.NewPageAsync();
        var officerName = await browser.SignInAsync(officer, UserRoles.ComplianceOfficer);

        for (var round = 1; round <= 20; round++)
        {
            var form = new PreclearanceForm("Y" + Random.Shared.Next(100, 999), TradeSide.Buy, 1000, "Schwab 1234", tradeDay, "rebalancing my IRA");
            var request = (await service.SubmitAsync(new Actor("e2e-employee"), form)).Value!;
            Assert.Equal(PreclearanceStatus.PendingReview, request.Status);
            var reasoning = $"round {round}: no conflict, not restricted";

            await officer.GotoAsync($"/preclearance/{request.Id}");
            await officer.GetByLabel("Reasoning (required)").FillAsync(reasoning);
            await officer.GetByTestId("pc-approve").ClickAsync();

            await Assertions.Expect(officer.GetByTestId("pc-decision")).ToContainTextAsync(reasoning);
            var stored = await service.FindAsync(request.Id, officerName, isOfficer: true);
            Assert.Equal((PreclearanceStatus.Approved, officerName, reasoning), (stored!.Status, stored.Reviewer, stored.Reasoning));
        }
    }

    [Fact]
    public async Task RestrictedList_EntryTypedTheMomentThePageOpens_IsAddedAsTyped()
    {
        var page = await browser.NewPageAsync();
        var officer = await browser.SignInAsync(page, UserRoles.ComplianceOfficer);
        var security = "RL" + Random.Shared.Next(1000, 9999);

        await page.GotoAsync("/restricted-list");
        await page.GetByLabel("Security").FillAsync(security);
        await page.GetByLabel("Reason").FillAsync("deal team holds inside information");
        await page.GetByTestId("rl-add").ClickAsync();

        await Assertions.Expect(page.GetByTestId("rl-table").Locator("tr", new() { HasText = security })).ToContainTextAsync("deal team holds inside information");
        var entries = await browser.Portal.Services.GetRequiredService<RestrictedListService>().ListAsync();
        var entry = Assert.Single(entries, e => e.Security == security);
        Assert.Equal(("deal team holds inside information", officer, (DateOnly?)null), (entry.Reason, entry.AddedBy, entry.EffectiveTo));
    }

    [Fact]
    public async Task Report_TypedAndClickedTheMomentThePageOpens_StoresTheExecutionAsTyped()
    {
        var service = browser.Portal.Services.GetRequiredService<PreclearanceService>();
        var employee = await browser.NewPageAsync();
        var employeeName = await browser.SignInAsync(employee, UserRoles.Employee);
        var form = new PreclearanceForm("X" + Random.Shared.Next(100, 999), TradeSide.Buy, 1000, "Schwab 1234", NextTradeDay(), "rebalancing my IRA");
        var request = (await service.SubmitAsync(new Actor(employeeName), form)).Value!;
        Assert.Null((await service.DecideAsync(new Actor("cco"), request.Id, true, "no conflict")).Error);

        await employee.GotoAsync($"/preclearance/{request.Id}");
        await employee.GetByLabel("Price", new() { Exact = true }).FillAsync("412.35");
        await employee.GetByLabel("Quantity", new() { Exact = true }).FillAsync("800");
        await employee.GetByTestId("pc-executed").ClickAsync();

        await Assertions.Expect(employee.GetByTestId("pc-status")).ToHaveTextAsync("executed");
        var stored = await service.FindAsync(request.Id, employeeName, isOfficer: false);
        Assert.Equal((PreclearanceStatus.Executed, 412.35m, 800), (stored!.Status, stored.ExecutedPrice, stored.ExecutedQuantity));
    }

    /// <summary>Today if the market is open, else its next business day: a trade date the rules accept.</summary>
    private DateOnly NextTradeDay()
    {
        var calendar = browser.Portal.Services.GetRequiredService<MarketCalendar>();
        var today = MarketCalendar.Today(TimeProvider.System);
        return calendar.IsBusinessDay(today) ? today : calendar.NextBusinessDay(today);
    }
}
