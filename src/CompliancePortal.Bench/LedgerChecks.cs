using CompliancePortal.Core.ApiKeys;
using CompliancePortal.Core.Ledger;
using Npgsql;

namespace CompliancePortal.Bench;

/// <summary>What the benchmark proves after the run: the chain is intact and holds every event,
/// and every sampled event is found through the full-text index once the indexer has caught up.</summary>
public static class LedgerChecks
{
    private const string CountByTag = "SELECT count(*) FROM audit_fts WHERE vector @@ to_tsquery('simple', $1)";

    /// <summary>
    /// Waits for the indexer to reach the chain head, then counts each sampled event's unique tag
    /// through the full-text index (sequential scans off, so the count comes from the index);
    /// returns a failure message or null.
    /// </summary>
    public static async Task<string?> CheckFullTextAsync(string connectionString, IReadOnlyList<BenchEvent> events, int sample, TextWriter output, CancellationToken ct)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync(ct);
        if (await WaitForIndexerAsync(connection, TimeSpan.FromMinutes(5), ct) is { } behind) return behind;
        await using (var off = new NpgsqlCommand("SET enable_seqscan = off", connection))
            await off.ExecuteNonQueryAsync(ct);

        await using (var explain = new NpgsqlCommand("EXPLAIN " + CountByTag, connection))
        {
            explain.Parameters.Add(new() { Value = events[0].Tag });
            var plan = new List<string>();
            await using var reader = await explain.ExecuteReaderAsync(ct);
            while (await reader.ReadAsync(ct)) plan.Add(reader.GetString(0));
            if (!plan.Any(l => l.Contains("Bitmap Index Scan", StringComparison.Ordinal)))
                return "the full-text query does not use the full-text index:" + Environment.NewLine + string.Join(Environment.NewLine, plan);
        }

        var indexes = SampleIndexes(events.Count, sample);
        var missing = new List<string>();
        foreach (var i in indexes)
        {
            await using var cmd = new NpgsqlCommand(CountByTag, connection);
            cmd.Parameters.Add(new() { Value = events[i].Tag });
            var found = (long)(await cmd.ExecuteScalarAsync(ct))!;
            if (found != 1) missing.Add($"{events[i].Tag} (found {found})");
        }
        output.WriteLine($"full-text check: {indexes.Count - missing.Count} of {indexes.Count} sampled events found once through the full-text index");
        return missing.Count == 0 ? null
            : $"{missing.Count} sampled events were not found exactly once by full-text search: {string.Join(", ", missing.Take(10))}";
    }

    /// <summary>
    /// Recomputes the whole chain and checks it holds the <paramref name="expected"/> events the
    /// load clients posted (their key's entries: the portal adds its own, from the alert rules and
    /// from recurring jobs that fall due during the run); returns a failure message or null.
    /// </summary>
    public static async Task<string?> CheckChainAsync(string connectionString, int expected, TextWriter output, CancellationToken ct)
    {
        await using var dataSource = NpgsqlDataSource.Create(connectionString);
        var result = await LedgerVerifier.VerifyAsync(dataSource, ct);
        await using var count = dataSource.CreateCommand("SELECT count(*) FROM audit_log WHERE source = $1");
        count.Parameters.Add(new() { Value = ApiKey.SourceOf(PortalContestant.KeyName) });
        var posted = (long)(await count.ExecuteScalarAsync(ct))!;
        output.WriteLine($"chain check: intact={result.Intact}, posted entries={posted}, all entries={result.Entries}, head={result.Head.Seq} ({result.Reason})");
        if (!result.Intact) return $"the chain is broken at {result.FirstBadSeq}: {result.Reason}";
        return posted == expected ? null : $"the ledger holds {posted} posted entries, not {expected}";
    }

    /// <summary>Waits until the full-text index covers the chain head; returns a failure message or null.</summary>
    public static async Task<string?> WaitForIndexerAsync(NpgsqlConnection connection, TimeSpan limit, CancellationToken ct)
    {
        var waited = System.Diagnostics.Stopwatch.StartNew();
        while (true)
        {
            await using var cmd = new NpgsqlCommand("SELECT (SELECT seq FROM ledger_head) - (SELECT watermark FROM fts_state)", connection);
            var lag = (long)(await cmd.ExecuteScalarAsync(ct))!;
            if (lag <= 0) return null;
            if (waited.Elapsed > limit) return $"the full-text indexer is still {lag} entries behind after {limit.TotalSeconds:0} s";
            await Task.Delay(100, ct);
        }
    }

    /// <summary>Up to <paramref name="sample"/> indexes spread evenly from the first event to the last.</summary>
    private static List<int> SampleIndexes(int count, int sample)
    {
        if (sample >= count) return [.. Enumerable.Range(0, count)];
        if (sample <= 1) return [count - 1];
        return [.. Enumerable.Range(0, sample).Select(k => (int)((long)k * (count - 1) / (sample - 1))).Distinct()];
    }
}
