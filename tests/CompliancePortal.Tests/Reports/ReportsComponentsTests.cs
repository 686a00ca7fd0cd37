using Bunit;
using CompliancePortal.Core.Accounts;
using CompliancePortal.Core.Alerts;
using CompliancePortal.Core.Calendar;
using CompliancePortal.Core.Reports;
using CompliancePortal.Reports.Pages;
using CompliancePortal.Tests.Infrastructure;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;
using MudBlazor;

namespace CompliancePortal.Tests.Reports;

/// <summary>
/// The three report tabs over the real reports on a seeded ledger, with the pages' clock on Wednesday
/// 2026-11-25 22:00 UTC: the default periods, changing them, and what each row and figure says.
/// </summary>
[Collection(PostgresCollection.Name)]
public sealed class ReportsComponentsTests(PostgresFixture postgres) : PortalTest(postgres)
{
    private readonly TestClock _clock = new(new DateTimeOffset(2026, 11, 25, 22, 0, 0, TimeSpan.Zero));

    // The seeded trades would raise alerts dated by the real clock; the summary's alert counts are not what is checked here.
    protected override void Configure(IWebHostBuilder builder) => builder.UseSetting("Alerts:Enabled", "false");

    public override async Task InitializeAsync()
    {
        await base.InitializeAsync();
        (await Client.PostNdJsonAsync(
        [
            Trade("2026-11-24T15:00:00", "trade_executed", "QQQ", "SELL_PUT", ""","slippage_pct":0.01,"premium_collected":425.50,"net_proceeds":420.25,"pnl":12.5"""),
            Trade("2026-11-25T15:00:00", "trade_executed", "QQQ", "SELL_PUT", ""","slippage_pct":0.03,"premium_collected":100,"net_proceeds":99,"pnl":-5"""),
            Trade("2026-11-25T15:10:00", "trade_executed", "SPY", "BUY", ""","slippage_pct":0.02"""),
            Trade("2026-11-25T16:00:00", "trade_failed", "SPY", "BUY", ""","error":"timeout" """),
            Trade("2026-10-20T15:00:00", "trade_executed", "IWM", "BUY", ""","slippage_pct":0.05"""),     // 36 days before
            """{"timestamp":"2026-11-25T15:00:00Z","log_type":"SYSTEM","event":"api_call","latency_ms":100}""",
            """{"timestamp":"2026-11-25T15:01:00Z","log_type":"SYSTEM","event":"api_call","latency_ms":300}""",
            """{"timestamp":"2026-11-25T10:00:00Z","log_type":"RISK","event":"risk_check_passed","level":"INFO","check":"delta_limit"}""",
            """{"timestamp":"2026-11-25T11:00:00Z","log_type":"RISK","event":"limit_exceeded","level":"WARNING","check":"position_limit"}""",
            """{"timestamp":"2026-11-24T09:00:00Z","log_type":"RISK","event":"circuit_breaker_triggered","level":"CRITICAL","severity":"HIGH","trigger":"drawdown_threshold","action_taken":"reduce_position_sizes_50pct"}""",
            """{"timestamp":"2026-10-20T09:00:00Z","log_type":"RISK","event":"limit_exceeded","check":"margin_requirement"}""",
        ], Key)).EnsureSuccessStatusCode();
    }

    private static string Trade(string at, string @event, string asset, string action, string extra) =>
        $$"""{"timestamp":"{{at}}Z","log_type":"TRADE","event":"{{@event}}","trade_id":"T-{{Guid.NewGuid():N}}","asset":"{{asset}}","action":"{{action}}"{{extra}}}""";

    private BunitContext NewContext(string role = UserRoles.ComplianceOfficer)
    {
        var ctx = PortalPages.NewContext(Portal, "viewer", role, s => s.AddSingleton<TimeProvider>(_clock),
            typeof(TradingReports), typeof(DailySummary), typeof(MarketCalendar));
        ctx.Render<MudPopoverProvider>();
        return ctx;
    }

    private static Dictionary<string, string> Figures(IRenderedComponent<ExecutionQualityReport> cut) =>
        cut.FindAll("[data-testid=quality-table] tr").ToDictionary(r => r.QuerySelector("th")!.TextContent.Trim(), r => r.QuerySelector("td")!.TextContent.Trim());

    private static async Task SetDateAsync(IRenderedComponent<Microsoft.AspNetCore.Components.IComponent> cut, int picker, DateTime? date)
    {
        var pickers = cut.FindComponents<MudDatePicker>();
        await cut.InvokeAsync(() => pickers[picker].Instance.DateChanged.InvokeAsync(date));
    }

    [Fact]
    public async Task ExecutionQuality_OfTheLast30Days_ByDefault_ThenOfTheChosenRange()
    {
        await using var ctx = NewContext();
        var cut = ctx.Render<ExecutionQualityReport>();

        cut.WaitForElement("[data-testid=quality-table]");
        // 2026-10-27..2026-11-25: three executed (slippage 1 %, 3 %, 2 %) and one failed; calls of 100 and 300 ms.
        Assert.Equal(new Dictionary<string, string>
        {
            ["Trades executed"] = "3", ["Trades failed"] = "1", ["Success rate"] = "75.0 %",
            ["Average slippage"] = "2.000 %", ["95th percentile slippage"] = "2.900 %",
            ["API calls"] = "2", ["Average API latency"] = "200 ms", ["95th percentile API latency"] = "290 ms",
        }, Figures(cut));

        await SetDateAsync(cut, 0, new DateTime(2026, 10, 1));
        await cut.Find("button[data-testid=quality-show]").ClickAsync(new());

        cut.WaitForAssertion(() => Assert.Equal(("4", "80.0 %"), (Figures(cut)["Trades executed"], Figures(cut)["Success rate"])));
    }

    [Fact]
    public async Task ExecutionQuality_ARangeItCannotReport_IsExplained_AndADayWithoutTradesShowsDashes()
    {
        await using var ctx = NewContext();
        var cut = ctx.Render<ExecutionQualityReport>();
        cut.WaitForElement("[data-testid=quality-table]");

        await SetDateAsync(cut, 0, new DateTime(2026, 11, 26));
        await cut.Find("button[data-testid=quality-show]").ClickAsync(new());

        cut.WaitForAssertion(() => Assert.Equal("The first day is after the last.", cut.Find(".mud-alert").TextContent.Trim()));
        Assert.Empty(cut.FindAll("[data-testid=quality-table]"));

        await SetDateAsync(cut, 0, new DateTime(2026, 11, 1));
        await SetDateAsync(cut, 1, new DateTime(2026, 11, 1));
        await cut.Find("button[data-testid=quality-show]").ClickAsync(new());

        var figures = Figures(cut);
        Assert.Equal(("0", "—", "—", "—"), (figures["Trades executed"], figures["Success rate"], figures["Average slippage"], figures["Average API latency"]));
    }

    [Fact]
    public async Task RiskHistory_ListsExceptionsNewestFirst_PassedChecksAndLongerPeriodsWhenChosen()
    {
        await using var ctx = NewContext();
        var cut = ctx.Render<RiskHistoryReport>();
        string[] Events() => [.. cut.FindAll("[data-testid=risk-table] tbody tr").Select(r => r.QuerySelectorAll("td")[1].TextContent.Trim())];

        cut.WaitForAssertion(() => Assert.Equal(["limit_exceeded", "circuit_breaker_triggered"], Events()));
        var rows = cut.FindAll("[data-testid=risk-table] tbody tr");
        Assert.Equal(["2026-11-25 11:00:00", "limit_exceeded", "WARNING", "—", "position_limit", "—"], rows[0].QuerySelectorAll("td").Take(6).Select(td => td.TextContent.Trim()));
        Assert.Equal(["CRITICAL", "HIGH", "drawdown_threshold", "reduce_position_sizes_50pct"], rows[1].QuerySelectorAll("td").Skip(2).Take(4).Select(td => td.TextContent.Trim()));
        var seq = rows[0].QuerySelectorAll("td")[6];
        Assert.Equal($"/events/{seq.TextContent.Trim()}", seq.QuerySelector("a")!.GetAttribute("href"));

        await cut.InvokeAsync(() => cut.FindComponent<MudSwitch<bool>>().Instance.ValueChanged.InvokeAsync(true));
        cut.WaitForAssertion(() => Assert.Equal(["limit_exceeded", "risk_check_passed", "circuit_breaker_triggered"], Events()));

        await cut.InvokeAsync(() => cut.FindComponent<MudSelect<int>>().Instance.ValueChanged.InvokeAsync(90));
        cut.WaitForAssertion(() => Assert.Equal(["limit_exceeded", "risk_check_passed", "circuit_breaker_triggered", "limit_exceeded"], Events()));

        _clock.Now = new DateTimeOffset(2027, 6, 1, 0, 0, 0, TimeSpan.Zero);
        await cut.InvokeAsync(() => cut.FindComponent<MudSelect<int>>().Instance.ValueChanged.InvokeAsync(7));
        cut.WaitForAssertion(() => Assert.Equal("No risk events in this period.", cut.Find("[data-testid=risk-table] tbody tr").TextContent.Trim()));
    }

    [Fact]
    public async Task RiskHistory_ForAViewerWhoMayNotOpenEntries_ShowsTheSeqWithoutALink()
    {
        await using var ctx = NewContext(UserRoles.PortfolioManager);
        var cut = ctx.Render<RiskHistoryReport>();

        cut.WaitForAssertion(() => Assert.Equal(2, cut.FindAll("[data-testid=risk-table] tbody tr").Count));
        var seq = cut.Find("[data-testid=risk-table] tbody tr").QuerySelectorAll("td")[6];
        Assert.Null(seq.QuerySelector("a"));
        Assert.Matches("^[0-9]+$", seq.TextContent.Trim());
    }

    [Fact]
    public async Task DailySummary_OfTheLatestBusinessDay_ByDefault_ThenOfTheChosenDay()
    {
        await using var ctx = NewContext();
        var cut = ctx.Render<DailySummaryReport>();

        var text = cut.WaitForElement("[data-testid=summary-text]").TextContent.Trim();
        Assert.StartsWith("2026-11-25: 2 trades executed, 1 failed, premium collected 100.00; 0 circuit breakers; NO NAV calculated;", text);
        var lines = cut.FindAll("[data-testid=summary-table] tbody tr").ToDictionary(
            r => r.QuerySelectorAll("td")[0].TextContent.Trim() + " " + r.QuerySelectorAll("td")[1].TextContent.Trim(),
            r => r.QuerySelectorAll("td").Skip(2).Select(td => td.TextContent.Trim()).ToArray());
        Assert.Equal(["QQQ SELL_PUT", "SPY BUY"], lines.Keys.Order());
        Assert.Equal(["1", "0", "100.00", "99.00", "-5.00", "3.000 %"], lines["QQQ SELL_PUT"]);
        Assert.Equal(["1", "1", "—", "—", "—", "2.000 %"], lines["SPY BUY"]);
        Assert.Contains("2 risk events", cut.Markup);
        Assert.Contains("Alerts: none.", cut.Markup);

        await SetDateAsync(cut, 0, new DateTime(2026, 11, 24));
        await cut.Find("button[data-testid=summary-show]").ClickAsync(new());

        cut.WaitForAssertion(() => Assert.StartsWith("2026-11-24: 1 trade executed, 0 failed, premium collected 425.50; 1 circuit breaker;", cut.Find("[data-testid=summary-text]").TextContent.Trim()));

        await SetDateAsync(cut, 0, new DateTime(2026, 11, 22));
        await cut.Find("button[data-testid=summary-show]").ClickAsync(new());

        cut.WaitForAssertion(() => Assert.Equal("No trades on this day.", cut.Find("[data-testid=summary-table] tbody tr").TextContent.Trim()));
    }

    [Fact]
    public async Task DailySummary_OnAWeekend_StartsFromTheFridayBefore()
    {
        _clock.Now = new DateTimeOffset(2026, 11, 22, 12, 0, 0, TimeSpan.Zero);   // Sunday
        await using var ctx = NewContext();

        var cut = ctx.Render<DailySummaryReport>();

        Assert.StartsWith("2026-11-20: 0 trades executed", cut.WaitForElement("[data-testid=summary-text]").TextContent.Trim());
    }
}
