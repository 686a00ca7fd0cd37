using CompliancePortal.Alerts;
using CompliancePortal.Archive;
using CompliancePortal.Backup;
using CompliancePortal.Blotter;
using CompliancePortal.Communications;
using CompliancePortal.Ledger;
using CompliancePortal.Packages;
using CompliancePortal.Positions;
using CompliancePortal.Preclearance;
using CompliancePortal.Retention;
using Hangfire;

namespace CompliancePortal.Jobs;

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
            ["imap-capture"] = (m, cron) => m.AddOrUpdate<MailboxCaptureJob>("imap-capture", j => j.RunAsync(CancellationToken.None), cron),
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
