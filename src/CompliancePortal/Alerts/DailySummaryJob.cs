using CompliancePortal.Core.Alerts;

namespace CompliancePortal.Alerts;

/// <summary>The seed's 16:30 daily summary: each business day past its time becomes one summary entry (see <see cref="DailySummary"/>).</summary>
public sealed class DailySummaryJob(DailySummary summary, TimeProvider time)
{
    public async Task<int> RunAsync(CancellationToken ct) => (await summary.RunAsync(time.GetUtcNow(), ct)).Count;
}
