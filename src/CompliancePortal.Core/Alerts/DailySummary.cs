using System.Globalization;
using CompliancePortal.Core.Audit;
using CompliancePortal.Core.Calendar;
using CompliancePortal.Core.Data;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Npgsql;

namespace CompliancePortal.Core.Alerts;

/// <summary>Configuration "Alerts:DailySummary": when the seed's end-of-day summary is taken.</summary>
public sealed class DailySummaryOptions
{
    /// <summary>UTC time of day after which a business day is summarised. 21:30 is the seed's
    /// 16:30 in New York in winter (17:30 in summer): after the close and the NAV calculation.</summary>
    public TimeOnly AtUtc { get; set; } = new(21, 30);

    /// <summary>How many past days a run looks back for business days not summarised yet (after an outage).</summary>
    public int CatchUpDays { get; set; } = 7;
}

/// <summary>One asset and action of the day's trades (the seed's daily_trading_summary row).</summary>
public sealed record TradeSummaryLine(string? Asset, string? Action, long Executed, long Failed,
    decimal? PremiumCollected, decimal? NetProceeds, decimal? Pnl, decimal? AvgSlippagePct);

/// <summary>Alerts of one severity raised during the day, and how many of them are still open.</summary>
public sealed record AlertCount(string Severity, long Raised, long Open);

/// <summary>What the day's summary entry records.</summary>
public sealed record TradingDaySummary(DateOnly Date, IReadOnlyList<TradeSummaryLine> Trades, long RiskEvents,
    long CircuitBreakers, long NavCalculations, long Errors, long LedgerEntries, IReadOnlyList<AlertCount> Alerts)
{
    public long Executed => Trades.Sum(t => t.Executed);
    public long Failed => Trades.Sum(t => t.Failed);

    /// <summary>"1 trade", "3 trades" (or the given plural: "2 ledger entries").</summary>
    public static string Count(long n, string noun, string? plural = null) => n == 1 ? $"1 {noun}" : $"{n} {plural ?? noun + "s"}";

    /// <summary>One line for the alert and its mail: "412 trades executed, 3 failed; 1 circuit breaker; NAV calculated; 17 alerts (2 open)".</summary>
    public string Text()
    {
        var c = CultureInfo.InvariantCulture;
        var premium = Trades.Sum(t => t.PremiumCollected ?? 0m);
        return string.Create(c,
            $"{Date:yyyy-MM-dd}: {Count(Executed, "trade")} executed, {Failed} failed, premium collected {premium:0.00}; " +
            $"{Count(CircuitBreakers, "circuit breaker")}; {(NavCalculations > 0 ? "NAV calculated" : "NO NAV calculated")}; " +
            $"{Count(Errors, "error")}; {Count(Alerts.Sum(a => a.Raised), "alert")} ({Alerts.Sum(a => a.Open)} open)");
    }
}

/// <summary>
/// The seed's daily_summary alert ("timestamp == '16:30:00' # After NAV calc") is a schedule, not a
/// condition on an entry. So the daily-summary job takes it: once a business day has passed
/// <see cref="DailySummaryOptions.AtUtc"/>, the day's figures (by event time, the seed's
/// daily_trading_summary query plus failures, risk, NAV, errors and alerts) become one COMPLIANCE
/// <c>daily_trading_summary</c> ledger entry with the idempotency id <c>daily-summary-YYYY-MM-DD</c>,
/// so a rerun or a second instance stores nothing twice. The rule <c>daily_summary</c> in alerts.yaml
/// matches that entry, which raises the low-severity alert and mails it like any other.
/// </summary>
public sealed class DailySummary(NpgsqlDataSource dataSource, IDbContextFactory<PortalDbContext> contexts, UserActionLog log,
    MarketCalendar calendar, IOptions<AlertsOptions> options)
{
    public const string Event = "daily_trading_summary";

    /// <summary>The rule in alerts.yaml that turns the summary entry into an alert; its alerts are not counted in summaries.</summary>
    public const string DailySummaryRule = "daily_summary";
    public static readonly Actor Job = new("job:daily-summary");

    public static string EventId(DateOnly day) => $"daily-summary-{day:yyyy-MM-dd}";

    /// <summary>Summarises each business day due by <paramref name="now"/> that has no summary yet; returns those days.</summary>
    public async Task<IReadOnlyList<DateOnly>> RunAsync(DateTimeOffset now, CancellationToken ct = default)
    {
        var settings = options.Value.DailySummary;
        var today = DateOnly.FromDateTime(now.UtcDateTime);
        var first = await FirstLedgerDayAsync(ct);
        var written = new List<DateOnly>();
        for (var day = today.AddDays(-settings.CatchUpDays); day <= today; day = day.AddDays(1))
        {
            if (first is null || day < first || !calendar.IsBusinessDay(day)) continue;
            if (now < new DateTimeOffset(day.ToDateTime(settings.AtUtc), TimeSpan.Zero) || await SummarisedAsync(day, ct)) continue;
            var summary = await ComputeAsync(day, ct);
            await log.RecordAllAsync(Job, [(Event, Data(summary), EventId(day))]);
            written.Add(day);
        }
        return written;
    }

    /// <summary>The day's figures, by event time (UTC day).</summary>
    public async Task<TradingDaySummary> ComputeAsync(DateOnly day, CancellationToken ct = default)
    {
        var (from, to) = (Utc(day), Utc(day.AddDays(1)));
        await using var connection = await dataSource.OpenConnectionAsync(ct);
        var trades = await TradesAsync(connection, from, to, ct);
        await using var counts = new NpgsqlCommand(
            """
            SELECT count(*) FILTER (WHERE log_type = 'RISK'),
                   count(*) FILTER (WHERE log_type = 'RISK' AND event = 'circuit_breaker_triggered'),
                   count(*) FILTER (WHERE log_type = 'NAV' AND event = 'nav_calculated'),
                   count(*) FILTER (WHERE event_data ->> 'level' IN ('ERROR', 'CRITICAL')),
                   count(*)
            FROM audit_log WHERE "timestamp" >= $1 AND "timestamp" < $2
            """, connection)
        { Parameters = { new() { Value = from }, new() { Value = to } } };
        await using var reader = await counts.ExecuteReaderAsync(ct);
        await reader.ReadAsync(ct);
        var (risk, breakers, nav, errors, entries) = (reader.GetInt64(0), reader.GetInt64(1), reader.GetInt64(2), reader.GetInt64(3), reader.GetInt64(4));
        await reader.CloseAsync();
        return new TradingDaySummary(day, trades, risk, breakers, nav, errors, entries, await AlertsAsync(from, to, ct));
    }

    private static async Task<List<TradeSummaryLine>> TradesAsync(NpgsqlConnection connection, DateTime from, DateTime to, CancellationToken ct)
    {
        // Sums and averages take only JSON numbers, so one malformed event cannot fail the summary.
        await using var cmd = new NpgsqlCommand(
            """
            SELECT event_data ->> 'asset', event_data ->> 'action',
                   count(*) FILTER (WHERE event = 'trade_executed'),
                   count(*) FILTER (WHERE event = 'trade_failed'),
                   sum((event_data ->> 'premium_collected')::numeric) FILTER (WHERE event = 'trade_executed' AND jsonb_typeof(event_data -> 'premium_collected') = 'number'),
                   sum((event_data ->> 'net_proceeds')::numeric) FILTER (WHERE event = 'trade_executed' AND jsonb_typeof(event_data -> 'net_proceeds') = 'number'),
                   sum((event_data ->> 'pnl')::numeric) FILTER (WHERE event = 'trade_executed' AND jsonb_typeof(event_data -> 'pnl') = 'number'),
                   round(avg((event_data ->> 'slippage_pct')::numeric) FILTER (WHERE event = 'trade_executed' AND jsonb_typeof(event_data -> 'slippage_pct') = 'number'), 6)
            FROM audit_log
            WHERE log_type = 'TRADE' AND event IN ('trade_executed', 'trade_failed') AND "timestamp" >= $1 AND "timestamp" < $2
            GROUP BY 1, 2 ORDER BY 1 NULLS LAST, 2 NULLS LAST
            """, connection)
        { Parameters = { new() { Value = from }, new() { Value = to } } };
        var lines = new List<TradeSummaryLine>();
        await using var reader = await cmd.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
            lines.Add(new TradeSummaryLine(Text(reader, 0), Text(reader, 1), reader.GetInt64(2), reader.GetInt64(3),
                Number(reader, 4), Number(reader, 5), Number(reader, 6), Number(reader, 7)));
        return lines;
    }

    private async Task<List<AlertCount>> AlertsAsync(DateTime from, DateTime to, CancellationToken ct)
    {
        var (start, end) = (new DateTimeOffset(from, TimeSpan.Zero), new DateTimeOffset(to, TimeSpan.Zero));
        await using var db = await contexts.CreateDbContextAsync(ct);
        var counts = await db.Alerts.Where(a => a.RaisedAt >= start && a.RaisedAt < end && a.Rule != DailySummaryRule)
            .GroupBy(a => a.Severity)
            .Select(g => new { Severity = g.Key, Raised = g.LongCount(), Open = g.LongCount(a => a.Status == AlertStatus.Open) })
            .ToListAsync(ct);
        return [.. AlertSeverities.All.SelectMany(severity => counts.Where(c => c.Severity == severity)
            .Select(c => new AlertCount(c.Severity, c.Raised, c.Open)))];
    }

    private static object Data(TradingDaySummary s) => new
    {
        date = Formats.Day(s.Date),
        summary = s.Text(),
        trades_executed = s.Executed,
        trades_failed = s.Failed,
        trades = s.Trades.Select(t => new
        {
            asset = t.Asset, action = t.Action, executed = t.Executed, failed = t.Failed, premium_collected = t.PremiumCollected,
            net_proceeds = t.NetProceeds, pnl = t.Pnl, avg_slippage_pct = t.AvgSlippagePct,
        }),
        risk_events = s.RiskEvents,
        circuit_breakers = s.CircuitBreakers,
        nav_calculations = s.NavCalculations,
        errors = s.Errors,
        ledger_entries = s.LedgerEntries,
        alerts = s.Alerts.Select(a => new { severity = a.Severity, raised = a.Raised, open = a.Open }),
    };

    private async Task<bool> SummarisedAsync(DateOnly day, CancellationToken ct)
    {
        await using var cmd = dataSource.CreateCommand("SELECT EXISTS (SELECT FROM ledger_event_ids WHERE source = $1 AND event_id = $2)");
        cmd.Parameters.Add(new() { Value = Job.Source });
        cmd.Parameters.Add(new() { Value = EventId(day) });
        return (bool)(await cmd.ExecuteScalarAsync(ct))!;
    }

    private async Task<DateOnly?> FirstLedgerDayAsync(CancellationToken ct)
    {
        // The day the ledger began receiving: no summaries of days before it existed.
        await using var cmd = dataSource.CreateCommand("SELECT created_at FROM audit_log ORDER BY seq LIMIT 1");
        return await cmd.ExecuteScalarAsync(ct) is DateTime first ? DateOnly.FromDateTime(first) : null;
    }

    private static DateTime Utc(DateOnly day) => day.ToDateTime(TimeOnly.MinValue, DateTimeKind.Utc);
    private static string? Text(NpgsqlDataReader r, int i) => r.IsDBNull(i) ? null : r.GetString(i);
    private static decimal? Number(NpgsqlDataReader r, int i) => r.IsDBNull(i) ? null : r.GetDecimal(i);
}
