using CompliancePortal.Core.Reports;
using CompliancePortal.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace CompliancePortal.Tests.Reports;

/// <summary>The seed's risk event history and execution quality report, computed from a real ledger.</summary>
[Collection(PostgresCollection.Name)]
public sealed class TradingReportsTests(PostgresFixture postgres) : PortalTest(postgres)
{
    private static readonly DateTimeOffset Now = new(2026, 11, 25, 22, 0, 0, TimeSpan.Zero);

    private static string Risk(string time, string @event, string extra = "") =>
        $$"""{"timestamp":"{{time}}Z","log_type":"RISK","event":"{{@event}}"{{extra}}}""";

    private static string Trade(string day, string @event, string extra = "") =>
        $$"""{"timestamp":"2026-11-{{day}}T15:00:00Z","log_type":"TRADE","event":"{{@event}}","trade_id":"T-{{Guid.NewGuid():N}}"{{extra}}}""";

    private static string Call(string day, string latency) =>
        $$"""{"timestamp":"2026-11-{{day}}T15:00:00Z","log_type":"SYSTEM","event":"api_call","latency_ms":{{latency}}}""";

    [Theory]
    [InlineData(null, "2026-11-25", "Choose both days.")]
    [InlineData("2026-11-26", "2026-11-25", "The first day is after the last.")]
    [InlineData("2025-11-24", "2026-11-25", "Choose at most 366 days.")]
    [InlineData("2025-11-25", "2026-11-25", null)]               // 366 days, both ends included
    [InlineData("2026-11-25", "2026-11-25", null)]
    public async Task ExecutionQuality_RefusesARangeItCannotReport(string? from, string? to, string? problem)
    {
        DateOnly? Day(string? text) => text is null ? null : DateOnly.Parse(text, System.Globalization.CultureInfo.InvariantCulture);
        Assert.Equal(problem, TradingReports.RangeProblem(Day(from), Day(to)));
        if (problem is not null && from is not null)
            await Assert.ThrowsAsync<ArgumentException>(() =>
                Portal.Services.GetRequiredService<TradingReports>().ExecutionQualityAsync(Day(from)!.Value, Day(to)!.Value));
    }

    [Fact]
    public async Task RiskHistory_ListsThePeriodsRiskEvents_NewestFirst_PassedChecksOnlyWhenAsked()
    {
        (await Client.PostNdJsonAsync(
        [
            Risk("2026-11-25T10:00:00", "risk_check_passed", ""","level":"INFO","check":"delta_limit" """),
            Risk("2026-11-25T11:00:00", "limit_exceeded", ""","level":"WARNING","check":"position_limit" """),
            Risk("2026-11-24T09:00:00", "circuit_breaker_triggered",
                ""","level":"CRITICAL","severity":"HIGH","trigger":"drawdown_threshold","action_taken":"reduce_position_sizes_50pct" """),
            Risk("2026-10-20T09:00:00", "limit_exceeded", ""","check":"margin_requirement" """),   // 36 days before
            Risk("2026-11-26T09:00:00", "limit_exceeded", ""","check":"concentration" """),        // after now
            """{"timestamp":"2026-11-25T12:00:00Z","log_type":"TRADE","event":"limit_exceeded"}""",  // not a RISK entry
        ], Key)).EnsureSuccessStatusCode();
        var reports = Portal.Services.GetRequiredService<TradingReports>();

        var exceptions = await reports.RiskEventHistoryAsync(30, Now);
        Assert.Equal(["limit_exceeded position_limit WARNING", "circuit_breaker_triggered drawdown_threshold CRITICAL"],
            exceptions.Select(r => $"{r.Event} {r.What} {r.Level}"));
        Assert.Equal(("HIGH", "reduce_position_sizes_50pct"), (exceptions[1].Severity, exceptions[1].ActionTaken));

        var all = await reports.RiskEventHistoryAsync(30, Now, includePassed: true);
        Assert.Equal(["limit_exceeded", "risk_check_passed", "circuit_breaker_triggered"], all.Select(r => r.Event));
        Assert.Equal(3, (await reports.RiskEventHistoryAsync(90, Now)).Count);
    }

    [Fact]
    public async Task ExecutionQuality_CountsTradesAndCallsOfTheDays_AndAveragesOnlyNumbers()
    {
        (await Client.PostNdJsonAsync(
        [
            Trade("24", "trade_executed", ""","slippage_pct":0.01"""),
            Trade("24", "trade_executed", ""","slippage_pct":0.03"""),
            Trade("25", "trade_executed", ""","slippage_pct":0.02"""),
            Trade("25", "trade_executed", ""","slippage_pct":"n/a" """),  // counted, not averaged
            Trade("25", "trade_failed", ""","slippage_pct":0.5"""),       // a failure has no slippage of its own
            Trade("26", "trade_executed", ""","slippage_pct":0.9"""),     // the day after the range
            Call("24", "100"), Call("25", "300"), Call("25", "\"slow\""), Call("23", "5000"),
        ], Key)).EnsureSuccessStatusCode();
        var reports = Portal.Services.GetRequiredService<TradingReports>();

        var q = await reports.ExecutionQualityAsync(new DateOnly(2026, 11, 24), new DateOnly(2026, 11, 25));

        Assert.Equal((4L, 1L, 0.8), (q.Executed, q.Failed, q.SuccessRate!.Value));
        Assert.Equal(0.02, q.AvgSlippagePct!.Value, 6);
        Assert.Equal(0.029, q.P95SlippagePct!.Value, 6);   // percentile_cont over 0.01, 0.02, 0.03
        Assert.Equal((2L, 200.0, 290.0), (q.ApiCalls, q.AvgLatencyMs!.Value, q.P95LatencyMs!.Value));

        var empty = await reports.ExecutionQualityAsync(new DateOnly(2026, 1, 1), new DateOnly(2026, 1, 2));
        Assert.Equal((0L, 0L, null, null, 0L, null), (empty.Executed, empty.Failed, empty.SuccessRate, empty.AvgSlippagePct, empty.ApiCalls, empty.AvgLatencyMs));
    }
}
