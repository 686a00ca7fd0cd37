using CompliancePortal.Core;
using CompliancePortal.Core.Packages;
using Hangfire;

namespace CompliancePortal.Packages;

/// <summary>
/// Records a request, then queues its build on Hangfire (any instance's server may run it). The
/// request is committed first: if queueing fails, the package stays Queued and the
/// package-recovery job queues it once it has been silent for <see cref="PackageOptions.StalledAfter"/>.
/// </summary>
public sealed class PackageOrders(PackageService packages, IBackgroundJobClient jobs, ILogger<PackageOrders> logger)
{
    public async Task<Outcome<CompliancePackage>> RequestAsync(Core.Search.RecordReader? reader, DateOnly from, DateOnly to,
        IReadOnlyCollection<string> sections, CancellationToken ct = default)
    {
        var result = await packages.RequestAsync(reader, from, to, sections, ct);
        if (result.Value is not { } package) return result;
        try
        {
            jobs.Enqueue<PackageBuildJob>(j => j.RunAsync(package.Id, CancellationToken.None));
        }
        catch (Exception ex)
        {
            logger.LogError(ex, "Compliance package {Id}: queueing its build failed; the package-recovery job will queue it", package.Id);
        }
        return result;
    }
}
