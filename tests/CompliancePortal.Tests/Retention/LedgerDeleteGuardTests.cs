using CompliancePortal.Core.Retention;
using CompliancePortal.Tests.Infrastructure;
using Npgsql;

namespace CompliancePortal.Tests.Retention;

/// <summary>Removal from the ledger has one path: the owner, in a purge transaction, of tombstoned rows.</summary>
[Collection(PostgresCollection.Name)]
public sealed class LedgerDeleteGuardTests(PostgresFixture postgres) : RetentionTest(postgres)
{
    private async Task<PostgresException> FailsAsync(string connectionString, string sql)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var tx = await connection.BeginTransactionAsync();
        await using var cmd = new NpgsqlCommand(sql, connection);
        return await Assert.ThrowsAsync<PostgresException>(() => cmd.ExecuteNonQueryAsync());
    }

    [Fact]
    public async Task Delete_AsThePortalRole_FailsEvenWithThePurgeSettingAndATombstone()
    {
        var seqs = await AppendOnDayAsync(Today.AddDays(-100), ApiCall(1), ApiCall(2));
        const string purge = "SELECT set_config('compliance.retention_purge', 'on', true); ";

        await FailsAsync(Db.Connections.App, purge + "DELETE FROM audit_log WHERE log_type = 'SYSTEM'");
        await FailsAsync(Db.Connections.App, purge + "TRUNCATE audit_log");
        await FailsAsync(Db.Connections.App, "INSERT INTO ledger_tombstones (seq, log_type, created_at, previous_hash, current_hash, archive_key, leaf_hash) " +
            $"SELECT seq, log_type, created_at, previous_hash, current_hash, 'x', sha256('\\x00'::bytea || canonical) FROM audit_log WHERE seq = {seqs[0]}");
        await FailsAsync(Db.Connections.App, "DELETE FROM legal_holds");

        Assert.Equal(seqs, await StoredSeqsAsync());
    }

    [Fact]
    public async Task Delete_AsTheOwner_NeedsThePurgeSettingAndATombstoneForEachRow()
    {
        var seqs = await AppendOnDayAsync(Today.AddDays(-100), ApiCall(1), ApiCall(2));
        const string tombstoneFirst = "INSERT INTO ledger_tombstones (seq, log_type, created_at, previous_hash, current_hash, archive_key, leaf_hash) " +
            "SELECT seq, log_type, created_at, previous_hash, current_hash, 'x', sha256('\\x00'::bytea || canonical) FROM audit_log WHERE seq = {0}; ";

        var noSetting = await FailsAsync(Db.Connections.Owner, string.Format(tombstoneFirst, seqs[0]) + $"DELETE FROM audit_log WHERE seq = {seqs[0]}");
        Assert.Contains("append-only", noSetting.MessageText);
        // Setting on, but the second row has no tombstone: the whole statement fails.
        var missing = await FailsAsync(Db.Connections.Owner, "SELECT set_config('compliance.retention_purge', 'on', true); " +
            string.Format(tombstoneFirst, seqs[0]) + "DELETE FROM audit_log WHERE log_type = 'SYSTEM'");
        Assert.Contains("append-only", missing.MessageText);
        var forged = await FailsAsync(Db.Connections.Owner, "INSERT INTO ledger_tombstones (seq, log_type, created_at, previous_hash, current_hash, archive_key, leaf_hash) " +
            $"SELECT seq, log_type, created_at, previous_hash, repeat('c', 64), 'x', sha256('\\x00'::bytea || canonical) FROM audit_log WHERE seq = {seqs[0]}");
        Assert.Contains("tombstone must copy", forged.MessageText);
        var forgedLeaf = await FailsAsync(Db.Connections.Owner, "INSERT INTO ledger_tombstones (seq, log_type, created_at, previous_hash, current_hash, archive_key, leaf_hash) " +
            $"SELECT seq, log_type, created_at, previous_hash, current_hash, 'x', sha256(canonical) FROM audit_log WHERE seq = {seqs[0]}");
        Assert.Contains("leaf hash", forgedLeaf.MessageText);
        // Tombstones themselves are append-only (a row to update exists inside this transaction).
        await FailsAsync(Db.Connections.Owner, string.Format(tombstoneFirst, seqs[0]) + "UPDATE ledger_tombstones SET archive_key = 'y'");

        Assert.Equal(seqs, await StoredSeqsAsync());
        Assert.Empty(await StoredSeqsAsync("ledger_tombstones"));
    }

    /// <summary>As the owner in a purge transaction: tombstone the day's rows of a log type, then delete them.</summary>
    private static string Purge(string logType) =>
        "SELECT set_config('compliance.retention_purge', 'on', true); " +
        "INSERT INTO ledger_tombstones (seq, log_type, created_at, previous_hash, current_hash, archive_key, leaf_hash) " +
        $"SELECT seq, log_type, created_at, previous_hash, current_hash, 'ledger/x/{logType}.ndjson.gz', sha256('\\x00'::bytea || canonical) FROM audit_log WHERE log_type = '{logType}'; " +
        $"DELETE FROM audit_log WHERE log_type = '{logType}'";

    private async Task OwnerAsync(string sql)
    {
        await using var connection = new NpgsqlConnection(Db.Connections.Owner);
        await connection.OpenAsync();
        await using var cmd = new NpgsqlCommand(sql, connection);
        await cmd.ExecuteNonQueryAsync();
    }

    /// <summary>
    /// The owner takes the retention path (setting on, tombstones) by hand: the database itself holds
    /// each removal to the policy, and a removal no retention_purged entry accounts for is named by
    /// verification.
    /// </summary>
    [Fact]
    public async Task Delete_AsTheOwnerThroughTheRetentionPath_IsRefusedOutsideThePolicy_AndAnUnrecordedPurgeIsNamed()
    {
        var old = Today.AddDays(-100);
        var system = await AppendOnDayAsync(old, ApiCall(1), ApiCall(2));
        var compliance = await AppendOnDayAsync(old, Review());
        var recent = await AppendOnDayAsync(Today.AddDays(-10), ("NAV", "nav_calculated", new { nav = 1 }));

        Assert.Contains("keeps SYSTEM entries", (await FailsAsync(Db.Connections.Owner, Purge("SYSTEM"))).MessageText);
        await OwnerAsync("INSERT INTO retention_policy (log_type, hot_days) VALUES ('SYSTEM', 30), ('NAV', 30)");
        Assert.Contains("hot window", (await FailsAsync(Db.Connections.Owner, Purge("NAV"))).MessageText);
        Assert.Contains("COMPLIANCE entries are kept permanently", (await FailsAsync(Db.Connections.Owner, Purge("COMPLIANCE"))).MessageText);
        Assert.Contains("no recorded archive manifest", (await FailsAsync(Db.Connections.Owner, Purge("SYSTEM"))).MessageText);
        await OwnerAsync($"INSERT INTO archive_manifests (day, log_type, object_key, sha256, entries, first_seq, last_seq, manifest_key) " +
            $"VALUES ('{old:yyyy-MM-dd}', 'SYSTEM', 'ledger/x/SYSTEM.ndjson.gz', repeat('a', 64), 2, {system[0]}, {system[^1]}, 'm')");
        Assert.Null((await Holds.CreateAsync(Officer, new LegalHoldForm(old, old, "SYSTEM", null, null, "SEC inquiry 2026-31"))).Error);
        Assert.Contains("legal hold", (await FailsAsync(Db.Connections.Owner, Purge("SYSTEM"))).MessageText);
        Assert.Subset((await StoredSeqsAsync()).ToHashSet(), new HashSet<long>([.. system, .. compliance, .. recent]));
        Assert.Empty(await StoredSeqsAsync("ledger_tombstones"));
        // The policy and the manifests are records too: never changed.
        await FailsAsync(Db.Connections.Owner, "UPDATE retention_policy SET hot_days = 1");
        await FailsAsync(Db.Connections.Owner, "DELETE FROM archive_manifests");

        var hold = await Db.ScalarAsync("SELECT \"Id\" FROM legal_holds");
        Assert.Null((await Holds.ReleaseAsync(Officer, Convert.ToInt32(hold), "matter closed")).Error);
        await OwnerAsync("BEGIN; " + Purge("SYSTEM") + "; COMMIT");

        var stored = await StoredSeqsAsync();
        Assert.Empty(stored.Intersect(system));
        Assert.Subset(stored.ToHashSet(), new HashSet<long>([.. compliance, .. recent]));
        Assert.Equal(system, await StoredSeqsAsync("ledger_tombstones"));
        var verification = await VerifyAsync();
        Assert.False(verification.Intact);
        Assert.Equal(system[0], verification.FirstBadSeq);
        Assert.Contains("retention_purged", verification.Reason);
    }
}
