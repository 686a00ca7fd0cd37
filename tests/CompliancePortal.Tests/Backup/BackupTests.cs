using CompliancePortal.Backup;
using CompliancePortal.Core.Archive;
using CompliancePortal.Core.Backup;
using CompliancePortal.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace CompliancePortal.Tests.Backup;

/// <summary>pg_dump into the archive store, then pg_restore into a fresh database whose ledger verifies.</summary>
[Collection(PostgresCollection.Name)]
public sealed class BackupTests(PostgresFixture postgres) : PortalTest(postgres)
{
    private readonly PostgresFixture _postgres = postgres;

    private IArchiveStore Store => Portal.Services.GetRequiredService<IArchiveStore>();

    private async Task<BackupRecord> BackUpTradesAsync(int trades)
    {
        (await Client.PostNdJsonAsync(Enumerable.Range(1, trades).Select(i => IngestClient.Trade(i)), Key)).EnsureSuccessStatusCode();
        // As the maintenance process runs it: connected as the owner (the web process holds only the portal role).
        var backup = new DatabaseBackup(Db.Connections, Store, TimeProvider.System);
        return await new DatabaseBackupJob(backup, Portal.Services.GetRequiredService<Core.Audit.UserActionLog>()).RunAsync(CancellationToken.None);
    }

    private static string NewDatabaseName() => "restored_" + Guid.NewGuid().ToString("N")[..10];

    private async Task<List<string>> HashesAsync(string database)
    {
        await using var connection = new NpgsqlConnection(_postgres.AdminConnectionString(database));
        await connection.OpenAsync();
        await using var cmd = new NpgsqlCommand("SELECT current_hash FROM audit_log ORDER BY seq", connection);
        await using var reader = await cmd.ExecuteReaderAsync();
        var hashes = new List<string>();
        while (await reader.ReadAsync()) hashes.Add(reader.GetString(0));
        return hashes;
    }

    [Fact]
    public async Task Backup_ThenRestoreIntoAFreshDatabase_TheRestoredLedgerVerifiesAndHoldsEveryEntry()
    {
        var backup = await BackUpTradesAsync(25);
        Assert.Equal(backup.Sha256, await ArchiveHashes.OfObjectAsync(Store, backup.Key));
        Assert.Equal(backup, await DatabaseBackup.LatestAsync(Store));
        // The head read before the dump: the last trade (the backup's own ledger entry comes after).
        Assert.Equal(await Db.ScalarAsync("SELECT max(seq) FROM audit_log WHERE log_type = 'TRADE'"), backup.LedgerHead.Seq);
        Assert.Equal(await Db.ScalarAsync($"SELECT current_hash FROM audit_log WHERE seq = {backup.LedgerHead.Seq}"), backup.LedgerHead.Hash);

        var name = NewDatabaseName();
        var result = await DatabaseBackup.RestoreAsync(Store, backup, _postgres.Cluster.AdminConnectionString, name);

        Assert.True(result.Ok, result.Verification.Reason);
        Assert.True(result.Verification.Intact);
        Assert.True(result.ContainsBackupHead);
        // The restored copy holds exactly the entries the source had when the backup was taken.
        var source = await HashesAsync(Db.Name);
        Assert.Equal(source[..(int)backup.LedgerHead.Seq], await HashesAsync(name));
        // Grants and the immutability triggers came back too: the app role still cannot delete.
        var restoredApp = new NpgsqlConnectionStringBuilder(Db.Connections.App) { Database = name }.ConnectionString;
        await using var app = new NpgsqlConnection(restoredApp);
        await app.OpenAsync();
        await using var delete = new NpgsqlCommand("DELETE FROM audit_log WHERE seq = 1", app);
        await Assert.ThrowsAsync<PostgresException>(() => delete.ExecuteNonQueryAsync());
    }

    [Fact]
    public async Task Backup_IsALedgerEntryNamingItsObjectAndHash()
    {
        var backup = await BackUpTradesAsync(3);

        var entry = await Db.ScalarAsync(
            "SELECT event_data::text FROM audit_log WHERE event = 'database_backup_completed' AND log_type = 'SYSTEM'");
        Assert.Contains(backup.Key, entry as string);
        Assert.Contains(backup.Sha256, entry as string);
    }

    [Fact]
    public async Task Restore_OfAnAlteredBackup_IsRefusedAndCreatesNoDatabase()
    {
        var backup = await BackUpTradesAsync(5);
        var file = Path.Combine(Portal.ArchiveFolder, backup.Key);
        var bytes = await File.ReadAllBytesAsync(file);
        bytes[bytes.Length / 2] ^= 0x01;
        File.SetAttributes(file, FileAttributes.Normal);
        await File.WriteAllBytesAsync(file, bytes);
        var name = NewDatabaseName();

        var error = await Assert.ThrowsAsync<InvalidOperationException>(() =>
            DatabaseBackup.RestoreAsync(Store, backup, _postgres.Cluster.AdminConnectionString, name));

        Assert.Contains("refusing to restore", error.Message);
        Assert.Null(await Db.ScalarAsync($"SELECT 1 FROM pg_database WHERE datname = '{name}'"));
    }

    [Fact]
    public async Task RestoreCommand_RestoresTheNewestBackupAndExitsZero_AndRefusesAnExistingDatabase()
    {
        var backup = await BackUpTradesAsync(4);
        var name = NewDatabaseName();
        string[] settings = [$"--ConnectionStrings:Portal={Db.Connections.App}", $"--ConnectionStrings:Admin={_postgres.Cluster.AdminConnectionString}",
            $"--Archive:Folder={Portal.ArchiveFolder}"];

        var (code, output) = await PortalProcess.RunCliAsync(["restore", "--database", name, .. settings]);
        Assert.True(code == 0, output);
        Assert.Contains("\"intact\": true", output);
        Assert.Equal((await HashesAsync(Db.Name))[..(int)backup.LedgerHead.Seq], await HashesAsync(name));

        var (again, message) = await PortalProcess.RunCliAsync(["restore", "--database", name, .. settings]);
        Assert.Equal(1, again);
        Assert.Contains("already exists", message);
    }
}
