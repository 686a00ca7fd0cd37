using CompliancePortal.Accounts;
using CompliancePortal.Core.Packages;

namespace CompliancePortal.Packages;

/// <summary>
/// Compliance packages: the page (/packages), the API for scripts (/api/v1/packages), the progress
/// hub (/hubs/packages) and the build job, queued on Hangfire. Auditors within their granted period
/// and ComplianceOfficers request them; only the requester downloads.
/// </summary>
public static class PackagesSetup
{
    public static void AddPackages(this WebApplicationBuilder builder)
    {
        builder.AddSettings<PackageOptions>();
        builder.Services.AddSingleton<PackageService>();
        builder.Services.AddSingleton<PackageBuilder>();
        builder.Services.AddSingleton<PackageProgressBroadcaster>();
        builder.Services.AddSingleton<IPackageProgressSink>(sp => sp.GetRequiredService<PackageProgressBroadcaster>());
        builder.Services.AddSingleton<PackageOrders>();
        builder.Services.AddRevalidatedHub<PackageHub>();
        builder.Services.AddTransient<PackageBuildJob>();
        builder.Services.AddTransient<PackageExpiryJob>();
        builder.Services.AddTransient<PackageRecoveryJob>();
    }
}
