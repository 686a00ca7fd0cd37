using CompliancePortal.Archive;
using CompliancePortal.Backup;
using CompliancePortal.Core;
using CompliancePortal.Core.Archive;
using CompliancePortal.Core.Audit;
using CompliancePortal.Core.Backup;
using CompliancePortal.Core.Database;
using CompliancePortal.Core.Ledger;
using CompliancePortal.Core.Retention;
using CompliancePortal.Database;
using CompliancePortal.Ledger;
using CompliancePortal.Retention;
using Microsoft.Extensions.Options;
using Npgsql;

namespace CompliancePortal.Cli;

/// <summary>Configuration section "Maintenance": how the maintenance process repeats its pass.</summary>
public sealed class MaintenanceOptions : ISettings
{
    public const string Section = "Maintenance";

    static string ISettings.Section => Section;

    public string? Problem() =>
        Interval <= TimeSpan.Zero || BackupEvery < TimeSpan.Zero
        ? "Maintenance:Interval must be positive and Maintenance:BackupEvery must not be negative"
        : null;

    /// <summary>With --loop, the pause between two passes.</summary>
    public TimeSpan Interval { get; set; } = TimeSpan.FromHours(1);

    /// <summary>A pass takes a database backup when the newest is older than this; zero turns backups off here.</summary>
    public TimeSpan BackupEvery { get; set; } = TimeSpan.FromDays(1);
}

/// <summary>
/// <c>maintenance [--loop]</c>: everything that needs the database owner (cp_owner), run apart from
/// the web process, which holds only the portal role's credential. One pass: migrations (and
/// Hangfire's tables), the coming months' partitions, the retention purge, and a backup when the
/// newest is older than Maintenance:BackupEvery. With --loop it repeats every
/// Maintenance:Interval until stopped. On a configured database it needs both
/// ConnectionStrings:PortalOwner and ConnectionStrings:Portal (ledger entries are the portal
/// role's); on the embedded default the web process runs the same work itself.
/// </summary>
public static class MaintenanceCommand
{
    public static async Task<int> RunAsync(string[] args, IConfiguration configuration, TextWriter output, CancellationToken ct = default)
    {
        if (!string.IsNullOrWhiteSpace(configuration.GetConnectionString("Portal")) && string.IsNullOrWhiteSpace(configuration.GetConnectionString("PortalOwner")))
        {
            output.WriteLine("maintenance runs as the database owner: set ConnectionStrings:PortalOwner (cp_owner) beside ConnectionStrings:Portal.");
            return 64;
        }
        var options = configuration.ReadSettings<MaintenanceOptions>();
        var root = Directory.GetCurrentDirectory();
        var (connections, embedded) = await DatabaseSetup.ResolveConnectionsAsync(configuration, root, ct);
        try
        {
            await using var services = Services(configuration, connections, root);
            var writer = services.GetRequiredService<LedgerWriter>();
            await writer.StartAsync(ct);
            try
            {
                while (true)
                {
                    var ok = await PassAsync(services, options, output, ct);
                    if (!args.Contains("--loop")) return ok ? 0 : 1;
                    await Task.Delay(options.Interval, ct);
                }
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested)
            {
                return 0;
            }
            finally
            {
                await writer.StopAsync(CancellationToken.None);
            }
        }
        finally
        {
            if (embedded is not null) await embedded.DisposeAsync();
        }
    }

    /// <summary>One pass; a failed step is reported and the next steps still run (but none runs on a schema that failed to migrate).</summary>
    public static async Task<bool> PassAsync(IServiceProvider services, MaintenanceOptions options, TextWriter output, CancellationToken ct)
    {
        var connections = services.GetRequiredService<PortalConnections>();
        if (!await StepAsync(output, "migrations", async () =>
            {
                await DatabaseSetup.MigrateAsync(connections, ct);
                return "the schema is current";
            })) return false;
        var ok = await StepAsync(output, "partitions", async () =>
            $"{await new PartitionMaintenanceJob(connections).RunAsync(ct)} created");
        ok &= await StepAsync(output, "retention", async () =>
            $"{await services.GetRequiredService<RetentionJob>().RunAsync(ct)} day(s) of log types purged");
        ok &= await StepAsync(output, "backup", async () =>
        {
            if (options.BackupEvery <= TimeSpan.Zero) return "off (Maintenance:BackupEvery is 0)";
            var latest = await DatabaseBackup.LatestAsync(services.GetRequiredService<IArchiveStore>(), ct);
            var now = services.GetRequiredService<TimeProvider>().GetUtcNow();
            if (latest is not null && now - latest.TakenAt < options.BackupEvery) return $"not due (newest {latest.Key})";
            return $"written to {(await services.GetRequiredService<DatabaseBackupJob>().RunAsync(ct)).Key}";
        });
        return ok;
    }

    private static async Task<bool> StepAsync(TextWriter output, string name, Func<Task<string>> step)
    {
        try
        {
            output.WriteLine($"maintenance {name}: {await step()}");
            return true;
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            output.WriteLine($"maintenance {name} FAILED: {ex.Message}");
            return false;
        }
    }

    /// <summary>The owner's jobs and what they need: the archive store, and one ledger writer for their entries.</summary>
    private static ServiceProvider Services(IConfiguration configuration, PortalConnections connections, string root)
    {
        var services = new ServiceCollection();
        services.AddLogging(l => l.AddConfiguration(configuration.GetSection("Logging")).AddSimpleConsole(o => o.SingleLine = true));
        services.AddSingleton(TimeProvider.System);
        services.AddSingleton(connections);
        services.AddSingleton(_ => NpgsqlDataSource.Create(connections.App));
        services.AddSingleton(Options.Create(configuration.ReadSettings<LedgerOptions>()));
        services.AddSingleton<LedgerCommitSignal>();
        services.AddSingleton<LedgerWriter>();
        services.AddSingleton<ILedgerAppend, LedgerAppend>();
        services.AddSingleton<UserActionLog>();
        services.AddSingleton(ArchiveSetup.Create(configuration, root));
        services.AddSingleton<DailyArchive>();
        var retention = configuration.ReadSettings<RetentionOptions>();
        if (retention.Problem() is { } problem) throw new InvalidOperationException(problem);
        services.AddSingleton(retention);
        services.AddSingleton<RetentionPurger>();
        services.AddTransient<RetentionJob>();
        services.AddSingleton<DatabaseBackup>();
        services.AddTransient<DatabaseBackupJob>();
        return services.BuildServiceProvider();
    }
}
