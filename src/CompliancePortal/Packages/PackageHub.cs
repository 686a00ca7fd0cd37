using CompliancePortal.Accounts;
using CompliancePortal.Core.Packages;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.SignalR;

namespace CompliancePortal.Packages;

/// <summary>
/// /hubs/packages: a requester calls <see cref="Watch"/> with a package id and then receives that
/// build's <c>"progress"</c> messages (<see cref="PackageProgress"/>). Only the requester may watch.
/// </summary>
[Authorize(Policy = Policies.RecordReaders)]
public sealed class PackageHub(PackageService packages) : Hub
{
    public const string Path = "/hubs/packages";
    public const string ProgressMessage = "progress";

    public static string Group(Guid id) => $"package-{id:N}";

    /// <summary>Subscribes the caller to the package's progress; returns where it stands now.</summary>
    public async Task<PackageProgress> Watch(Guid packageId)
    {
        var package = await packages.FindAsync(packageId, Context.ConnectionAborted);
        if (package is null || package.RequestedBy != Context.User?.Identity?.Name)
            throw new HubException("No such package of yours.");
        await Groups.AddToGroupAsync(Context.ConnectionId, Group(packageId), Context.ConnectionAborted);
        return new PackageProgress(package.Id, package.Status, package.ProgressPercent, package.Status.ToString().ToLowerInvariant());
    }
}

/// <summary>
/// Where a build reports: pushed to the package's hub group and raised in-process for open pages.
/// Pages of other instances poll the package row (its progress is saved every ten percent).
/// </summary>
public sealed class PackageProgressBroadcaster(IHubContext<PackageHub> hub) : IPackageProgressSink
{
    public event Action<PackageProgress>? Reported;

    public async Task ReportAsync(PackageProgress progress)
    {
        Reported?.Invoke(progress);
        await hub.Clients.Group(PackageHub.Group(progress.PackageId)).SendAsync(PackageHub.ProgressMessage, progress);
    }
}
