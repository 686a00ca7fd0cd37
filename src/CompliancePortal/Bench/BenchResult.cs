using System.Globalization;

namespace CompliancePortal.Bench;

/// <summary>One contestant's figures. Latencies are per acknowledgement (HTTP response, or COMMIT for the baselines).</summary>
public sealed record BenchResult(string Contestant, int Events, TimeSpan Elapsed, IReadOnlyList<double> AckMilliseconds)
{
    /// <summary>CPU of this process (clients, portal) and of PostgreSQL, and WAL, during the run, see <see cref="ResourceMeter"/>.</summary>
    public Usage Used { get; init; }

    public double EventsPerSecond => Events / Elapsed.TotalSeconds;

    public double AckP50 => Percentile(0.50);

    public double AckP99 => Percentile(0.99);

    /// <summary>Nearest-rank percentile.</summary>
    private double Percentile(double p)
    {
        if (AckMilliseconds.Count == 0) return double.NaN;
        var sorted = AckMilliseconds.Order().ToArray();
        var rank = (int)Math.Ceiling(p * sorted.Length);
        return sorted[Math.Clamp(rank - 1, 0, sorted.Length - 1)];
    }

    public static string Table(IEnumerable<BenchResult> results)
    {
        var c = CultureInfo.InvariantCulture;
        var lines = new List<string>
        {
            string.Format(c, "{0,-34} {1,9} {2,9} {3,11} {4,11} {5,11} {6,12} {7,12} {8,10} {9,10}", "contestant", "events", "seconds", "events/s",
                "ack p50 ms", "ack p99 ms", "app cpu us/ev", "pg cpu us/ev", "wal B/ev", "fpi/1k ev"),
        };
        foreach (var r in results)
            lines.Add(string.Format(c, "{0,-34} {1,9} {2,9:F2} {3,11:F0} {4,11:F1} {5,11:F1} {6,12:F1} {7,12:F1} {8,10:F0} {9,10:F1}",
                r.Contestant, r.Events, r.Elapsed.TotalSeconds, r.EventsPerSecond, r.AckP50, r.AckP99,
                r.Used.Process.TotalMicroseconds / r.Events, r.Used.Postgres.TotalMicroseconds / r.Events,
                (double)r.Used.WalBytes / r.Events, 1000.0 * r.Used.WalFullPages / r.Events));
        return string.Join(Environment.NewLine, lines);
    }

    /// <summary>The benchmark's last output line, in the shape the lead's tooling reads.</summary>
    public static string SummaryJson(BenchResult portal, BenchResult seedCopy, BenchResult seedInsert)
    {
        var c = CultureInfo.InvariantCulture;
        return string.Create(c,
            $"{{\"events\": {portal.Events}, \"events_per_s\": {portal.EventsPerSecond:F1}, " +
            $"\"ack_p50_ms\": {portal.AckP50:F2}, \"ack_p99_ms\": {portal.AckP99:F2}, " +
            $"\"seed_copy_per_s\": {seedCopy.EventsPerSecond:F1}, \"seed_insert_per_s\": {seedInsert.EventsPerSecond:F1}, " +
            $"\"vs_seed_copy\": {portal.EventsPerSecond / seedCopy.EventsPerSecond:F2}, " +
            $"\"vs_seed_insert\": {portal.EventsPerSecond / seedInsert.EventsPerSecond:F2}}}");
    }
}
