using System.Text.Json;
using Bunit;
using CompliancePortal.Alerts.Pages;
using CompliancePortal.Core.Accounts;
using CompliancePortal.Core.Alerts;
using CompliancePortal.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using MudBlazor;

namespace CompliancePortal.Tests.Alerts;

/// <summary>
/// The alerts page and its table on a real portal: alerts raised by the shipped rules, most urgent first,
/// the filters, entry links by role, and acknowledging through the real service.
/// </summary>
[Collection(PostgresCollection.Name)]
public sealed class AlertsPageTests(PostgresFixture postgres) : PortalTest(postgres)
{
    private static readonly Type[] PageServices = [typeof(AlertService), typeof(AlertRuleSet), typeof(TimeProvider)];

    private static string Event(string logType, string @event, object data) =>
        JsonSerializer.Serialize(new Dictionary<string, object?>(JsonSerializer.Deserialize<Dictionary<string, object?>>(JsonSerializer.Serialize(data))!)
        {
            ["log_type"] = logType,
            ["event"] = @event,
        });

    /// <summary>A slow API call (medium), then a circuit breaker (critical): the list puts the critical one first.</summary>
    private async Task<long[]> RaiseTwoAsync()
    {
        var response = await Client.PostNdJsonAsync(
            [Event("SYSTEM", "api_call", new { endpoint = "/v2/orders", latency_ms = 2500 }),
             Event("RISK", "circuit_breaker_triggered", new { level = "CRITICAL", trigger = "daily_loss_limit" })], Key);
        response.EnsureSuccessStatusCode();
        var body = await response.JsonAsync();
        await AlertMonitorTests.SettledAsync(Portal);
        return [.. body.GetProperty("receipts").EnumerateArray().Select(r => r.GetProperty("seq").GetInt64())];
    }

    private BunitContext NewContext(string userName, string role)
    {
        var ctx = PortalPages.NewContext(Portal, userName, role, PageServices);
        ctx.Render<MudPopoverProvider>();
        return ctx;
    }

    private static List<string> Rules(IRenderedComponent<AlertsPage> cut) => [.. cut.FindAll("[data-testid=alert-rule]").Select(td => td.TextContent.Trim())];

    [Fact]
    public async Task Officer_SeesOpenAlertsMostUrgentFirst_WithLinksToTheirEntries()
    {
        var seqs = await RaiseTwoAsync();
        await using var ctx = NewContext("cco", UserRoles.ComplianceOfficer);

        var cut = ctx.Render<AlertsPage>();

        cut.WaitForAssertion(() => Assert.Equal(["trading_halted", "slow_api"], Rules(cut)));
        Assert.Equal([$"/events/{seqs[1]}", $"/events/{seqs[0]}"], cut.FindAll("[data-testid=alert-entry]").Select(a => a.GetAttribute("href")));
        Assert.Equal(["critical", "medium"], cut.FindAll("[data-testid=alert-severity]").Select(c => c.TextContent.Trim()));
        Assert.Equal($"{AlertRuleSetTests.Shipped.Rules.Count} rules in force", cut.Find("[data-testid=alerts-rules]").TextContent.Trim());
        // No channel is configured in the tests: every delivery says so, one per channel of the rule.
        Assert.Equal(["pagerduty: not configured", "phone: not configured", "sms: not configured", "slack: not configured"],
            cut.FindAll("[data-testid=alert-delivery]").Select(d => d.TextContent.Trim()));
    }

    [Fact]
    public async Task Admin_HandlesAlertsButMayNotOpenEntries_SoSeesTheSeqWithoutALink()
    {
        var seqs = await RaiseTwoAsync();
        await using var ctx = NewContext("ops", UserRoles.Admin);

        var cut = ctx.Render<AlertsPage>();

        cut.WaitForAssertion(() => Assert.Equal(2, Rules(cut).Count));
        Assert.Empty(cut.FindAll("[data-testid=alert-entry]"));
        Assert.Contains($"(entry #{seqs[1]})", cut.Find("[data-testid=alert-table] tbody tr").TextContent);
    }

    [Fact]
    public async Task SeverityFilter_ShowsThatSeverityOnly()
    {
        await RaiseTwoAsync();
        await using var ctx = NewContext("cco", UserRoles.ComplianceOfficer);
        var cut = ctx.Render<AlertsPage>();
        cut.WaitForAssertion(() => Assert.Equal(2, Rules(cut).Count));

        await cut.InvokeAsync(() => cut.FindComponent<MudSelect<string>>().Instance.ValueChanged.InvokeAsync(AlertSeverities.Medium));

        cut.WaitForAssertion(() => Assert.Equal(["slow_api"], Rules(cut)));

        await cut.InvokeAsync(() => cut.FindComponent<MudSelect<string>>().Instance.ValueChanged.InvokeAsync(AlertSeverities.High));

        cut.WaitForAssertion(() => Assert.Equal("No alerts.", cut.Find("[data-testid=alerts-none]").TextContent.Trim()));
    }

    [Fact]
    public async Task Acknowledge_WithoutANote_IsRefused_WithOne_IsRecordedAndLeavesTheOpenList()
    {
        await RaiseTwoAsync();
        var halted = (await Portal.Services.GetRequiredService<AlertService>().ListAsync(new AlertFilter())).Single(a => a.Rule == "trading_halted");
        await using var ctx = NewContext("cco", UserRoles.ComplianceOfficer);
        var cut = ctx.Render<AlertsPage>();
        cut.WaitForAssertion(() => Assert.Equal(2, Rules(cut).Count));

        await cut.Find($"button[data-testid=ack-{halted.Id}]").ClickAsync(new());

        cut.WaitForAssertion(() => Assert.Equal("Say what was done about the alert: a note is required.", cut.Find("[data-testid=ack-error]").TextContent.Trim()));
        Assert.Equal(2, Rules(cut).Count);

        cut.Find($"[data-testid=ack-note-{halted.Id}] input, input[data-testid=ack-note-{halted.Id}]").Change("desk confirmed the halt; limits reset");
        await cut.Find($"button[data-testid=ack-{halted.Id}]").ClickAsync(new());

        cut.WaitForAssertion(() => Assert.Equal(["slow_api"], Rules(cut)));
        Assert.Empty(cut.FindAll("[data-testid=ack-error]"));
        Assert.Equal("desk confirmed the halt; limits reset", await Db.ScalarAsync(
            $"SELECT event_data->>'note' FROM audit_log WHERE event = 'alert_acknowledged' AND user_id = 'cco' AND (event_data->>'alert_id')::bigint = {halted.Id}"));

        await cut.InvokeAsync(() => cut.FindComponent<MudSwitch<bool>>().Instance.ValueChanged.InvokeAsync(false));

        cut.WaitForAssertion(() => Assert.Equal(["trading_halted", "slow_api"], Rules(cut)));   // all alerts, newest first: the circuit breaker came after the slow call
        var handling = cut.FindAll("[data-testid=alert-handling]")[0].TextContent.Trim();
        Assert.StartsWith("acknowledged by cco, ", handling);
        Assert.EndsWith(": desk confirmed the halt; limits reset", handling);
    }

    [Fact]
    public async Task Table_SaysHowEachDeliveryWent_AndMarksOpenAlertsPastTheirResponseTime()
    {
        var now = DateTimeOffset.UtcNow;
        Alert Alert(long id, AlertStatus status, DateTimeOffset due, params AlertDelivery[] deliveries) => new()
        {
            Id = id, Rule = $"rule-{id}", Severity = AlertSeverities.High, Seq = 100 + id, LogType = "TRADE", Event = "trade_failed",
            Message = $"message {id}", Notification = "email", ResponseTime = "15_minutes", RaisedAt = now.AddMinutes(-30), DueAt = due,
            Status = status, AcknowledgedBy = status == AlertStatus.Acknowledged ? "cco" : null, AcknowledgedAt = status == AlertStatus.Acknowledged ? now : null,
            Note = status == AlertStatus.Acknowledged ? "handled" : null, Deliveries = [.. deliveries],
        };
        AlertDelivery Delivery(string channel, DeliveryStatus status, int attempts = 0, string? error = null, DateTimeOffset? sent = null) =>
            new() { Channel = channel, Status = status, Attempts = attempts, LastError = error, SentAt = sent };
        var overdue = Alert(1, AlertStatus.Open, now.AddMinutes(-15),
            Delivery("email", DeliveryStatus.Sent, 1, sent: new DateTimeOffset(2026, 11, 25, 9, 1, 2, TimeSpan.Zero)),
            Delivery("slack", DeliveryStatus.Pending, 2, "503 Service Unavailable"),
            Delivery("sms", DeliveryStatus.Pending),
            Delivery("webhook", DeliveryStatus.Failed, 5, "connection refused"),
            Delivery("pagerduty", DeliveryStatus.NotConfigured));
        var inTime = Alert(2, AlertStatus.Open, now.AddMinutes(15));
        var handledLate = Alert(3, AlertStatus.Acknowledged, now.AddMinutes(-15));
        await using var ctx = NewContext("cco", UserRoles.ComplianceOfficer);

        var cut = ctx.Render<AlertTable>(p => p.Add(t => t.Alerts, [overdue, inTime, handledLate]).Add(t => t.CanOpenEntries, true));

        var rows = cut.FindAll("[data-testid=alert-table] tbody tr");
        Assert.Equal(["email: sent 09:01:02", "pagerduty: not configured", "slack: retrying (2 failed: 503 Service Unavailable)", "sms: sending", "webhook: failed after 5 attempts: connection refused"],
            rows[0].QuerySelectorAll("[data-testid=alert-delivery]").Select(d => d.TextContent.Trim()));
        Assert.Equal([true, false, false], rows.Select(r => r.QuerySelector("[data-testid=alert-overdue]") is not null));
        Assert.Equal([true, true, false], rows.Select(r => r.QuerySelector("[data-testid=ack-1], [data-testid=ack-2], [data-testid=ack-3]") is not null));
        Assert.Contains("(15_minutes)", rows[1].TextContent);
    }
}
