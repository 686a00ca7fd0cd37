using System.Text.Json;
using Bunit;
using CompliancePortal.Core.Accounts;
using CompliancePortal.Core.Alerts;
using CompliancePortal.Core.Audit;
using CompliancePortal.Core.Dashboard;
using CompliancePortal.Core.LiveFeed;
using CompliancePortal.Core.Search;
using CompliancePortal.Dashboard.Pages;
using CompliancePortal.Tests.Alerts;
using CompliancePortal.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using MudBlazor;

namespace CompliancePortal.Tests.Dashboard;

/// <summary>The dashboard page and its alerts panel on a real portal: the numbers of what was ingested, per chosen window; the newest alerts.</summary>
[Collection(PostgresCollection.Name)]
public sealed class TradingDashboardTests(PostgresFixture postgres) : PortalTest(postgres)
{
    private static readonly Type[] PageServices = [typeof(TradingMetrics), typeof(LedgerFeed), typeof(IFeedHistory), typeof(TimeProvider), typeof(AlertService), typeof(FullTextIndexer)];

    private static string Event(DateTimeOffset at, string logType, string @event, object data) =>
        JsonSerializer.Serialize(new Dictionary<string, object?>(JsonSerializer.Deserialize<Dictionary<string, object?>>(JsonSerializer.Serialize(data))!)
        {
            ["timestamp"] = at.ToString("O"),
            ["log_type"] = logType,
            ["event"] = @event,
        });

    private async Task PostAsync(params string[] events) => (await Client.PostNdJsonAsync(events, Key)).EnsureSuccessStatusCode();

    [Fact]
    public async Task Dashboard_ShowsTheWindowsNumbers_AndAnotherWindowWhenChosen()
    {
        var now = DateTimeOffset.UtcNow;
        await PostAsync(
            Event(now.AddMinutes(-20), "TRADE", "trade_executed", new { trade_id = "T-1", asset = "QQQ" }),
            Event(now.AddMinutes(-15), "TRADE", "trade_executed", new { trade_id = "T-2", asset = "QQQ" }),
            Event(now.AddMinutes(-10), "TRADE", "trade_executed", new { trade_id = "T-3", asset = "SPY" }),
            Event(now.AddMinutes(-5), "TRADE", "trade_failed", new { trade_id = "T-4", asset = "SPY", level = "ERROR", error = "timeout" }),
            Event(now.AddHours(-3), "TRADE", "trade_executed", new { trade_id = "T-0", asset = "IWM" }),
            Event(now.AddMinutes(-12), "SYSTEM", "api_call", new { endpoint = "/v2/orders", latency_ms = 100 }),
            Event(now.AddMinutes(-11), "SYSTEM", "api_call", new { endpoint = "/v2/orders", latency_ms = 200 }),
            Event(now.AddMinutes(-9), "SYSTEM", "api_call", new { endpoint = "/v2/orders", latency_ms = 300 }),
            Event(now.AddMinutes(-8), "SYSTEM", "api_error", new { endpoint = "/v2/orders", level = "CRITICAL" }),
            Event(now.AddHours(-2), "SYSTEM", "api_error", new { endpoint = "/v2/orders", level = "ERROR" }));
        await using var ctx = PortalPages.NewContext(Portal, "pm", UserRoles.PortfolioManager, PageServices);
        ctx.Render<MudPopoverProvider>();

        var cut = ctx.Render<TradingDashboard>();

        cut.WaitForElement("[data-testid=panel-errors]");
        Assert.Equal("2 ERROR/CRITICAL events, 5-minute buckets", cut.Find("[data-testid=error-total]").TextContent.Trim());
        // percentile_cont over 100, 200, 300: p50 200, p95 290, p99 298.
        Assert.Equal("p50 200 ms · p95 290 ms · p99 298 ms over 3 calls", Squeeze(cut.Find("[data-testid=latency-summary]").TextContent));
        Assert.Contains("75.0 %", cut.Find("[data-testid=success-window]").TextContent);
        Assert.Contains("last hour: 3 executed, 1 failed", cut.Find("[data-testid=success-window]").TextContent);
        Assert.Contains("80.0 %", cut.Find("[data-testid=success-day]").TextContent);
        Assert.Equal("true", Window(cut, "last hour").GetAttribute("aria-pressed"));
        cut.WaitForAssertion(() => Assert.Equal(5, cut.FindAll("[data-testid=panel-feed] [data-testid=feed-row]").Count));
        Assert.Contains("By event time (UTC)", cut.Find("[data-testid=dashboard-updated]").TextContent);
        Assert.Matches(@"^Full-text index: (level with the ledger|[\d,]+ entries behind(, [\d,]+ of them without a stored vector)? \(search still finds them\))\.$", cut.Find("[data-testid=index-lag]").TextContent.Trim());

        // The feed and the index line re-render the page on their own: find and click in one renderer turn.
        await cut.InvokeAsync(() => Window(cut, "last 24 h").ClickAsync(new()));

        // The new window's numbers load after the click: wait for them, not for the next render.
        cut.WaitForAssertion(() =>
        {
            Assert.Equal("true", Window(cut, "last 24 h").GetAttribute("aria-pressed"));
            Assert.Equal("false", Window(cut, "last hour").GetAttribute("aria-pressed"));
            Assert.Equal("3 ERROR/CRITICAL events, 60-minute buckets", cut.Find("[data-testid=error-total]").TextContent.Trim());
            Assert.Contains("last 24 h: 4 executed, 1 failed", cut.Find("[data-testid=success-window]").TextContent);
            Assert.Contains("80.0 %", cut.Find("[data-testid=success-window]").TextContent);
        });
    }

    [Fact]
    public async Task Dashboard_WithNothingIngested_ShowsZerosAndNoLatency()
    {
        await using var ctx = PortalPages.NewContext(Portal, "pm", UserRoles.PortfolioManager, PageServices);
        ctx.Render<MudPopoverProvider>();

        var cut = ctx.Render<TradingDashboard>();

        cut.WaitForElement("[data-testid=panel-errors]");
        Assert.Equal("0 ERROR/CRITICAL events, 5-minute buckets", cut.Find("[data-testid=error-total]").TextContent.Trim());
        Assert.Equal("No API calls in this window.", cut.Find("[data-testid=latency-summary]").TextContent.Trim());
        Assert.Contains("last hour: 0 executed, 0 failed", cut.Find("[data-testid=success-window]").TextContent);
        Assert.Equal("No alerts yet", cut.Find("[data-testid=alerts-empty]").TextContent.Trim());
    }

    [Fact]
    public async Task RecentAlerts_ListsTheNewest_CountsOpenOnesForHandlers_AndReloadsWhenChanged()
    {
        var now = DateTimeOffset.UtcNow;
        await PostAsync(
            Event(now.AddMinutes(-3), "RISK", "circuit_breaker_triggered", new { level = "CRITICAL", trigger = "daily_loss_limit" }),
            Event(now.AddMinutes(-2), "SYSTEM", "api_call", new { endpoint = "/v2/orders", latency_ms = 2500 }));
        await AlertMonitorTests.SettledAsync(Portal);
        await using var officer = PortalPages.NewContext(Portal, "cco", UserRoles.ComplianceOfficer, PageServices);
        await using var pm = PortalPages.NewContext(Portal, "pm", UserRoles.PortfolioManager, PageServices);

        var cut = officer.Render<RecentAlertsPanel>(p => p.Add(x => x.Count, 5));
        var forPm = pm.Render<RecentAlertsPanel>();

        cut.WaitForAssertion(() => Assert.Equal(2, cut.FindAll("[data-testid=alerts-recent] tr").Count));
        var rows = cut.FindAll("[data-testid=alerts-recent] tr");
        // Newest first: the slow API call came after the circuit breaker.
        Assert.Equal(["slow_api", "trading_halted"], rows.Select(r => r.QuerySelectorAll("td")[1].TextContent.Trim()));
        Assert.Equal(["medium", "critical"], rows.Select(r => r.QuerySelector("[data-testid=alert-severity]")!.TextContent.Trim()));
        Assert.All(rows, r => Assert.Equal("open", r.QuerySelectorAll("td")[4].TextContent.Trim()));
        cut.WaitForAssertion(() => Assert.Equal("2 open", cut.Find("[data-testid=alerts-open-count]").TextContent.Trim()));   // counted apart from the rows
        forPm.WaitForAssertion(() => Assert.Equal(2, forPm.FindAll("[data-testid=alerts-recent] tr").Count));
        Assert.Empty(forPm.FindAll("[data-testid=alerts-open-count]"));

        var service = Portal.Services.GetRequiredService<AlertService>();
        var halted = (await service.ListAsync(new AlertFilter())).Single(a => a.Rule == "trading_halted");
        Assert.Null((await service.AcknowledgeAsync(new Actor("cco"), halted.Id, "desk confirmed the halt")).Error);
        service.NotifyChanged();

        cut.WaitForAssertion(() => Assert.Equal("1 open", cut.Find("[data-testid=alerts-open-count]").TextContent.Trim()));
        cut.WaitForAssertion(() => Assert.Equal("acknowledged", cut.FindAll("[data-testid=alerts-recent] tr")[1].QuerySelectorAll("td")[4].TextContent.Trim()));

        var one = officer.Render<RecentAlertsPanel>(p => p.Add(x => x.Count, 1));
        one.WaitForAssertion(() => Assert.Equal("slow_api", Assert.Single(one.FindAll("[data-testid=alerts-recent] tr")).QuerySelectorAll("td")[1].TextContent.Trim()));
    }

    private static AngleSharp.Dom.IElement Window(IRenderedComponent<TradingDashboard> cut, string name) =>
        cut.FindAll("button").Single(b => b.TextContent.Trim() == name);

    private static string Squeeze(string text) => System.Text.RegularExpressions.Regex.Replace(text.Trim(), @"\s+", " ");
}
