using System.Text.Json;
using System.Text.Json.Serialization;
using CompliancePortal.Core.Archive;
using CompliancePortal.Core.Database;
using CompliancePortal.Core.Ledger;
using Npgsql;

namespace CompliancePortal.Core.Backup;

/// <summary>What a backup holds: its object, its hash, and the ledger head it contains at least.</summary>
public sealed record BackupRecord(
    [property: JsonPropertyName("key")] string Key,
    [property: JsonPropertyName("bytes")] long Bytes,
    [property: JsonPropertyName("sha256")] string Sha256,
    [property: JsonPropertyName("taken_at")] DateTimeOffset TakenAt,
    [property: JsonPropertyName("ledger_head")] ChainHead LedgerHead);

/// <summary>The outcome of a restore: where it went and whether its ledger verifies.</summary>
public sealed record RestoreResult(
    [property: JsonPropertyName("backup")] BackupRecord Backup,
    [property: JsonPropertyName("database")] string Database,
    [property: JsonPropertyName("verification")] VerificationResult Verification,
    [property: JsonPropertyName("contains_backup_head")] bool ContainsBackupHead)
{
    [JsonPropertyName("ok")]
    public bool Ok => Verification.Intact && ContainsBackupHead;
}

/// <summary>
/// Whole-database backups with pg_dump (custom format) into the archive store, and restores of
/// them into a fresh database. Each backup object has a small JSON record beside it (key +
/// ".json": size, SHA-256, the ledger head read before the dump started), so a restore can check
/// the backup without the original database: the bytes must hash as recorded, the restored
/// ledger must verify, and it must hold the recorded head.
/// </summary>
public sealed class DatabaseBackup(PortalConnections connections, IArchiveStore store, TimeProvider time)
{
    public const string Prefix = "backups/";

    public static string RecordKey(string backupKey) => backupKey + ".json";

    public async Task<BackupRecord> BackupAsync(CancellationToken ct = default)
    {
        var takenAt = time.GetUtcNow();
        // Read before pg_dump takes its snapshot: the dump holds this head and maybe more.
        var head = await ReadHeadAsync(connections.Owner, ct);
        var key = $"{Prefix}{takenAt:yyyy}/{takenAt:MM}/{takenAt:dd}/portal-{takenAt:yyyyMMdd'T'HHmmss'Z'}.dump";
        var temp = Path.GetTempFileName();
        try
        {
            var (args, env) = PostgresTools.ConnectionArgs(connections.Owner);
            await PostgresTools.RunAsync(PostgresTools.Find("pg_dump"), ["--format=custom", $"--file={temp}", .. args], ct, environment: env);
            var sha = await ArchiveHashes.OfFileAsync(temp, ct);
            await using (var upload = File.OpenRead(temp))
                await store.PutAsync(key, upload, "application/octet-stream", ct: ct);
            if (await ArchiveHashes.OfObjectAsync(store, key, ct) != sha)
                throw new InvalidOperationException($"backup {key} did not read back as written");
            var record = new BackupRecord(key, new FileInfo(temp).Length, sha, takenAt, head);
            await store.PutAsync(RecordKey(key), new MemoryStream(JsonSerializer.SerializeToUtf8Bytes(record)), "application/json", ct: ct);
            return record;
        }
        finally
        {
            File.Delete(temp);
        }
    }

    /// <summary>The newest backup's record, or null when there is none.</summary>
    public static async Task<BackupRecord?> LatestAsync(IArchiveStore store, CancellationToken ct = default)
    {
        string? latest = null;
        await foreach (var o in store.ListAsync(Prefix, ct))
            if (o.Key.EndsWith(".dump.json", StringComparison.Ordinal)) latest = o.Key; // keys sort by time
        return latest is null ? null : await ReadRecordAsync(store, latest[..^".json".Length], ct);
    }

    public static async Task<BackupRecord?> ReadRecordAsync(IArchiveStore store, string backupKey, CancellationToken ct = default)
    {
        await using var stream = await store.OpenReadAsync(RecordKey(ArchiveKeys.Check(backupKey)), ct);
        return stream is null ? null : await JsonSerializer.DeserializeAsync<BackupRecord>(stream, cancellationToken: ct);
    }

    /// <summary>
    /// Restores <paramref name="backup"/> into the new database <paramref name="database"/> (refused
    /// if it exists) on the cluster of <paramref name="adminConnectionString"/> (a role that may
    /// create databases and roles), then verifies the restored ledger. A backup whose bytes do not
    /// hash as recorded is refused before anything is created.
    /// </summary>
    public static async Task<RestoreResult> RestoreAsync(IArchiveStore store, BackupRecord backup, string adminConnectionString,
        string database, CancellationToken ct = default)
    {
        if (!System.Text.RegularExpressions.Regex.IsMatch(database, "^[a-z_][a-z0-9_]{0,62}$"))
            throw new ArgumentException($"'{database}' is not a database name this command creates (lower-case letters, digits, underscores)", nameof(database));
        if (await DatabaseExistsAsync(adminConnectionString, database, ct))
            throw new InvalidOperationException($"database '{database}' already exists: a restore goes into a fresh database");
        var temp = Path.GetTempFileName();
        try
        {
            await using (var source = await store.OpenReadAsync(backup.Key, ct) ?? throw new InvalidOperationException($"backup {backup.Key} is missing"))
            await using (var file = File.Create(temp))
                await source.CopyToAsync(file, ct);
            var sha = await ArchiveHashes.OfFileAsync(temp, ct);
            if (sha != backup.Sha256)
                throw new InvalidOperationException($"backup {backup.Key} has SHA-256 {sha}, its record says {backup.Sha256}: refusing to restore it");

            await PortalRoles.EnsureDatabaseAsync(adminConnectionString, database, ct: ct);
            var target = new NpgsqlConnectionStringBuilder(adminConnectionString) { Database = database }.ConnectionString;
            var (args, env) = PostgresTools.ConnectionArgs(target);
            // One transaction: a restore that fails part-way leaves an empty database, not half of one.
            await PostgresTools.RunAsync(PostgresTools.Find("pg_restore"), ["--exit-on-error", "--single-transaction", .. args, temp], ct, environment: env);

            // Verified as the administrator restoring it: the portal roles' passwords are not this command's to know.
            await using var db = NpgsqlDataSource.Create(target);
            var verification = await LedgerVerifier.VerifyAsync(db, ct);
            return new RestoreResult(backup, database, verification, await HoldsAsync(db, backup.LedgerHead, ct));
        }
        finally
        {
            File.Delete(temp);
        }
    }

    private static async Task<ChainHead> ReadHeadAsync(string connectionString, CancellationToken ct)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync(ct);
        await using var cmd = new NpgsqlCommand("SELECT seq, hash FROM ledger_head WHERE id = 1", connection);
        await using var reader = await cmd.ExecuteReaderAsync(ct);
        await reader.ReadAsync(ct);
        return new ChainHead(reader.GetInt64(0), reader.GetString(1));
    }

    private static async Task<bool> HoldsAsync(NpgsqlDataSource db, ChainHead head, CancellationToken ct)
    {
        if (head.Seq == 0) return true;
        await using var cmd = db.CreateCommand("SELECT current_hash FROM audit_log WHERE seq = $1");
        cmd.Parameters.Add(new() { Value = head.Seq });
        return await cmd.ExecuteScalarAsync(ct) as string == head.Hash;
    }

    private static async Task<bool> DatabaseExistsAsync(string adminConnectionString, string database, CancellationToken ct)
    {
        await using var admin = new NpgsqlConnection(adminConnectionString);
        await admin.OpenAsync(ct);
        await using var cmd = new NpgsqlCommand("SELECT 1 FROM pg_database WHERE datname = $1", admin);
        cmd.Parameters.Add(new() { Value = database });
        return await cmd.ExecuteScalarAsync(ct) is not null;
    }
}
