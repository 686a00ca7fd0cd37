using CompliancePortal.Core.Accounts;
using CompliancePortal.Core.Audit;
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
        await page.GotoInteractiveAsync("/preclearance");
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
        await officerPage.GotoInteractiveAsync("/preclearance/queue");

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
        await officerPage.Locator("[data-interactive=true]").WaitForAsync();
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
}
