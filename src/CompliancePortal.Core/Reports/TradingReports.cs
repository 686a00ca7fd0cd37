using Npgsql;

namespace CompliancePortal.Core.Reports;

/// <summary>One RISK entry of the seed's risk_event_history.</summary>
public sealed record RiskEventRow(long Seq, DateTime Timestamp, string Event, string? Level, string? Severity, string? What, string? ActionTaken);

/// <summary>The seed's execution_quality_report over a range of days: trades from TRADE entries, latency from SYSTEM api_call entries.</summary>
public sealed record ExecutionQuality(DateOnly From, DateOnly To, long Executed, long Failed, double? AvgSlippagePct, double? P95SlippagePct,
    long ApiCalls, double? AvgLatencyMs, double? P95LatencyMs)
{
    public double? SuccessRate => Executed + Failed == 0 ? null : (double)Executed / (Executed + Failed);
}

/// <summary>
/// The seed's log analysis queries (its scripts/log_analysis.py) other than the daily trading
/// summary (see <see cref="Alerts.DailySummary"/>): risk event history and execution quality,
/// computed in PostgreSQL from the ledger by event time (UTC days). Values of the wrong JSON type
/// are left out of averages instead of failing the report.
/// </summary>
public sealed class TradingReports(NpgsqlDataSource dataSource)
{
    /// <summary>Most rows of a risk history; the newest are kept.</summary>
    public const int MaxRiskRows = 1000;

    /// <summary>RISK entries of the last <paramref name="days"/> days, newest first; routine passed checks only when asked.</summary>
    public async Task<IReadOnlyList<RiskEventRow>> RiskEventHistoryAsync(int days, DateTimeOffset now, bool includePassed = false, CancellationToken ct = default)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(days, 1);
        await using var cmd = dataSource.CreateCommand(
            """
            SELECT seq, "timestamp", event, event_data ->> 'level', event_data ->> 'severity',
                   coalesce(event_data ->> 'check', event_data ->> 'trigger'), event_data ->> 'action_taken'
            FROM audit_log
            WHERE log_type = 'RISK' AND "timestamp" > $1 AND "timestamp" <= $2 AND ($3 OR event <> 'risk_check_passed')
            ORDER BY "timestamp" DESC, seq DESC
            LIMIT $4
            """);
        cmd.Parameters.Add(new() { Value = now.UtcDateTime.AddDays(-days) });
        cmd.Parameters.Add(new() { Value = now.UtcDateTime });
        cmd.Parameters.Add(new() { Value = includePassed });
        cmd.Parameters.Add(new() { Value = MaxRiskRows });
        var rows = new List<RiskEventRow>();
        await using var reader = await cmd.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
            rows.Add(new RiskEventRow(reader.GetInt64(0), reader.GetDateTime(1), reader.GetString(2),
                Text(reader, 3), Text(reader, 4), Text(reader, 5), Text(reader, 6)));
        return rows;
    }

    /// <summary>Longest range of an execution quality report, in days.</summary>
    public const int MaxRangeDays = 366;

    /// <summary>What is wrong with a report's range of days, or null when it can be reported.</summary>
    public static string? RangeProblem(DateOnly? from, DateOnly? to) =>
        from is null || to is null ? "Choose both days."
        : from > to ? "The first day is after the last."
        : to.Value.DayNumber - from.Value.DayNumber + 1 > MaxRangeDays ? $"Choose at most {MaxRangeDays} days."
        : null;

    /// <summary>Execution quality from <paramref name="from"/> to <paramref name="to"/> (inclusive UTC days).</summary>
    public async Task<ExecutionQuality> ExecutionQualityAsync(DateOnly from, DateOnly to, CancellationToken ct = default)
    {
        if (RangeProblem(from, to) is { } problem) throw new ArgumentException(problem, nameof(to));
        await using var cmd = dataSource.CreateCommand(
            """
            WITH trades AS (
                SELECT count(*) FILTER (WHERE event = 'trade_executed') AS executed,
                       count(*) FILTER (WHERE event = 'trade_failed') AS failed,
                       avg((event_data ->> 'slippage_pct')::float8) FILTER (WHERE s) AS avg_slippage,
                       percentile_cont(0.95) WITHIN GROUP (ORDER BY (event_data ->> 'slippage_pct')::float8) FILTER (WHERE s) AS p95_slippage
                FROM (SELECT event, event_data, event = 'trade_executed' AND jsonb_typeof(event_data -> 'slippage_pct') = 'number' AS s
                      FROM audit_log
                      WHERE log_type = 'TRADE' AND event IN ('trade_executed', 'trade_failed') AND "timestamp" >= $1 AND "timestamp" < $2) t),
            calls AS (
                SELECT count(*) AS calls, avg((event_data ->> 'latency_ms')::float8) AS avg_latency,
                       percentile_cont(0.95) WITHIN GROUP (ORDER BY (event_data ->> 'latency_ms')::float8) AS p95_latency
                FROM audit_log
                WHERE log_type = 'SYSTEM' AND event = 'api_call' AND jsonb_typeof(event_data -> 'latency_ms') = 'number'
                  AND "timestamp" >= $1 AND "timestamp" < $2)
            SELECT executed, failed, avg_slippage, p95_slippage, calls, avg_latency, p95_latency FROM trades, calls
            """);
        cmd.Parameters.Add(new() { Value = from.ToDateTime(TimeOnly.MinValue, DateTimeKind.Utc) });
        cmd.Parameters.Add(new() { Value = to.AddDays(1).ToDateTime(TimeOnly.MinValue, DateTimeKind.Utc) });
        await using var reader = await cmd.ExecuteReaderAsync(ct);
        await reader.ReadAsync(ct);
        return new ExecutionQuality(from, to, reader.GetInt64(0), reader.GetInt64(1), Number(reader, 2), Number(reader, 3),
            reader.GetInt64(4), Number(reader, 5), Number(reader, 6));
    }

    private static string? Text(NpgsqlDataReader r, int i) => r.IsDBNull(i) ? null : r.GetString(i);
    private static double? Number(NpgsqlDataReader r, int i) => r.IsDBNull(i) ? null : r.GetDouble(i);
}
