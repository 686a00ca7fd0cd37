using CompliancePortal.Ledger;
using CompliancePortal.Core.Accounts;
using CompliancePortal.Core.Database;
using CompliancePortal.Database;
using Hangfire;
using Hangfire.Dashboard;
using Hangfire.PostgreSql;

namespace CompliancePortal.Jobs;

/// <summary>Configuration section "Jobs": Hangfire's server and the recurring jobs' UTC cron schedules.</summary>
public sealed class JobsOptions
{
    public const string Section = "Jobs";

    /// <summary>Run a Hangfire server in this process (several instances share the work; each job runs once).</summary>
    public bool Server { get; set; } = true;

    public int WorkerCount { get; set; } = 2;

    /// <summary>Job name → UTC cron expression; a job missing here is not scheduled.</summary>
    public Dictionary<string, string> Schedules { get; set; } = [];
}

/// <summary>
/// Hangfire on the portal's PostgreSQL (its own schema, "hangfire"), the recurring jobs from
/// configuration, and the dashboard at /admin/jobs for Admins only.
/// </summary>
public static class JobsSetup
{
    public const string DashboardPath = "/admin/jobs";

    public static void AddJobs(this WebApplicationBuilder builder)
    {
        var options = builder.Configuration.GetSection(JobsOptions.Section).Get<JobsOptions>() ?? new JobsOptions();
        builder.Services.AddHangfire((sp, config) => config
            .SetDataCompatibilityLevel(CompatibilityLevel.Version_180)
            .UseSimpleAssemblyNameTypeSerializer()
            .UseRecommendedSerializerSettings()
            .UsePostgreSqlStorage(o => o.UseNpgsqlConnection(sp.GetRequiredService<PortalConnections>().App),
                new PostgreSqlStorageOptions { SchemaName = DatabaseSetup.JobsSchema, PrepareSchemaIfNecessary = false, QueuePollInterval = TimeSpan.FromSeconds(1) }));
        if (options.Server) builder.Services.AddHangfireServer(o => o.WorkerCount = options.WorkerCount);
        builder.Services.AddSingleton(options);
        // The owner's jobs run here only on the embedded default; elsewhere the maintenance verb runs them.
        builder.Services.AddSingleton(new OwnerJobsHere(string.IsNullOrWhiteSpace(builder.Configuration.GetConnectionString("Portal"))));
        builder.Services.AddTransient<LedgerVerificationJob>();
        builder.Services.AddTransient<PartitionMaintenanceJob>();
        builder.Services.AddTransient<PreclearanceExpiryJob>();
        builder.Services.AddTransient<DailyArchiveJob>();
        builder.Services.AddTransient<DatabaseBackupJob>();
        builder.Services.AddSingleton<CompliancePortal.Core.Backup.DatabaseBackup>();
        builder.Services.AddTransient<TradeBlotterJob>();
        builder.Services.AddTransient<PositionSnapshotJob>();
        builder.Services.AddTransient<PackageBuildJob>();
        builder.Services.AddTransient<PackageExpiryJob>();
        builder.Services.AddTransient<PackageRecoveryJob>();
        builder.Services.AddTransient<RetentionJob>();
        builder.Services.AddTransient<DailySummaryJob>();
        builder.Services.AddSingleton<CompliancePortal.Core.Archive.DailyArchive>();
        builder.Services.AddSingleton<CompliancePortal.Core.Blotter.TradeBlotter>();
        builder.Services.AddHostedService<RecurringJobsRegistration>();
    }

    public static void MapJobsDashboard(this IEndpointRouteBuilder app)
    {
        // The endpoint's policy does the authorization (anonymous → sign-in, other roles → 403),
        // so Hangfire's own filter only has to let those requests through.
        app.MapHangfireDashboard(DashboardPath, new DashboardOptions
        {
            Authorization = [new AllowAuthorizedEndpoint()],
            AppPath = "/",
            DashboardTitle = "CompliancePortal jobs",
        }).RequireAuthorization(p => p.RequireRole(UserRoles.Admin));
    }

    private sealed class AllowAuthorizedEndpoint : IDashboardAuthorizationFilter
    {
        public bool Authorize(DashboardContext context) => context.GetHttpContext().User.IsInRole(UserRoles.Admin);
    }
}

/// <summary>
/// Schedules each configured recurring job at start-up (and removes ones no longer configured).
/// It also takes the job client here, at start-up, on purpose: Hangfire keeps its log provider in
/// a process-wide static that the last configured host replaces, and the client asks it for a
/// logger when it is built. Built lazily (on the first package request), it could get a logger
/// from another, already disposed host (seen with several portals in one test process).
/// </summary>
internal sealed class RecurringJobsRegistration(JobsOptions options, OwnerJobsHere owner, IRecurringJobManager jobs, IBackgroundJobClient client) : IHostedService
{
    /// <summary>Jobs that need the database owner (cp_owner): the maintenance verb's pass, not the web process's.</summary>
    public static readonly IReadOnlySet<string> OwnerJobs = new HashSet<string> { "partition-maintenance", "retention", "database-backup" };

    public static readonly IReadOnlyDictionary<string, Action<IRecurringJobManager, string>> Known =
        new Dictionary<string, Action<IRecurringJobManager, string>>
        {
            ["ledger-verification"] = (m, cron) => m.AddOrUpdate<LedgerVerificationJob>("ledger-verification", j => j.RunAsync(CancellationToken.None), cron),
            ["checkpoint-audit"] = (m, cron) => m.AddOrUpdate<CheckpointAuditJob>("checkpoint-audit", j => j.RunAsync(CancellationToken.None), cron),
            ["partition-maintenance"] = (m, cron) => m.AddOrUpdate<PartitionMaintenanceJob>("partition-maintenance", j => j.RunAsync(CancellationToken.None), cron),
            ["preclearance-expiry"] = (m, cron) => m.AddOrUpdate<PreclearanceExpiryJob>("preclearance-expiry", j => j.RunAsync(CancellationToken.None), cron),
            ["daily-archive"] = (m, cron) => m.AddOrUpdate<DailyArchiveJob>("daily-archive", j => j.RunAsync(CancellationToken.None), cron),
            ["database-backup"] = (m, cron) => m.AddOrUpdate<DatabaseBackupJob>("database-backup", j => j.RunAsync(CancellationToken.None), cron),
            ["trade-blotter"] = (m, cron) => m.AddOrUpdate<TradeBlotterJob>("trade-blotter", j => j.RunAsync(CancellationToken.None), cron),
            ["position-snapshot"] = (m, cron) => m.AddOrUpdate<PositionSnapshotJob>("position-snapshot", j => j.RunAsync(CancellationToken.None), cron),
            ["package-expiry"] = (m, cron) => m.AddOrUpdate<PackageExpiryJob>("package-expiry", j => j.RunAsync(CancellationToken.None), cron),
            ["package-recovery"] = (m, cron) => m.AddOrUpdate<PackageRecoveryJob>("package-recovery", j => j.RunAsync(CancellationToken.None), cron),
            ["retention"] = (m, cron) => m.AddOrUpdate<RetentionJob>("retention", j => j.RunAsync(CancellationToken.None), cron),
            ["daily-summary"] = (m, cron) => m.AddOrUpdate<DailySummaryJob>("daily-summary", j => j.RunAsync(CancellationToken.None), cron),
        };

    public Task StartAsync(CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(client);
        foreach (var (name, schedule) in Known)
        {
            if (options.Schedules.TryGetValue(name, out var cron) && (owner.Value || !OwnerJobs.Contains(name))) schedule(jobs, cron);
            else jobs.RemoveIfExists(name);
        }
        var unknown = options.Schedules.Keys.Except(Known.Keys).ToList();
        if (unknown.Count > 0) throw new InvalidOperationException($"Jobs:Schedules names unknown jobs: {string.Join(", ", unknown)}");
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}

/// <summary>Whether this process holds the owner role and so runs the owner's recurring jobs (the embedded default).</summary>
internal sealed record OwnerJobsHere(bool Value);
