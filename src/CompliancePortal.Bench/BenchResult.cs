using System.Globalization;

namespace CompliancePortal.Bench;

/// <summary>One contestant's figures. Latencies are per acknowledgement (HTTP response, or COMMIT for the baselines).</summary>
public sealed record BenchResult(string Contestant, int Events, TimeSpan Elapsed, IReadOnlyList<double> AckMilliseconds)
{
    /// <summary>CPU of this process (clients, portal) and of PostgreSQL, and WAL, during the run, see <see cref="ResourceMeter"/>.</summary>
    public Usage Used { get; init; }

    public double EventsPerSecond => Events / Elapsed.TotalSeconds;

    public double AckP50 => Percentile.NearestRank(AckMilliseconds, 0.50);

    public double AckP99 => Percentile.NearestRank(AckMilliseconds, 0.99);

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
    public static string SummaryJson(BenchResult portal, BenchResult seedCopy, BenchResult seedInsert, LedgerCostShares costs)
    {
        var c = CultureInfo.InvariantCulture;
        return string.Create(c,
            $"{{\"events\": {portal.Events}, \"events_per_s\": {portal.EventsPerSecond:F1}, " +
            $"\"ack_p50_ms\": {portal.AckP50:F2}, \"ack_p99_ms\": {portal.AckP99:F2}, " +
            $"\"seed_copy_per_s\": {seedCopy.EventsPerSecond:F1}, \"seed_insert_per_s\": {seedInsert.EventsPerSecond:F1}, " +
            $"\"vs_seed_copy\": {portal.EventsPerSecond / seedCopy.EventsPerSecond:F2}, " +
            $"\"vs_seed_insert\": {portal.EventsPerSecond / seedInsert.EventsPerSecond:F2}, " +
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

    public double IngestCpuMicrosecondsPerEvent => (Portal.Used.Process + Portal.Used.Postgres).TotalMicroseconds / Portal.Events;

    public double TreeShare => Tree.CpuMicrosecondsPerEvent / IngestCpuMicrosecondsPerEvent;

    public double GuardShare => Guard.MicrosecondsPerEvent / IngestCpuMicrosecondsPerEvent;

    public IEnumerable<string> Lines()
    {
        var c = CultureInfo.InvariantCulture;
        yield return string.Create(c,
            $"ingest (baseline for the shares): {IngestCpuMicrosecondsPerEvent:F1} us of cpu per event (app + pg), {IngestMicrosecondsPerEvent:F1} us of wall time");
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
