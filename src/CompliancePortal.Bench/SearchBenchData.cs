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
        await IndexAllButTheTailAsync(connections, options.Unindexed, output);
        return new SearchBenchData(days[0].AddHours(13.5), days[^1].AddHours(20), DateOnly.FromDateTime(days[days.Count - 70].UtcDateTime));
    }

    /// <summary>
    /// Runs the indexer's own batches over all entries but the newest <paramref name="unindexed"/>
    /// (as an indexer that fell that far behind leaves them), and prints what indexing cost.
    /// </summary>
    private static async Task IndexAllButTheTailAsync(PortalConnections connections, int unindexed, TextWriter output)
    {
        const int batch = 100_000;
        await using var connection = new NpgsqlConnection(connections.App);
        await connection.OpenAsync();
        await using var head = new NpgsqlCommand("SELECT seq - $1 FROM ledger_head", connection);
        head.Parameters.Add(new() { Value = (long)unindexed });
        var target = (long)(await head.ExecuteScalarAsync())!;
        var watch = Stopwatch.StartNew();
        long indexed = 0;
        while (target - indexed > 0)
        {
            var added = await Core.Search.FullTextIndexer.IndexBatchAsync(connection, (int)Math.Min(batch, target - indexed), CancellationToken.None);
            if (added == 0) break;
            indexed += added;
        }
        var seconds = watch.Elapsed.TotalSeconds;
        await using (var owner = new NpgsqlConnection(connections.Owner))
        {
            await owner.OpenAsync();
            await ExecuteAsync(owner, "VACUUM (ANALYZE) audit_fts");
        }
        output.WriteLine($"full-text index: {indexed:N0} entries indexed in batches of {batch:N0} in {seconds:F1} s " +
            $"({seconds * 1e6 / Math.Max(1, indexed):F1} us of wall time each), {unindexed:N0} left unindexed (the tail every full-text search computes)");
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
