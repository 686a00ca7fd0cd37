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

    [Fact]
    public async Task Delete_AsTheOwnerInAPurgeTransactionOfTombstonedRows_IsThePathThatWorks()
    {
        var seqs = await AppendOnDayAsync(Today.AddDays(-100), ApiCall(1), ApiCall(2));

        await using var connection = new NpgsqlConnection(Db.Connections.Owner);
        await connection.OpenAsync();
        await using var tx = await connection.BeginTransactionAsync();
        await using var cmd = new NpgsqlCommand(
            "SELECT set_config('compliance.retention_purge', 'on', true); " +
            "INSERT INTO ledger_tombstones (seq, log_type, created_at, previous_hash, current_hash, archive_key, leaf_hash) " +
            "SELECT seq, log_type, created_at, previous_hash, current_hash, 'x', sha256('\\x00'::bytea || canonical) FROM audit_log WHERE log_type = 'SYSTEM'; " +
            "DELETE FROM audit_log WHERE log_type = 'SYSTEM'", connection);
        await cmd.ExecuteNonQueryAsync();
        await tx.CommitAsync();

        Assert.Empty(await StoredSeqsAsync());
        Assert.Equal(seqs, await StoredSeqsAsync("ledger_tombstones"));
        var verification = await VerifyAsync();
        Assert.True(verification.Intact, verification.Reason);
        Assert.Equal(2, verification.Purged);
    }
}
