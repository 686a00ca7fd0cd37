using System.Text.Json;
using CompliancePortal.Core.Ledger;
using CompliancePortal.Database;
using Npgsql;

namespace CompliancePortal.Cli;

/// <summary>
/// The portal's command-line verbs:
///   verify                      recompute the whole chain; exit code 0 intact, 2 broken
///   bench ingest --events N     the ingest benchmark (see README)
///   restore --database NAME [--backup KEY]
///                               restore a backup (default: the newest) into a new database and verify its ledger;
///                               exit code 0 verified, 2 not

/// Configuration (appsettings.json, --ConnectionStrings:Portal=...) is read as for the portal.
/// </summary>
public static class CommandLine
{
    public static bool IsCommand(string[] args) => args.Length > 0 && args[0] is "verify" or "bench" or "restore";

    public static async Task<int> RunAsync(string[] args)
    {
        var configuration = new ConfigurationBuilder()
            .SetBasePath(Directory.GetCurrentDirectory())
            .AddJsonFile("appsettings.json", optional: true)
            .AddEnvironmentVariables()
            .AddCommandLine(args.Where(a => a.StartsWith("--", StringComparison.Ordinal) && a.Contains('=')).ToArray())
            .Build();
        return args[0] switch
        {
            "verify" => await VerifyAsync(configuration),
            "bench" => await Bench.RunAsync(args[1..], configuration),
            "restore" => await RestoreCommand.RunAsync(args[1..], configuration),
            _ => 64,
        };
    }

    private static async Task<int> VerifyAsync(IConfiguration configuration)
    {
        var (connections, embedded) = await DatabaseSetup.ResolveConnectionsAsync(configuration, Directory.GetCurrentDirectory());
        try
        {
            await using var db = NpgsqlDataSource.Create(connections.App);
            var result = await LedgerVerifier.VerifyAsync(db);
            Console.WriteLine(JsonSerializer.Serialize(result, new JsonSerializerOptions { WriteIndented = true }));
            return result.Intact ? 0 : 2;
        }
        finally
        {
            if (embedded is not null) await embedded.DisposeAsync();
        }
    }
}
