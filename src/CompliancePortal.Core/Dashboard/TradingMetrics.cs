using Npgsql;
using NpgsqlTypes;

namespace CompliancePortal.Core.Dashboard;

/// <summary>The time span a dashboard looks at, cut into equal buckets aligned to the clock.</summary>
public sealed record MetricsWindow(DateTimeOffset From, DateTimeOffset To, TimeSpan Bucket)
{
    /// <summary>
    /// The window of about <paramref name="length"/> that ends with the bucket holding
    /// <paramref name="now"/>: e.g. at 10:32 one hour in 5-minute buckets is 09:35–10:35, twelve buckets.
    /// </summary>
    public static MetricsWindow Ending(DateTimeOffset now, TimeSpan length, TimeSpan bucket)
    {
        if (bucket <= TimeSpan.Zero || length < bucket) throw new ArgumentOutOfRangeException(nameof(bucket));
        var utc = now.ToUniversalTime();
        var to = new DateTimeOffset(utc.UtcTicks - utc.UtcTicks % bucket.Ticks, TimeSpan.Zero) + bucket;
        var buckets = (int)Math.Ceiling(length / bucket);
        return new MetricsWindow(to - buckets * bucket, to, bucket);
    }

    public int BucketCount => (int)((To - From) / Bucket);

    public IEnumerable<DateTimeOffset> BucketStarts => Enumerable.Range(0, BucketCount).Select(i => From + i * Bucket);
}

/// <summary>API latency percentiles (milliseconds) over a set of SYSTEM api_call events.</summary>
public sealed record LatencyPercentiles(double P50, double P95, double P99, long Calls);

/// <summary>Executed and failed trades; <see cref="SuccessRate"/> is null when there were none.</summary>
public sealed record ExecutionCounts(long Executed, long Failed)
{
    public double? SuccessRate => Executed + Failed == 0 ? null : (double)Executed / (Executed + Failed);
}

/// <summary>The Trading Operations dashboard's numbers for one window.</summary>
public sealed record TradingSnapshot(
    MetricsWindow Window,
    IReadOnlyList<long> ErrorsPerBucket,
    LatencyPercentiles? Latency,
    IReadOnlyList<LatencyPercentiles?> LatencyPerBucket,
    ExecutionCounts Execution,
    ExecutionCounts ExecutionLastDay)
{
    public long Errors => ErrorsPerBucket.Sum();
}

/// <summary>
/// The seed's Grafana panels computed in PostgreSQL from audit_log, by event time: ERROR and
/// CRITICAL events per bucket (any log type), percentile_cont latencies of SYSTEM api_call
/// events, and trade_executed versus trade_failed over the window and the last 24 hours.
/// </summary>
public sealed class TradingMetrics(NpgsqlDataSource dataSource)
{
    public async Task<TradingSnapshot> GetAsync(MetricsWindow window, CancellationToken ct = default)
    {
        await using var connection = await dataSource.OpenConnectionAsync(ct);
        var errors = await ErrorsAsync(connection, window, ct);
        var (latency, latencyPerBucket) = await LatencyAsync(connection, window, ct);
        var (execution, lastDay) = await ExecutionAsync(connection, window, ct);
        return new TradingSnapshot(window, errors, latency, latencyPerBucket, execution, lastDay);
    }

    private static async Task<long[]> ErrorsAsync(NpgsqlConnection connection, MetricsWindow w, CancellationToken ct)
    {
        await using var cmd = Command(connection, w,
            """
            SELECT date_bin(@bucket, "timestamp", @from), count(*)
            FROM audit_log
            WHERE "timestamp" >= @from AND "timestamp" < @to AND event_data ->> 'level' IN ('ERROR', 'CRITICAL')
            GROUP BY 1
            """);
        var counts = new long[w.BucketCount];
        await using var reader = await cmd.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct)) counts[IndexOf(w, reader.GetDateTime(0))] = reader.GetInt64(1);
        return counts;
    }

    private static async Task<(LatencyPercentiles?, LatencyPercentiles?[])> LatencyAsync(
        NpgsqlConnection connection, MetricsWindow w, CancellationToken ct)
    {
        // GROUPING SETS: one row per bucket plus the whole window (bucket NULL) in one scan.
        await using var cmd = Command(connection, w,
            """
            SELECT date_bin(@bucket, "timestamp", @from) AS b,
                   percentile_cont(ARRAY[0.5, 0.95, 0.99]) WITHIN GROUP (ORDER BY (event_data ->> 'latency_ms')::float8),
                   count(*)
            FROM audit_log
            WHERE log_type = 'SYSTEM' AND event = 'api_call' AND jsonb_typeof(event_data -> 'latency_ms') = 'number'
              AND "timestamp" >= @from AND "timestamp" < @to
            GROUP BY GROUPING SETS ((b), ())
            """);
        LatencyPercentiles? total = null;
        var perBucket = new LatencyPercentiles?[w.BucketCount];
        await using var reader = await cmd.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
        {
            if (reader.IsDBNull(1)) continue;   // the whole-window row of a window without calls
            var p = reader.GetFieldValue<double[]>(1);
            var value = new LatencyPercentiles(p[0], p[1], p[2], reader.GetInt64(2));
            if (reader.IsDBNull(0)) total = value;
            else perBucket[IndexOf(w, reader.GetDateTime(0))] = value;
        }
        return (total, perBucket);
    }

    private static async Task<(ExecutionCounts, ExecutionCounts)> ExecutionAsync(
        NpgsqlConnection connection, MetricsWindow w, CancellationToken ct)
    {
        await using var cmd = Command(connection, w,
            """
            SELECT count(*) FILTER (WHERE event = 'trade_executed' AND "timestamp" >= @from),
                   count(*) FILTER (WHERE event = 'trade_failed' AND "timestamp" >= @from),
                   count(*) FILTER (WHERE event = 'trade_executed' AND "timestamp" >= @dayFrom),
                   count(*) FILTER (WHERE event = 'trade_failed' AND "timestamp" >= @dayFrom)
            FROM audit_log
            WHERE log_type = 'TRADE' AND event IN ('trade_executed', 'trade_failed')
              AND "timestamp" >= LEAST(@from, @dayFrom) AND "timestamp" < @to
            """);
        await using var reader = await cmd.ExecuteReaderAsync(ct);
        await reader.ReadAsync(ct);
        return (new ExecutionCounts(reader.GetInt64(0), reader.GetInt64(1)),
                new ExecutionCounts(reader.GetInt64(2), reader.GetInt64(3)));
    }

    private static NpgsqlCommand Command(NpgsqlConnection connection, MetricsWindow w, string sql)
    {
        var cmd = new NpgsqlCommand(sql, connection);
        cmd.Parameters.AddWithValue("bucket", NpgsqlDbType.Interval, w.Bucket);
        cmd.Parameters.AddWithValue("from", NpgsqlDbType.TimestampTz, w.From.UtcDateTime);
        cmd.Parameters.AddWithValue("to", NpgsqlDbType.TimestampTz, w.To.UtcDateTime);
        cmd.Parameters.AddWithValue("dayFrom", NpgsqlDbType.TimestampTz, (w.To - TimeSpan.FromDays(1)).UtcDateTime);
        return cmd;
    }

    private static int IndexOf(MetricsWindow w, DateTime bucketStartUtc) =>
        (int)((new DateTimeOffset(DateTime.SpecifyKind(bucketStartUtc, DateTimeKind.Utc)) - w.From) / w.Bucket);
}
