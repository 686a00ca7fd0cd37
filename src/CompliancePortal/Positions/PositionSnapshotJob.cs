using CompliancePortal.Core.Positions;

namespace CompliancePortal.Positions;

/// <summary>Freezes every day past its end-of-day deadline into a position snapshot (or records it as missing).</summary>
public sealed class PositionSnapshotJob(PositionSnapshotter snapshotter, TimeProvider time)
{
    public async Task<int> RunAsync(CancellationToken ct) => (await snapshotter.RunAsync(time.GetUtcNow(), ct)).Count;
}
