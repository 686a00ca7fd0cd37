using System.Diagnostics;
using System.Text;
using CompliancePortal.Core.Database;
using CompliancePortal.Core.Ingest;
using CompliancePortal.Core.Ledger;
using CompliancePortal.Demo;
using Npgsql;

namespace CompliancePortal.Bench;

public sealed partial record SearchBenchData
{
    private const int BatchEvents = 25_000;

    /// <summary>
    /// Seed-shaped events (<see cref="DemoEvents"/>) on the weekdays of the two years before today,
    /// during US market hours, oldest first; each received 5-500 ms after its event time.
    /// Parsed by the ingest parser and stored by <see cref="LedgerAppender"/>, like ingested events.
    /// </summary>
    public static async Task<SearchBenchData> LoadAsync(PortalConnections connections, SearchBenchmark.Options options, TextWriter output)
    {
        var end = new DateTimeOffset(DateTime.UtcNow.Date, TimeSpan.Zero);
        var days = Enumerable.Range(1, 730).Select(d => end.AddDays(-731 + d))
            .Where(d => d.DayOfWeek is not (DayOfWeek.Saturday or DayOfWeek.Sunday)).ToList();
        var events = new DemoEvents(options.Seed);
        var jitter = new Random(options.Seed + 1);
        var watch = Stopwatch.StartNew();

        await using var db = NpgsqlDataSource.Create(connections.App);
        var ndjson = new StringBuilder();
        var received = new List<DateTimeOffset>(BatchEvents);
        for (var i = 0; i < options.Events; i++)
        {
            // Event i falls on day i*days/N, spread evenly over 13:30-20:00 UTC.
            var position = (double)i * days.Count / options.Events;
            var day = days[(int)position];
            var at = CanonicalEntry.ToMicroseconds(day.AddHours(13.5).AddTicks((long)((position - Math.Floor(position)) * TimeSpan.FromHours(6.5).Ticks)));
            ndjson.Append(events.Next(at).ToJsonString()).Append('\n');
            received.Add(CanonicalEntry.ToMicroseconds(at.AddMilliseconds(jitter.Next(5, 500))));
            if (received.Count == BatchEvents || i == options.Events - 1)
            {
                await AppendAsync(db, ndjson, received);
                ndjson.Clear();
                received.Clear();
            }
        }
        output.WriteLine($"loaded {options.Events:N0} events in {watch.Elapsed.TotalSeconds:F1} s");

        await using (var owner = new NpgsqlConnection(connections.Owner))
        {
            await owner.OpenAsync();
            await ExecuteAsync(owner, "VACUUM (ANALYZE) audit_log");
        }
        output.WriteLine($"vacuumed and analyzed after {watch.Elapsed.TotalSeconds:F1} s");
        await IndexAllButTheTailAsync(connections, options.Unindexed, options.Unvectorized, output);
        return new SearchBenchData(days[0].AddHours(13.5), days[^1].AddHours(20), DateOnly.FromDateTime(days[days.Count - 70].UtcDateTime));
    }

    /// <summary>
    /// Runs the indexer's own batches over all entries but the newest ones, as an indexer that fell
    /// behind leaves them: vectors stored for all but the newest <paramref name="unvectorized"/>
    /// (the part every full-text search computes), GIN-indexed for all but the newest
    /// <paramref name="unindexed"/> (the stored vectors every search scans); prints what indexing cost.
    /// </summary>
    private static async Task IndexAllButTheTailAsync(PortalConnections connections, int unindexed, int unvectorized, TextWriter output)
    {
        const int batch = 100_000;
        await using var connection = new NpgsqlConnection(connections.App);
        await connection.OpenAsync();
        await using var head = new NpgsqlCommand("SELECT seq FROM ledger_head", connection);
        var last = (long)(await head.ExecuteScalarAsync())!;
        var (indexTarget, vectorTarget) = (last - unindexed, last - Math.Min(unvectorized, unindexed));
        await using var owner = new NpgsqlConnection(connections.Owner);
        await owner.OpenAsync();
        var watch = Stopwatch.StartNew();
        // As the indexer leaves them: both stages in turn (the stored vectors' table vacuumed between
        // rounds, as autovacuum keeps it), then the first stage alone, as when the GIN stage lags.
        long vectorized = 0, indexed = 0;
        while (indexed < indexTarget)
        {
            vectorized += await RunStageAsync(Core.Search.FullTextIndexer.VectorizeBatchAsync, Math.Min(batch, vectorTarget - vectorized));
            var moved = await RunStageAsync(Core.Search.FullTextIndexer.IndexBatchAsync, Math.Min(batch, indexTarget - indexed));
            if (moved == 0) break;
            indexed += moved;
            await ExecuteAsync(owner, "VACUUM audit_fts_recent");
        }
        vectorized += await RunStageAsync(Core.Search.FullTextIndexer.VectorizeBatchAsync, vectorTarget - vectorized);
        var seconds = watch.Elapsed.TotalSeconds;
        await ExecuteAsync(owner, "VACUUM (ANALYZE) audit_fts");
        await ExecuteAsync(owner, "VACUUM (ANALYZE) audit_fts_recent");
        output.WriteLine($"full-text index: {vectorized:N0} vectors stored and {indexed:N0} of them moved into the GIN index in {seconds:F1} s, " +
            $"in batches of {batch:N0} ({seconds * 1e6 / Math.Max(1, vectorized):F1} us of wall time an entry); " +
            $"{unindexed:N0} left out of the GIN index (scanned by every full-text search), {Math.Min(unvectorized, unindexed):N0} of them without a vector (computed by it)");

        async Task<long> RunStageAsync(Func<NpgsqlConnection, int, CancellationToken, Task<int>> stage, long entries)
        {
            long done = 0;
            while (entries - done > 0)
            {
                var added = await stage(connection, (int)Math.Min(batch, entries - done), CancellationToken.None);
                if (added == 0) break;
                done += added;
            }
            return done;
        }
    }

    private static async Task AppendAsync(NpgsqlDataSource db, StringBuilder ndjson, List<DateTimeOffset> received)
    {
        var parsed = EventParser.Parse(Encoding.UTF8.GetBytes(ndjson.ToString()), BodyFormat.NdJson, received[0]);
        if (parsed.Errors.Count > 0) throw new InvalidOperationException("generated event refused: " + parsed.Errors[0].Error);
        var batch = parsed.Events.Select((e, i) => e with { ReceivedAt = received[i] }).ToList();
        await using var connection = await db.OpenConnectionAsync();
        await using var tx = await connection.BeginTransactionAsync();
        await LedgerAppender.AppendAsync(connection, [new AppendRequest("key:bench", batch)], CancellationToken.None);
        await tx.CommitAsync();
    }

    internal static async Task ExecuteAsync(NpgsqlConnection connection, string sql)
    {
        await using var cmd = new NpgsqlCommand(sql, connection) { CommandTimeout = 0 };
        await cmd.ExecuteNonQueryAsync();
    }
}
