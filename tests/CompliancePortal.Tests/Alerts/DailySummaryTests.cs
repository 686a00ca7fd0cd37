using System.Text.Json;
using CompliancePortal.Core.Alerts;
using CompliancePortal.Tests.Infrastructure;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace CompliancePortal.Tests.Alerts;

/// <summary>
/// The seed's 16:30 daily summary on a real ledger: the day's figures by event time, one entry per
/// business day once its time has passed (holidays and weekends skipped, missed days caught up),
/// stored once, and raised as the low daily_summary alert by the shipped rules.
/// </summary>
[Collection(PostgresCollection.Name)]
public sealed class DailySummaryTests(PostgresFixture postgres) : PortalTest(postgres)
{
    private static readonly DateOnly Wednesday = new(2026, 11, 25);
    private readonly TestClock _clock = new(new DateTimeOffset(2026, 11, 25, 15, 0, 0, TimeSpan.Zero));

    protected override void Configure(IWebHostBuilder builder) => builder.ConfigureTestServices(s => s.AddSingleton<TimeProvider>(_clock));

    private static string Trade(string time, string id, string @event, string asset, string action, string extra = "") =>
        $$"""{"timestamp":"2026-11-{{time}}Z","log_type":"TRADE","event":"{{@event}}","trade_id":"{{id}}","asset":"{{asset}}","action":"{{action}}"{{extra}}}""";

    private async Task<List<JsonElement>> SummaryEntriesAsync()
    {
        await using var connection = new NpgsqlConnection(Db.Connections.Owner);
        await connection.OpenAsync();
        await using var cmd = new NpgsqlCommand(
            "SELECT event_data::text FROM audit_log WHERE log_type = 'COMPLIANCE' AND event = $1 ORDER BY seq", connection);
        cmd.Parameters.Add(new() { Value = DailySummary.Event });
        var entries = new List<JsonElement>();
        await using var reader = await cmd.ExecuteReaderAsync();
        while (await reader.ReadAsync()) entries.Add(JsonDocument.Parse(reader.GetString(0)).RootElement.Clone());
        return entries;
    }

    [Fact]
    public async Task EachBusinessDayPastItsTime_IsSummarisedOnce_AndRaisesTheLowAlert()
    {
        (await Client.PostNdJsonAsync(
        [
            Trade("25T14:31:00", "T-1", "trade_executed", "SPY", "SELL_CALL", ""","premium_collected":100.00,"net_proceeds":97.40,"slippage_pct":0.01"""),
            Trade("25T15:02:00", "T-2", "trade_executed", "SPY", "SELL_CALL", ""","premium_collected":50.50,"net_proceeds":49.20,"slippage_pct":0.03"""),
            Trade("25T15:10:00", "T-3", "trade_failed", "SPY", "SELL_CALL", ""","error":"timeout" """),
            Trade("25T16:00:00", "T-4", "trade_executed", "QQQ", "SELL_PUT", ""","premium_collected":"n/a" """),
            Trade("24T20:00:00", "T-0", "trade_executed", "SPY", "SELL_CALL", ""","premium_collected":999"""),  // Tuesday
            """{"timestamp":"2026-11-25T17:00:00Z","log_type":"RISK","event":"circuit_breaker_triggered","trigger":"daily_loss_limit"}""",
            """{"timestamp":"2026-11-25T21:05:00Z","log_type":"NAV","event":"nav_calculated","nav":1000000.0}""",
            """{"timestamp":"2026-11-25T18:00:00Z","log_type":"SYSTEM","event":"api_call","level":"ERROR","latency_ms":40}""",
        ], Key)).EnsureSuccessStatusCode();
        await AlertMonitorTests.SettledAsync(Portal);
        var summary = Portal.Services.GetRequiredService<DailySummary>();

        // 21:00 UTC: before the day's summary time (21:30).
        _clock.Now = new DateTimeOffset(2026, 11, 25, 21, 0, 0, TimeSpan.Zero);
        Assert.Empty(await summary.RunAsync(_clock.GetUtcNow()));

        _clock.Now = new DateTimeOffset(2026, 11, 25, 21, 30, 0, TimeSpan.Zero);
        Assert.Equal([Wednesday], await summary.RunAsync(_clock.GetUtcNow()));
        Assert.Empty(await summary.RunAsync(_clock.GetUtcNow()));   // a rerun stores nothing

        var entry = Assert.Single(await SummaryEntriesAsync());
        Assert.Equal("2026-11-25", entry.GetProperty("date").GetString());
        Assert.Equal((3, 1), (entry.GetProperty("trades_executed").GetInt32(), entry.GetProperty("trades_failed").GetInt32()));
        var lines = entry.GetProperty("trades").EnumerateArray().ToList();
        Assert.Equal(["QQQ SELL_PUT", "SPY SELL_CALL"], lines.Select(l => $"{l.GetProperty("asset")} {l.GetProperty("action")}"));
        Assert.Equal(JsonValueKind.Null, lines[0].GetProperty("premium_collected").ValueKind);  // a string is not summed
        var spy = lines[1];
        Assert.Equal((2, 1), (spy.GetProperty("executed").GetInt32(), spy.GetProperty("failed").GetInt32()));
        Assert.Equal((150.50m, 146.60m, 0.02m),
            (spy.GetProperty("premium_collected").GetDecimal(), spy.GetProperty("net_proceeds").GetDecimal(), spy.GetProperty("avg_slippage_pct").GetDecimal()));
        Assert.Equal((1, 1, 1), (entry.GetProperty("circuit_breakers").GetInt32(), entry.GetProperty("nav_calculations").GetInt32(), entry.GetProperty("errors").GetInt32()));
        Assert.Equal(7 + 3, entry.GetProperty("ledger_entries").GetInt32());  // and the three alerts' alert_raised entries
        // The day's alerts (trading_halted, execution_failure, high_slippage), most urgent first.
        Assert.Equal(["critical 2", "high 1"], entry.GetProperty("alerts").EnumerateArray()
            .Select(a => $"{a.GetProperty("severity").GetString()} {a.GetProperty("raised").GetInt32()}"));
        Assert.StartsWith("2026-11-25: 3 trades executed, 1 failed, premium collected 150.50; 1 circuit breaker; NAV calculated; 1 error; 3 alerts (3 open)",
            entry.GetProperty("summary").GetString());

        await AlertMonitorTests.SettledAsync(Portal);
        var alert = Assert.Single(await Portal.Services.GetRequiredService<AlertService>().ListAsync(new AlertFilter()), a => a.Rule == DailySummary.DailySummaryRule);
        Assert.Equal(AlertSeverities.Low, alert.Severity);
        Assert.Contains("3 trades executed, 1 failed", alert.Message);

        // Saturday night: Thursday is Thanksgiving (a market holiday), Friday is caught up, the weekend is skipped.
        _clock.Now = new DateTimeOffset(2026, 11, 28, 22, 0, 0, TimeSpan.Zero);
        Assert.Equal([new DateOnly(2026, 11, 27)], await summary.RunAsync(_clock.GetUtcNow()));
        var friday = (await SummaryEntriesAsync())[^1];
        Assert.Equal(("2026-11-27", 0), (friday.GetProperty("date").GetString(), friday.GetProperty("trades_executed").GetInt32()));
        Assert.Contains("NO NAV calculated", friday.GetProperty("summary").GetString());
    }
}
