using Bunit;
using CompliancePortal.Core.Accounts;
using CompliancePortal.Core.Audit;
using CompliancePortal.Core.Calendar;
using CompliancePortal.Core.Preclearance;
using CompliancePortal.Preclearance.Pages;
using CompliancePortal.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using PreclearanceFormData = CompliancePortal.Core.Preclearance.PreclearanceForm;

namespace CompliancePortal.Tests.Preclearance;

/// <summary>
/// The request page, the decision and report forms, the employee's list and the officer's queue,
/// over the real preclearance service on PostgreSQL: what is clicked is stored, what is stored is shown.
/// </summary>
[Collection(PostgresCollection.Name)]
public sealed class PreclearancePagesTests(PostgresFixture postgres) : PortalPageTest(postgres)
{
    private PreclearanceService Service => Portal.Services.GetRequiredService<PreclearanceService>();

    /// <summary>TSLA 100 waits for review; AAPL 50 is approved by the rules (see PreclearanceWorkflowTests).</summary>
    private async Task<string> SubmitAsync(string employee, string security = "TSLA", int quantity = 100)
    {
        await Service.SubmitAsync(new Actor(employee), new PreclearanceFormData(security, TradeSide.Buy, quantity, "Schwab 1234", new DateOnly(2026, 12, 2), "diversifying"));
        return (string)(await Db.ScalarAsync("SELECT \"Id\" FROM preclearance_requests ORDER BY \"SubmittedAt\" DESC LIMIT 1"))!;
    }

    private async Task<PreclearanceRequest> StoredAsync(string employee, string id) => (await Service.ForEmployeeAsync(employee)).Single(r => r.Id == id);

    private Task<object?> ColumnAsync(string id, string column) => Db.ScalarAsync($"SELECT coalesce(\"{column}\"::text, '(null)') FROM preclearance_requests WHERE \"Id\" = '{id}'");

    [Fact]
    public async Task DecisionForm_WithoutReasoning_ShowsTheRefusalAndLeavesTheRequestPending()
    {
        var id = await SubmitAsync("erin");
        await using var ctx = PageContext("casey", UserRoles.ComplianceOfficer);
        var decided = 0;
        var cut = ctx.Render<DecisionForm>(p => p.Add(f => f.Request, PreclearanceComponentsTests.Request(id)).Add(f => f.OnDecided, () => decided++));

        cut.Find("[data-testid=pc-reasoning] textarea, textarea[data-testid=pc-reasoning]").Change("  ");
        await cut.Find("button[data-testid=pc-deny]").ClickAsync(new());

        cut.WaitForAssertion(() => Assert.Equal("A decision needs its reasoning.", cut.Find("[data-testid=pc-decision-error]").TextContent.Trim()));
        Assert.Equal(0, decided);
        Assert.Equal("PendingReview", await ColumnAsync(id, "Status"));
    }

    [Theory]
    [InlineData("pc-approve", "Approved")]
    [InlineData("pc-deny", "Denied")]
    public async Task DecisionForm_Decide_StoresTheDecisionWithTheTypedReasoningByTheSignedInOfficer(string button, string status)
    {
        var id = await SubmitAsync("erin");
        await using var ctx = PageContext("casey", UserRoles.ComplianceOfficer);
        var decided = 0;
        var cut = ctx.Render<DecisionForm>(p => p.Add(f => f.Request, PreclearanceComponentsTests.Request(id)).Add(f => f.OnDecided, () => decided++));

        cut.Find("[data-testid=pc-reasoning] textarea, textarea[data-testid=pc-reasoning]").Change("no conflict with client orders");
        await cut.Find($"button[data-testid={button}]").ClickAsync(new());

        cut.WaitForAssertion(() => Assert.Equal(1, decided));
        Assert.Empty(cut.FindAll("[data-testid=pc-decision-error]"));
        Assert.Equal(status, await ColumnAsync(id, "Status"));
        Assert.Equal("casey", await ColumnAsync(id, "Reviewer"));
        Assert.Equal("no conflict with client orders", await ColumnAsync(id, "Reasoning"));
    }

    [Fact]
    public async Task DecisionForm_OnTheOfficersOwnRequest_ShowsTheRefusal()
    {
        var id = await SubmitAsync("casey");
        await using var ctx = PageContext("casey", UserRoles.ComplianceOfficer);
        var cut = ctx.Render<DecisionForm>(p => p.Add(f => f.Request, PreclearanceComponentsTests.Request(id, "casey")));

        cut.Find("[data-testid=pc-reasoning] textarea, textarea[data-testid=pc-reasoning]").Change("fine by me");
        await cut.Find("button[data-testid=pc-approve]").ClickAsync(new());

        cut.WaitForAssertion(() => Assert.Equal("Nobody may decide their own request.", cut.Find("[data-testid=pc-decision-error]").TextContent.Trim()));
        Assert.Equal("PendingReview", await ColumnAsync(id, "Status"));
    }

    [Fact]
    public async Task ReportForm_Executed_StoresTheTypedPriceAndTheApprovedQuantityByDefault()
    {
        var id = await SubmitAsync("erin", "AAPL", 50);
        Assert.Equal("Approved", await ColumnAsync(id, "Status"));
        var request = await StoredAsync("erin", id);
        await using var ctx = PageContext("erin", UserRoles.Employee);
        var reported = 0;
        var cut = ctx.Render<ReportForm>(p => p.Add(f => f.Request, request).Add(f => f.OnReported, () => reported++));

        Assert.Equal("50", cut.Find("[data-testid=pc-executed-quantity] input, input[data-testid=pc-executed-quantity]").GetAttribute("value"));
        cut.Find("[data-testid=pc-price] input, input[data-testid=pc-price]").Change("187.25");
        await cut.Find("button[data-testid=pc-executed]").ClickAsync(new());

        cut.WaitForAssertion(() => Assert.Equal(1, reported));
        Assert.Equal("Executed", await ColumnAsync(id, "Status"));
        Assert.Equal(187.25m, decimal.Parse((string)(await ColumnAsync(id, "ExecutedPrice"))!, System.Globalization.CultureInfo.InvariantCulture));
        Assert.Equal("50", await ColumnAsync(id, "ExecutedQuantity"));
    }

    [Fact]
    public async Task ReportForm_ExecutedWithoutAPrice_ShowsTheRefusal_NotExecutedStoresNoFill()
    {
        var id = await SubmitAsync("erin", "AAPL", 50);
        var request = await StoredAsync("erin", id);
        await using var ctx = PageContext("erin", UserRoles.Employee);
        var reported = 0;
        var cut = ctx.Render<ReportForm>(p => p.Add(f => f.Request, request).Add(f => f.OnReported, () => reported++));

        await cut.Find("button[data-testid=pc-executed]").ClickAsync(new());
        cut.WaitForAssertion(() => Assert.Contains("needs its price and quantity", cut.Find("[data-testid=pc-report-error]").TextContent));
        Assert.Equal(0, reported);
        Assert.Equal("Approved", await ColumnAsync(id, "Status"));

        await cut.Find("button[data-testid=pc-not-executed]").ClickAsync(new());
        cut.WaitForAssertion(() => Assert.Equal(1, reported));
        Assert.Empty(cut.FindAll("[data-testid=pc-report-error]"));
        Assert.Equal("NotExecuted", await ColumnAsync(id, "Status"));
        Assert.Equal("(null)", await ColumnAsync(id, "ExecutedPrice"));
    }

    [Fact]
    public async Task RequestDetail_ForItsEmployee_ShowsTheRequestAndChecks_WithoutTheDecisionForm()
    {
        var id = await SubmitAsync("erin");
        await using var ctx = PageContext("erin", UserRoles.Employee);

        var cut = ctx.Render<RequestDetail>(p => p.Add(d => d.Id, id));

        cut.WaitForAssertion(() => Assert.Contains("erin asks to buy 100 TSLA in Schwab 1234 on 2026-12-02: “diversifying”", cut.Find("p.mb-2").TextContent));
        Assert.Equal("pending review", cut.Find("[data-testid=pc-status]").TextContent.Trim());
        Assert.Contains(PreclearanceRules.RestrictedList, cut.Find("[data-testid=pc-checks]").TextContent);
        Assert.Empty(cut.FindAll("[data-testid=pc-decision]"));
        Assert.Empty(cut.FindAll("[data-testid=pc-approve]"));
        Assert.Empty(cut.FindAll("[data-testid=pc-executed]"));
    }

    [Fact]
    public async Task RequestDetail_ForAnotherEmployee_SaysItIsNotTheirs()
    {
        var id = await SubmitAsync("erin");
        await using var ctx = PageContext("frank", UserRoles.Employee);

        var cut = ctx.Render<RequestDetail>(p => p.Add(d => d.Id, id));

        cut.WaitForAssertion(() => Assert.Contains($"Request {id} does not exist or is not yours to see.", cut.Find("[data-testid=pc-not-yours]").TextContent));
        Assert.DoesNotContain("TSLA", cut.Markup);
    }

    [Fact]
    public async Task RequestDetail_ForAnOfficer_OffersTheDecision_AndShowsItOnceDecided()
    {
        var id = await SubmitAsync("erin");
        await using var ctx = PageContext("casey", UserRoles.ComplianceOfficer);
        var cut = ctx.Render<RequestDetail>(p => p.Add(d => d.Id, id));
        cut.WaitForElement("button[data-testid=pc-approve]");

        cut.Find("[data-testid=pc-reasoning] textarea, textarea[data-testid=pc-reasoning]").Change("not on the restricted list");
        await cut.Find("button[data-testid=pc-approve]").ClickAsync(new());

        cut.WaitForAssertion(() => Assert.Contains("Approved by casey", cut.Find("[data-testid=pc-decision]").TextContent));
        Assert.Contains("not on the restricted list", cut.Find("[data-testid=pc-decision]").TextContent);
        Assert.Contains("Good until", cut.Find("[data-testid=pc-decision]").TextContent);
        Assert.Equal("approved", cut.Find("[data-testid=pc-status]").TextContent.Trim());
        Assert.Empty(cut.FindAll("[data-testid=pc-approve]"));
        // The officer is not the employee: no report form.
        Assert.Empty(cut.FindAll("[data-testid=pc-executed]"));
    }

    [Fact]
    public async Task RequestDetail_AnOfficersOwnPendingRequest_OffersNoDecision()
    {
        var id = await SubmitAsync("casey");
        await using var ctx = PageContext("casey", UserRoles.ComplianceOfficer);

        var cut = ctx.Render<RequestDetail>(p => p.Add(d => d.Id, id));

        cut.WaitForElement("[data-testid=pc-checks]");
        Assert.Equal("pending review", cut.Find("[data-testid=pc-status]").TextContent.Trim());
        Assert.Empty(cut.FindAll("[data-testid=pc-approve]"));
    }

    [Fact]
    public async Task RequestDetail_OwnApprovedRequest_OffersTheReport()
    {
        var id = await SubmitAsync("erin", "AAPL", 50);
        await using var ctx = PageContext("erin", UserRoles.Employee);

        var cut = ctx.Render<RequestDetail>(p => p.Add(d => d.Id, id));

        cut.WaitForAssertion(() => Assert.Contains($"Approved by {PreclearanceService.SystemReviewer}", cut.Find("[data-testid=pc-decision]").TextContent));
        Assert.Contains("mud-alert-text-success", cut.Find("[data-testid=pc-decision]").ClassName);
        Assert.Single(cut.FindAll("button[data-testid=pc-executed]"));
        Assert.Empty(cut.FindAll("[data-testid=pc-approve]"));
    }

    [Fact]
    public async Task MyRequests_ListsOnlyTheSignedInEmployeesRequests()
    {
        var tsla = await SubmitAsync("erin");
        var aapl = await SubmitAsync("erin", "AAPL", 50);
        var franks = await SubmitAsync("frank", "MSFT", 10);
        await using var ctx = PageContext("erin", UserRoles.Employee);

        var cut = ctx.Render<MyRequests>();

        cut.WaitForAssertion(() => Assert.Equal(2, cut.FindAll("[data-testid=pc-requests] tbody tr a").Count));
        var ids = cut.FindAll("[data-testid=pc-requests] tbody tr a").Select(a => a.TextContent.Trim()).ToList();
        Assert.Equal([aapl, tsla], ids);
        Assert.DoesNotContain(franks, cut.Markup);
        Assert.Single(cut.FindAll("button[data-testid=pc-submit]"));
    }

    [Fact]
    public async Task MyRequests_ASubmittedRequest_IsStoredAsTypedAndListed()
    {
        await using var ctx = PageContext("erin", UserRoles.Employee);
        var cut = ctx.Render<MyRequests>();
        cut.WaitForAssertion(() => Assert.Contains("No requests.", cut.Find("[data-testid=pc-requests]").TextContent));

        cut.Find("[data-testid=pc-security] input, input[data-testid=pc-security]").Change("MSFT");
        cut.Find("[data-testid=pc-quantity] input, input[data-testid=pc-quantity]").Change("25");
        cut.Find("[data-testid=pc-account] input, input[data-testid=pc-account]").Change("Fidelity 9876");
        cut.Find("[data-testid=pc-reason] input, input[data-testid=pc-reason]").Change("rebalancing");
        await cut.Find("button[data-testid=pc-submit]").ClickAsync(new());

        cut.WaitForAssertion(() => Assert.Single(cut.FindAll("[data-testid=pc-requests] tbody tr a")));
        var id = cut.Find("[data-testid=pc-requests] tbody tr a").TextContent.Trim();
        Assert.Equal($"erin|MSFT|Buy|25|Fidelity 9876|rebalancing|{DateTime.UtcNow:yyyy-MM-dd}", await Db.ScalarAsync(
            $"SELECT concat_ws('|', \"Employee\", \"Security\", \"Side\", \"Quantity\", \"Account\", \"Reason\", \"TradeDate\") FROM preclearance_requests WHERE \"Id\" = '{id}'"));
    }

    [Fact]
    public async Task Queue_ListsOnlyPendingRequests_AndTheYearsHolidays()
    {
        var pending = await SubmitAsync("erin");
        var approved = await SubmitAsync("frank", "AAPL", 50);
        await using var ctx = PageContext("casey", UserRoles.ComplianceOfficer);

        var cut = ctx.Render<Queue>();

        cut.WaitForAssertion(() => Assert.Single(cut.FindAll("[data-testid=pc-requests] tbody tr a")));
        Assert.Equal(pending, cut.Find("[data-testid=pc-requests] tbody tr a").TextContent.Trim());
        Assert.DoesNotContain(approved, cut.Markup);
        var year = DateTime.UtcNow.Year;
        var holidays = Portal.Services.GetRequiredService<MarketCalendar>().HolidaysIn(year);
        Assert.NotEmpty(holidays);
        var text = cut.Find("[data-testid=market-holidays]").TextContent;
        Assert.Contains($"business days in {year}", text);
        Assert.All(holidays, d => Assert.Contains(d.ToString("d MMM", System.Globalization.CultureInfo.InvariantCulture), text));
    }
}
