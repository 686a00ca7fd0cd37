using System.Globalization;

namespace CompliancePortal.Bench;

/// <summary>One contestant's figures. Latencies are per acknowledgement (HTTP response, or COMMIT for the baselines).</summary>
public sealed record BenchResult(string Contestant, int Events, TimeSpan Elapsed, IReadOnlyList<double> AckMilliseconds)
{
    /// <summary>CPU of this process (clients, portal) and of PostgreSQL, and WAL, during the run, see <see cref="ResourceMeter"/>.</summary>
    public Usage Used { get; init; }

    /// <summary>For each request, how long after its acknowledgement the full-text index held it (portal runs only).</summary>
    public IReadOnlyList<double> IndexLagMilliseconds { get; init; } = [];

    /// <summary>For each request, how long after its acknowledgement the indexer had stored its vectors (the first stage; portal runs only).</summary>
    public IReadOnlyList<double> VectorLagMilliseconds { get; init; } = [];

    /// <summary>The fixed offered load in events a second, or 0 for as fast as acknowledgements come.</summary>
    public int OfferedRate { get; init; }

    /// <summary>503 answers the clients got and sent again (portal runs only).</summary>
    public int BusyAnswers { get; init; }

    /// <summary>Requests that waited at the vectors' bound (Search:MaxUnvectorized) before they went on, and their waits in all (portal runs only).</summary>
    public long GateWaits { get; init; }

    public double GateWaitMilliseconds { get; init; }

    public double GateWaitMean => GateWaits == 0 ? double.NaN : GateWaitMilliseconds / GateWaits;

    public double IndexLagP50 => Percentile.NearestRank(IndexLagMilliseconds, 0.50);

    public double IndexLagP99 => Percentile.NearestRank(IndexLagMilliseconds, 0.99);

    public double VectorLagP99 => Percentile.NearestRank(VectorLagMilliseconds, 0.99);

    /// <summary>
    /// Whether a fixed-load run kept up: at least 95 % of the offered rate acknowledged, and every
    /// request in the full-text index within 5 s of its acknowledgement.
    /// </summary>
    public bool Held => OfferedRate > 0 && EventsPerSecond >= 0.95 * OfferedRate
        && IndexLagMilliseconds.Count == AckMilliseconds.Count && IndexLagMilliseconds.All(l => l < 5000);

    /// <summary>Server CPU on the acknowledgement path per event: the portal's and PostgreSQL's, without the indexer's backend.</summary>
    public double ServerCpuPerEvent => (Used.Process + Used.Postgres - Used.Indexer).TotalMicroseconds / Events;

    public double IndexerCpuPerEvent => Used.Indexer.TotalMicroseconds / Events;

    public double EventsPerSecond => Events / Elapsed.TotalSeconds;

    public double AckP50 => Percentile.NearestRank(AckMilliseconds, 0.50);

    public double AckP99 => Percentile.NearestRank(AckMilliseconds, 0.99);

    public static string Table(IEnumerable<BenchResult> results)
    {
        var c = CultureInfo.InvariantCulture;
        const string format = "{0,-34} {1,8} {2,8} {3,9} {4,8} {5,8} {6,8} {7,8} {8,8} {9,7} {10,7} {11,7} {12,7} {13,7} {14,7} {15,7} {16,6} {17,6} {18,7}";
        var lines = new List<string>
        {
            string.Format(c, format, "contestant", "events", "seconds", "events/s", "ack p50", "ack p99", "lag p50", "lag p99", "vec p99",
                "client", "app", "pg", "pg bg", "indexer", "wal B", "fpi/1k", "503s", "gated", "gate ms"),
        };
        static string Ms(double v) => double.IsNaN(v) ? "-" : v.ToString("F1", CultureInfo.InvariantCulture);
        foreach (var r in results)
        {
            double PerEvent(TimeSpan t) => t.TotalMicroseconds / r.Events;
            lines.Add(string.Format(c, format,
                r.Contestant, r.Events, r.Elapsed.TotalSeconds.ToString("F2", c), r.EventsPerSecond.ToString("F0", c), Ms(r.AckP50), Ms(r.AckP99),
                Ms(r.IndexLagP50), Ms(r.IndexLagP99), Ms(r.VectorLagP99), PerEvent(r.Used.Clients).ToString("F1", c), PerEvent(r.Used.Process).ToString("F1", c),
                PerEvent(r.Used.Backends).ToString("F1", c), PerEvent(r.Used.Background).ToString("F1", c), PerEvent(r.Used.Indexer).ToString("F1", c),
                ((double)r.Used.WalBytes / r.Events).ToString("F0", c), (1000.0 * r.Used.WalFullPages / r.Events).ToString("F1", c), r.BusyAnswers,
                r.GateWaits, Ms(r.GateWaitMean)));
        }
        return string.Join(Environment.NewLine, lines);
    }

    /// <summary>
    /// The benchmark's last output line, in the shape the lead's tooling reads. The CPU figures and
    /// the lags are the fixed-load run's (its indexer keeps up, so all of its work is inside the
    /// run; at saturation some is left for after it).
    /// </summary>
    public static string SummaryJson(BenchResult portal, BenchResult atLoad, double sustained, BenchResult seedCopy, BenchResult seedInsert, LedgerCostShares costs)
    {
        var c = CultureInfo.InvariantCulture;
        return string.Create(c,
            $"{{\"events\": {portal.Events}, \"events_per_s\": {portal.EventsPerSecond:F1}, " +
            $"\"ack_p50_ms\": {portal.AckP50:F2}, \"ack_p99_ms\": {portal.AckP99:F2}, " +
            $"\"events_per_s_sustained\": {sustained:F1}, \"offered_per_s\": {atLoad.OfferedRate}, \"ack_p50_ms_at_load\": {atLoad.AckP50:F2}, " +
            $"\"ack_p99_ms_at_load\": {atLoad.AckP99:F2}, \"index_lag_p50_ms\": {atLoad.IndexLagP50:F2}, \"index_lag_p99_ms\": {atLoad.IndexLagP99:F2}, " +
            $"\"vector_lag_p99_ms\": {atLoad.VectorLagP99:F2}, \"busy_answers\": {portal.BusyAnswers}, \"busy_answers_at_load\": {atLoad.BusyAnswers}, " +
            $"\"gated_at_load\": {atLoad.GateWaits}, \"gate_wait_ms_mean_at_load\": {(atLoad.GateWaits == 0 ? 0 : atLoad.GateWaitMean):F2}, " +
            $"\"server_cpu_us_per_event\": {atLoad.ServerCpuPerEvent:F2}, \"indexer_cpu_us_per_event\": {atLoad.IndexerCpuPerEvent:F2}, " +
            $"\"seed_copy_per_s\": {seedCopy.EventsPerSecond:F1}, \"seed_insert_per_s\": {seedInsert.EventsPerSecond:F1}, " +
            $"\"vs_seed_copy\": {portal.EventsPerSecond / seedCopy.EventsPerSecond:F2}, " +
            $"\"vs_seed_insert\": {portal.EventsPerSecond / seedInsert.EventsPerSecond:F2}, " +
            $"\"sustained_vs_seed_copy\": {sustained / seedCopy.EventsPerSecond:F2}, " +
            $"\"ingest_cpu_us_per_event\": {costs.IngestCpuMicrosecondsPerEvent:F2}, \"checkpoint_ms\": {costs.CheckpointMs:F2}, \"tree_append_us_per_event\": {costs.Tree.MicrosecondsPerEvent:F2}, " +
            $"\"tree_share_of_ingest\": {costs.TreeShare:F4}, \"chain_guard_us_per_event\": {costs.Guard.MicrosecondsPerEvent:F2}, " +
            $"\"chain_guard_share_of_ingest\": {costs.GuardShare:F4}}}");
    }
}

/// <summary>
/// The tree's and the chain guard's cost as a share of ingest. Ingest keeps both cores busy, so
/// its throughput is set by the CPU it spends per event (this process's and PostgreSQL's): a part
/// that takes X us of CPU per event takes X over that total of the throughput. Both parts are timed
/// apart on one core each (their wall time is their CPU); their share of the ingest's wall time
/// per event is printed beside it, a bound that would hold on a machine with idle cores.
/// </summary>
public sealed record LedgerCostShares(BenchResult Portal, LedgerCosts.TreeCost Tree, LedgerCosts.GuardCost Guard, double CheckpointMs)
{
    private double IngestMicrosecondsPerEvent => 1e6 / Portal.EventsPerSecond;

    public double IngestCpuMicrosecondsPerEvent => (Portal.Used.Process + Portal.Used.Postgres + Portal.Used.Clients).TotalMicroseconds / Portal.Events;

    public double TreeShare => Tree.CpuMicrosecondsPerEvent / IngestCpuMicrosecondsPerEvent;

    public double GuardShare => Guard.MicrosecondsPerEvent / IngestCpuMicrosecondsPerEvent;

    public IEnumerable<string> Lines()
    {
        var c = CultureInfo.InvariantCulture;
        yield return string.Create(c,
            $"ingest (baseline for the shares): {IngestCpuMicrosecondsPerEvent:F1} us of cpu per event (clients + app + pg, all on the same cores), {IngestMicrosecondsPerEvent:F1} us of wall time");
        yield return string.Create(c,
            $"merkle tree: {Tree.Entries} entries appended in {Tree.Elapsed.TotalSeconds:F2} s = {Tree.MicrosecondsPerEvent:F2} us/event " +
            $"(cpu {Tree.CpuMicrosecondsPerEvent:F2} us/event, app + pg), {TreeShare:P1} of ingest cpu (target < 5 %), " +
            $"{Tree.MicrosecondsPerEvent / IngestMicrosecondsPerEvent:P1} of its wall time");
        yield return string.Create(c,
            $"chain guard: {Guard.Batches} head moves of {Guard.BatchSize}: {Guard.GuardedMicroseconds / Guard.Batches / 1000:F2} ms with the trigger, " +
            $"{Guard.PlainMicroseconds / Guard.Batches / 1000:F2} ms without = {Guard.MicrosecondsPerEvent:F2} us/event, {GuardShare:P1} of ingest cpu (target < 10 %), " +
            $"{Guard.MicrosecondsPerEvent / IngestMicrosecondsPerEvent:P1} of its wall time");
        yield return string.Create(c, $"checkpoint: signed, archived and recorded in {CheckpointMs:F2} ms (once per Checkpoints:Interval)");
    }
}
