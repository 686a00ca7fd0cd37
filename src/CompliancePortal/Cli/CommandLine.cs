using System.Text.Json;
using CompliancePortal.Archive;
using CompliancePortal.Core.Ledger;
using CompliancePortal.Core.Ledger.Checkpoints;
using CompliancePortal.Database;
using CompliancePortal.Ledger;
using Npgsql;

namespace CompliancePortal.Cli;

/// <summary>
/// The portal's command-line verbs:
///   verify                      recompute the whole chain; exit code 0 intact, 2 broken
///   verify --against-archive [--verifier-key KEY]
///                               also hold the ledger to every archived checkpoint and day manifest
///                               (checked with KEY, else the configured signing key's verifier)
///   restore --database NAME [--backup KEY]
///                               restore a backup (default: the newest) into a new database and verify its ledger;
///                               exit code 0 verified, 2 not
///   archive-lifecycle           apply the storage tiers to the S3 archive bucket (see README)
///   checkpoint-key --name NAME  make a checkpoint signing key: prints the private key (for
///                               Checkpoints:SigningKey or its file) and the verifier key to publish
///   maintenance [--loop]        as the database owner: migrations, partitions, retention purge,
///                               backup when due; --loop repeats every Maintenance:Interval
/// Configuration (appsettings.json, --ConnectionStrings:Portal=...) is read as for the portal.
/// The benchmarks are verbs of their own project (src/CompliancePortal.Bench).
/// </summary>
public static class CommandLine
{
    public static bool IsCommand(string[] args) => args.Length > 0 && args[0] is "verify" or "bench" or "restore" or "archive-lifecycle" or "checkpoint-key" or "maintenance";

    /// <summary>A verb's configuration: the working folder's appsettings.json, the environment, and --Section:Key=value arguments.</summary>
    public static IConfiguration Configuration(string[] args) => new ConfigurationBuilder()
        .SetBasePath(Directory.GetCurrentDirectory())
        .AddJsonFile("appsettings.json", optional: true)
        .AddEnvironmentVariables()
        .AddCommandLine(args.Where(a => a.StartsWith("--", StringComparison.Ordinal) && a.Contains('=')).ToArray())
        .Build();

    public static async Task<int> RunAsync(string[] args)
    {
        var configuration = Configuration(args);
        return args[0] switch
        {
            "verify" => await VerifyAsync(configuration, args[1..]),
            "restore" => await RestoreCommand.RunAsync(args[1..], configuration),
            "archive-lifecycle" => await ArchiveLifecycleCommand.RunAsync(configuration, Console.Out),
            "checkpoint-key" => CheckpointKeyCommand.Run(args[1..], Console.Out, Console.Error),
            "maintenance" => await MaintenanceCommand.RunAsync(args[1..], configuration, Console.Out, StopOnCtrlC()),
            "bench" => Moved("bench", "dotnet run -c Release --project src/CompliancePortal.Bench -- bench ..."),
            _ => 64,
        };
    }

    private static int Moved(string verb, string command)
    {
        Console.Error.WriteLine($"'{verb}' is no longer a verb of the portal: run {command}");
        return 64;
    }

    /// <summary>Cancelled by Ctrl+C or SIGTERM, so a looping verb ends its pass's step and stops cleanly.</summary>
    private static CancellationToken StopOnCtrlC()
    {
        var stop = new CancellationTokenSource();
        Console.CancelKeyPress += (_, e) =>
        {
            e.Cancel = true;
            stop.Cancel();
        };
        AppDomain.CurrentDomain.ProcessExit += (_, _) => stop.Cancel();
        return stop.Token;
    }

    private static async Task<int> VerifyAsync(IConfiguration configuration, string[] args)
    {
        var againstArchive = args.Contains("--against-archive");
        var keyAt = Array.IndexOf(args, "--verifier-key");
        var root = Directory.GetCurrentDirectory();
        var (connections, embedded) = await DatabaseSetup.ResolveConnectionsAsync(configuration, root);
        try
        {
            await using var db = NpgsqlDataSource.Create(connections.App);
            var result = await LedgerVerifier.VerifyAsync(db);
            var print = new JsonSerializerOptions { WriteIndented = true };
            Console.WriteLine(JsonSerializer.Serialize(result, print));
            if (!againstArchive) return result.Intact ? 0 : 2;

            var verifier = keyAt >= 0 && keyAt + 1 < args.Length
                ? NoteVerifier.Parse(args[keyAt + 1])
                : CheckpointSetup.LoadSigner(configuration.ReadSettings<CheckpointOptions>(),
                    root, embedded is not null).Verifier;
            var audit = await new CheckpointAudit(db, ArchiveSetup.Create(configuration, root), verifier).RunAsync();
            Console.WriteLine(JsonSerializer.Serialize(audit, print));
            return result.Intact && audit.Consistent ? 0 : 2;
        }
        finally
        {
            if (embedded is not null) await embedded.DisposeAsync();
        }
    }
}
