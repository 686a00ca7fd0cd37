using CompliancePortal.Core.Packages;

namespace CompliancePortal.Jobs;

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
