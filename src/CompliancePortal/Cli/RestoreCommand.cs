using System.Text.Json;
using CompliancePortal.Archive;
using CompliancePortal.Core.Backup;
using CompliancePortal.Database;

namespace CompliancePortal.Cli;

/// <summary>
/// `restore --database NAME [--backup KEY]`: restores a backup from the archive store into a new
/// database on the portal's cluster and verifies the restored ledger. The cluster is the embedded
/// one, or the server of ConnectionStrings:Admin (a role that may create databases and roles).
/// </summary>
public static class RestoreCommand
{
    private const string Usage = "usage: restore --database NAME [--backup KEY (default: the newest backup)]";

    public static async Task<int> RunAsync(string[] args, IConfiguration configuration)
    {
        var database = Option(args, "--database");
        var key = Option(args, "--backup");
        if (database is null)
        {
            Console.Error.WriteLine(Usage);
            return 64;
        }
        var store = ArchiveSetup.Create(configuration, Directory.GetCurrentDirectory());
        var backup = key is null ? await DatabaseBackup.LatestAsync(store) : await DatabaseBackup.ReadRecordAsync(store, key);
        if (backup is null)
        {
            Console.Error.WriteLine(key is null ? "no backups in the archive store" : $"no backup record for '{key}' in the archive store");
            return 1;
        }

        var configured = configuration.GetConnectionString("Admin");
        var (_, embedded) = string.IsNullOrWhiteSpace(configured)
            ? await DatabaseSetup.ResolveConnectionsAsync(configuration, Directory.GetCurrentDirectory())
            : default;
        try
        {
            var admin = configured ?? embedded?.AdminConnectionString
                ?? throw new InvalidOperationException("set ConnectionStrings:Admin (a role that may create databases) to restore into an external server");
            Console.Error.WriteLine($"restoring {backup.Key} ({backup.Bytes} bytes, ledger head seq {backup.LedgerHead.Seq}) into '{database}'");
            var result = await DatabaseBackup.RestoreAsync(store, backup, admin, database);
            Console.WriteLine(JsonSerializer.Serialize(result, new JsonSerializerOptions { WriteIndented = true }));
            return result.Ok ? 0 : 2;
        }
        catch (Exception ex) when (ex is InvalidOperationException or ArgumentException)
        {
            Console.Error.WriteLine("restore refused: " + ex.Message);
            return 1;
        }
        finally
        {
            if (embedded is not null) await embedded.DisposeAsync();
        }
    }

    private static string? Option(string[] args, string name)
    {
        var i = Array.IndexOf(args, name);
        return i >= 0 && i + 1 < args.Length ? args[i + 1] : null;
    }
}
