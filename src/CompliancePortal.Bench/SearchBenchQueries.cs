using System.Diagnostics;
using CompliancePortal.Core;
using CompliancePortal.Core.Audit;
using CompliancePortal.Core.Database;
using CompliancePortal.Core.Ledger;
using CompliancePortal.Core.Search;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;

namespace CompliancePortal.Bench;

/// <summary>The seed's example queries, the portal's way and the seed's way, on the same data.</summary>
internal static class SearchBenchQueries
{
    public static async Task<SearchBenchResult> RunAsync(PortalConnections connections, SearchBenchData data, SearchBenchmark.Options options, TextWriter output)
    {
        var seedConnection = new NpgsqlConnectionStringBuilder(connections.Owner) { SearchPath = "seed", Timezone = "UTC" }.ConnectionString;
        await CreateSeedTableAsync(connections.Owner, output);

        await using var app = NpgsqlDataSource.Create(connections.App);
        await using var seed = NpgsqlDataSource.Create(seedConnection);
        var signal = new LedgerCommitSignal();
        var writer = new LedgerWriter(app, Microsoft.Extensions.Options.Options.Create(new LedgerOptions()), signal, NullLogger<LedgerWriter>.Instance);
        await writer.StartAsync(CancellationToken.None);
        try
        {
            var search = new AuditSearch(app, new UserActionLog(new LedgerAppend(writer, signal), TimeProvider.System));
            var reader = RecordReader.ComplianceOfficer(new Actor("bench"));
            var since30 = new DateTimeOffset(data.Last.UtcDateTime.Date.AddDays(-30), TimeSpan.Zero);
            var sinceYear = new DateTimeOffset(data.Last.UtcDateTime.Date.AddDays(-365), TimeSpan.Zero);
            var day = new DateTimeOffset(data.BlotterDay.ToDateTime(TimeOnly.MinValue), TimeSpan.Zero);
            string Date(DateTimeOffset d) => Formats.Day(d);
            var rare = await RareTermAsync(app);

            var timings = new List<QueryTiming>
            {
                await MeasureAsync("trades_asset_date_range", options.Runs,
                    () => PageAsync(search, reader, new AuditQuery { LogType = "TRADE", Fields = [new FieldFilter("asset", "QQQ")], From = since30, OldestFirst = true }),
                    () => SeedAsync(seed, $"SELECT * FROM audit_log WHERE log_type = 'TRADE' AND event_data->>'asset' = 'QQQ' AND timestamp >= '{Date(since30)}' ORDER BY timestamp;")),
                await MeasureAsync("fulltext_spy_assignment", options.Runs,
                    () => PageAsync(search, reader, new AuditQuery { Text = "SPY assignment" }),
                    () => SeedAsync(seed, "SELECT * FROM audit_log WHERE to_tsvector('english', event_data::text) @@ to_tsquery('SPY & assignment');")),
                await MeasureAsync("fulltext_common_term", options.Runs,
                    () => PageAsync(search, reader, new AuditQuery { Text = "QQQ" }),
                    () => SeedAsync(seed, "SELECT * FROM audit_log WHERE to_tsvector('english', event_data::text) @@ to_tsquery('QQQ') ORDER BY timestamp DESC LIMIT 50;")),
                await MeasureAsync("fulltext_rare_term", options.Runs,
                    () => PageAsync(search, reader, new AuditQuery { Text = rare }),
                    () => SeedAsync(seed, $"SELECT * FROM audit_log WHERE to_tsvector('english', event_data::text) @@ plainto_tsquery('{rare}') ORDER BY timestamp DESC LIMIT 50;")),
                await MeasureAsync("circuit_breakers", options.Runs,
                    () => PageAsync(search, reader, new AuditQuery { Event = "circuit_breaker_triggered" }),
                    () => SeedAsync(seed, "SELECT * FROM audit_log WHERE event = 'circuit_breaker_triggered' ORDER BY timestamp DESC;")),
                await MeasureAsync("premium_since_date", options.Runs,
                    () => PremiumAsync(app, sinceYear),
                    () => SeedAsync(seed, $"""
                        SELECT SUM((event_data->>'premium_collected')::numeric) as total_premium
                        FROM audit_log
                        WHERE event_data->>'action' IN ('SELL_PUT', 'SELL_CALL') AND timestamp >= '{Date(sinceYear)}';
                        """)),
                await MeasureAsync("trade_blotter_day", options.Runs,
                    () => ExportCountAsync(search, reader, new AuditQuery { LogType = "TRADE", From = day, To = day.AddDays(1).AddTicks(-10), OldestFirst = true }),
                    () => SeedAsync(seed, $"""
                        SELECT timestamp, event_data->>'trade_id' AS trade_id, event_data->>'asset' AS asset, event_data->>'action' AS action,
                               event_data->>'quantity' AS quantity, event_data->>'fill_price' AS price, event_data->>'commission' AS commission,
                               event_data->>'broker' AS broker, event_data->>'executing_user' AS executing_user
                        FROM audit_log
                        WHERE log_type = 'TRADE' AND timestamp::date = '{Date(day)}'
                        ORDER BY timestamp;
                        """)),
            };
            output.WriteLine($"{"query",-26} {"p50 ms",9} {"p95 ms",9} {"seed p50",9} {"seed p95",9} {"rows",8} {"seed rows",10}");
            foreach (var t in timings)
                output.WriteLine($"{t.Name,-26} {t.P50,9:F1} {t.P95,9:F1} {t.SeedP50,9:F1} {t.SeedP95,9:F1} {t.Rows,8} {t.SeedRows,10}");
            output.WriteLine("rows: the portal's count for the first page (capped at 10,000), the blotter's exported rows, 1 for the sum; seed rows: rows the seed's SQL returned");
            return new SearchBenchResult(options.Events, timings);
        }
        finally
        {
            await writer.StopAsync(CancellationToken.None);
        }
    }

    private static async Task CreateSeedTableAsync(string ownerConnection, TextWriter output)
    {
        var watch = Stopwatch.StartNew();
        await using var owner = new NpgsqlConnection(ownerConnection);
        await owner.OpenAsync();
        await SearchBenchData.ExecuteAsync(owner, "CREATE SCHEMA seed; SET search_path = seed;" + SeedBaseline.Table);
        // The seed's event_data is the whole seed-format JSON (its examples carry timestamp, log_type and event inside).
        await SearchBenchData.ExecuteAsync(owner, """
            INSERT INTO seed.audit_log (timestamp, log_type, event, event_data, user_id, ip_address, session_id, created_at)
            SELECT "timestamp", log_type, event,
                   jsonb_build_object('timestamp', to_char("timestamp" AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'),
                                      'log_type', log_type, 'event', event) || event_data,
                   user_id, ip_address, session_id, created_at
            FROM public.audit_log ORDER BY seq
            """);
        await SearchBenchData.ExecuteAsync(owner, "SET search_path = seed;" + SeedBaseline.Indexes);
        await SearchBenchData.ExecuteAsync(owner, "VACUUM (ANALYZE) seed.audit_log");
        output.WriteLine($"seed schema copied and indexed in {watch.Elapsed.TotalSeconds:F1} s");
    }

    /// <summary>A trade id from the middle of the ledger: one entry holds it.</summary>
    private static async Task<string> RareTermAsync(NpgsqlDataSource db)
    {
        await using var cmd = db.CreateCommand(
            "SELECT event_data->>'trade_id' FROM audit_log WHERE seq >= (SELECT seq / 2 FROM ledger_head) AND event_data ? 'trade_id' ORDER BY seq LIMIT 1");
        return (string)(await cmd.ExecuteScalarAsync())!;
    }

    private static async Task<long> PageAsync(AuditSearch search, RecordReader reader, AuditQuery query) =>
        (await search.SearchAsync(reader, query)).Total ?? 0;

    private static async Task<long> ExportCountAsync(AuditSearch search, RecordReader reader, AuditQuery query)
    {
        long n = 0;
        await foreach (var _ in search.ExportAsync(reader, query)) n++;
        return n;
    }

    /// <summary>The seed's premium query on our schema: the generated trade_action / premium_collected
    /// columns (migration 005) let the covering index answer it without reading the ledger rows.</summary>
    private static async Task<long> PremiumAsync(NpgsqlDataSource db, DateTimeOffset since)
    {
        await using var cmd = db.CreateCommand("""
            SELECT SUM(premium_collected) AS total_premium
            FROM audit_log
            WHERE trade_action IN ('SELL_PUT', 'SELL_CALL') AND "timestamp" >= $1 AND premium_collected IS NOT NULL
            """);
        cmd.Parameters.Add(new NpgsqlParameter<DateTimeOffset> { TypedValue = since });
        await cmd.ExecuteScalarAsync();
        return 1;
    }

    private static async Task<long> SeedAsync(NpgsqlDataSource db, string sql)
    {
        await using var cmd = db.CreateCommand(sql);
        cmd.CommandTimeout = 0;
        await using var r = await cmd.ExecuteReaderAsync();
        long n = 0;
        while (await r.ReadAsync()) n++;
        return n;
    }

    private static async Task<QueryTiming> MeasureAsync(string name, int runs, Func<Task<long>> ours, Func<Task<long>> seed)
    {
        var (p50, p95, rows) = await TimeAsync(ours, runs);
        var (s50, s95, seedRows) = await TimeAsync(seed, runs);
        return new QueryTiming(name, p50, p95, s50, s95, rows, seedRows);
    }

    private static async Task<(double P50, double P95, long Rows)> TimeAsync(Func<Task<long>> run, int runs)
    {
        long rows = 0;
        for (var i = 0; i < 2; i++) rows = await run();   // warm-up: plans, caches
        var ms = new List<double>(runs);
        for (var i = 0; i < runs; i++)
        {
            var start = Stopwatch.GetTimestamp();
            rows = await run();
            ms.Add(Stopwatch.GetElapsedTime(start).TotalMilliseconds);
        }
        return (Percentile.NearestRank(ms, 0.50), Percentile.NearestRank(ms, 0.95), rows);
    }
}
