using CompliancePortal.Core.Packages;
using Hangfire;

namespace CompliancePortal.Packages;

/// <summary>Builds one requested compliance package (queued by the request; failures are recorded, not retried).</summary>
public sealed class PackageBuildJob(PackageBuilder builder)
{
    [Hangfire.AutomaticRetry(Attempts = 0)]
    public Task RunAsync(Guid packageId, CancellationToken ct) => builder.BuildAsync(packageId, ct);
}

/// <summary>Deletes expired packages' objects and records each expiry.</summary>
public sealed class PackageExpiryJob(PackageService packages)
{
    public Task<int> RunAsync(CancellationToken ct) => packages.ExpireDueAsync(ct);
}

/// <summary>
/// Queues again the builds of packages that stalled (never enqueued, or their process died; see
/// <see cref="PackageService.RequeueStalledAsync"/>). A failed enqueue here is retried by the next
/// run once the package is silent for long again.
/// </summary>
public sealed class PackageRecoveryJob(PackageService packages, IBackgroundJobClient jobs, ILogger<PackageRecoveryJob> logger)
{
    public async Task<int> RunAsync(CancellationToken ct)
    {
        var stalled = await packages.RequeueStalledAsync(ct);
        foreach (var id in stalled)
        {
            logger.LogWarning("Compliance package {Id} stalled; its build is queued again", id);
            jobs.Enqueue<PackageBuildJob>(j => j.RunAsync(id, CancellationToken.None));
        }
        return stalled.Count;
    }
}
