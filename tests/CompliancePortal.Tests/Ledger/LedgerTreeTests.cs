using System.Text;
using CompliancePortal.Core.Ledger;
using CompliancePortal.Core.Ledger.Merkle;
using CompliancePortal.Tests.Infrastructure;
using Npgsql;

namespace CompliancePortal.Tests.Ledger;

/// <summary>The Merkle tree as the database keeps it, built from the stored ledger without a portal running.</summary>
[Collection(PostgresCollection.Name)]
public sealed class LedgerTreeTests(PostgresFixture postgres) : IAsyncLifetime
{
    private TestDatabase _db = null!;
    private NpgsqlDataSource _app = null!;

    public async Task InitializeAsync()
    {
        _db = await postgres.CreateDatabaseAsync();
        _app = _db.AppDataSource();
    }

    public async Task DisposeAsync() => await _app.DisposeAsync();

    /// <summary>Commits <paramref name="count"/> entries in one transaction; returns them as the writer hands them over.</summary>
    private async Task<List<CommittedEntry>> AppendAsync(int count, DateTimeOffset? receivedAt = null, string logType = LogTypes.Trade)
    {
        var at = receivedAt ?? DateTimeOffset.UtcNow;
        var events = Enumerable.Range(0, count).Select(i => new LedgerEvent(logType, "trade_executed", at, null, null, null, null,
            Encoding.UTF8.GetBytes($$"""{"trade_id":"T-{{Guid.NewGuid():N}}","n":{{i}}}"""), at)).ToList();
        await using var connection = await _app.OpenConnectionAsync();
        await using var tx = await connection.BeginTransactionAsync();
        var plan = await LedgerAppender.AppendAsync(connection, [new AppendRequest("key:test", events)], lookUpEventIds: true, CancellationToken.None);
        await tx.CommitAsync();
        return plan.Rows;
    }

    private Task<List<byte[]>> StoredLeavesAsync() => MerkleReference.StoredLeavesAsync(_db);

    [Fact]
    public async Task Extend_InBatchesAsTheLedgerGrows_GivesTheRootOfEveryStoredLeafAndProofsForEarlierSizes()
    {
        await AppendAsync(300);
        var first = await LedgerTree.ExtendAsync(_app, maxLeaves: 1000);
        Assert.Equal(300, first.Size);
        Assert.Equal(MerkleReference.Mth(await StoredLeavesAsync()), first.Root);

        await AppendAsync(700);
        // Small batches: each transaction resumes from the tiles the one before stored.
        TreeHead tree;
        do tree = await LedgerTree.ExtendAsync(_app, maxLeaves: 97);
        while (tree.Size < 1000);
        var leaves = await StoredLeavesAsync();
        Assert.Equal(MerkleReference.Mth(leaves), tree.Root);
        Assert.Equal(tree.Root, await LedgerTree.RootAsync(_app, 1000));
        Assert.Equal(first.Root, await LedgerTree.RootAsync(_app, 300));

        foreach (var seq in new long[] { 1, 256, 257, 300, 999, 1000 })
        {
            var path = await LedgerTree.InclusionProofAsync(_app, seq - 1, 1000);
            Assert.Equal(MerkleReference.Path((int)seq - 1, leaves), path);
            Assert.Equal(leaves[(int)seq - 1], await LedgerTree.LeafHashAsync(_app, seq));
        }
        var consistency = await LedgerTree.ConsistencyProofAsync(_app, 300, 1000);
        Assert.True(MerkleProofs.VerifyConsistency(300, 1000, first.Root, tree.Root, consistency));
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => LedgerTree.InclusionProofAsync(_app, 0, 1001));
    }

    [Fact]
    public async Task Extend_TakesTheLeavesHandedOver_AndReadsTheEntriesNoRunCovers()
    {
        var handed = new HandedLeaves(capacity: 1000);
        await AppendAsync(100);                 // 1..100: committed elsewhere
        handed.Add(await AppendAsync(200));     // 101..300: handed over
        await AppendAsync(50);                  // 301..350: a commit not handed over
        handed.Add(await AppendAsync(150));     // 351..500: a new run, the first one let go
        await AppendAsync(30);                  // 501..530
        var committed = await StoredLeavesAsync();
        // Altered in place afterwards (as a superuser could): a leaf read back shows it, a handed one cannot.
        await _db.ExecuteAsAdminAsync("SET session_replication_role = replica; UPDATE audit_log SET canonical = canonical || '\\x20'::bytea WHERE seq IN (200, 400)");
        var stored = await StoredLeavesAsync();
        Assert.NotEqual(committed[199], stored[199]);

        var tree = await LedgerTree.ExtendAsync(_app, maxLeaves: 1000, handed);

        Assert.Equal(530, tree.Size);
        var expected = committed.ToList();
        expected[199] = stored[199];   // 200 was read back; 400 was handed over
        Assert.Equal(MerkleReference.Mth(expected), tree.Root);
        var (first, last) = handed.Range;
        Assert.True(first > last, $"the handed leaves {first}..{last} were not let go");

        // A run longer than one extension: the rest waits for the next one.
        handed.Add(await AppendAsync(100));     // 531..630
        Assert.Equal(570, (await LedgerTree.ExtendAsync(_app, maxLeaves: 40, handed)).Size);
        Assert.Equal((571L, 630L), handed.Range);
        await _db.ExecuteAsAdminAsync("SET session_replication_role = replica; UPDATE audit_log SET canonical = canonical || '\\x20'::bytea WHERE seq = 600");
        tree = await LedgerTree.ExtendAsync(_app, maxLeaves: 1000, handed);
        Assert.Equal(630, tree.Size);
        var afterwards = await StoredLeavesAsync();
        expected.AddRange(afterwards.Skip(530));
        expected[599] = MerkleHash.Leaf((await CanonicalAsync(600))[..^1]);   // handed over: the bytes as committed
        Assert.Equal(MerkleReference.Mth(expected), tree.Root);
    }

    private async Task<byte[]> CanonicalAsync(long seq)
    {
        await using var connection = new NpgsqlConnection(_db.Admin);
        await connection.OpenAsync();
        await using var cmd = new NpgsqlCommand($"SELECT canonical FROM audit_log WHERE seq = {seq}", connection);
        return (byte[])(await cmd.ExecuteScalarAsync())!;
    }

    [Fact]
    public async Task Extend_ByBuildersAtOnce_BuildsOneTree()
    {
        await AppendAsync(2000);
        await Task.WhenAll(Enumerable.Range(0, 4).Select(async _ =>
        {
            await using var own = _db.AppDataSource();
            while ((await LedgerTree.ExtendAsync(own, maxLeaves: 113)).Size < 2000) { }
        }));

        await using var connection = await _app.OpenConnectionAsync();
        var tree = await LedgerTree.ReadHeadAsync(connection, CancellationToken.None);
        Assert.Equal(2000, tree.Size);
        Assert.Equal(MerkleReference.Mth(await StoredLeavesAsync()), tree.Root);
    }

    [Fact]
    public async Task Extend_OverEntriesTheRetentionJobRemoved_TakesTheirLeafHashFromTheTombstone()
    {
        await AppendAsync(5, DateTimeOffset.UtcNow.AddDays(-400), LogTypes.System);
        await AppendAsync(5);
        var before = await StoredLeavesAsync();
        await using (var owner = new NpgsqlConnection(_db.Connections.Owner))
        {
            await owner.OpenAsync();
            await using var tx = await owner.BeginTransactionAsync();
            await using var purge = new NpgsqlCommand(
                // What the retention job records first: the policy, and the day's archive manifest.
                "INSERT INTO retention_policy (log_type, hot_days) VALUES ('SYSTEM', 30); " +
                "INSERT INTO archive_manifests (day, log_type, object_key, sha256, entries, first_seq, last_seq, manifest_key) " +
                "SELECT (created_at AT TIME ZONE 'UTC')::date, log_type, 'x', repeat('0', 64), count(*), min(seq), max(seq), 'm' FROM audit_log WHERE log_type = 'SYSTEM' GROUP BY 1, 2; " +
                "SELECT set_config('compliance.retention_purge', 'on', true); " +
                "INSERT INTO ledger_tombstones (seq, log_type, created_at, previous_hash, current_hash, archive_key, leaf_hash) " +
                "SELECT seq, log_type, created_at, previous_hash, current_hash, 'x', sha256('\\x00'::bytea || canonical) FROM audit_log WHERE log_type = 'SYSTEM'; " +
                "DELETE FROM audit_log WHERE log_type = 'SYSTEM'", owner);
            await purge.ExecuteNonQueryAsync();
            await tx.CommitAsync();
        }
        Assert.Equal(5, (await StoredLeavesAsync()).Count);

        var tree = await LedgerTree.ExtendAsync(_app, maxLeaves: 1000);
        Assert.Equal(10, tree.Size);
        Assert.Equal(MerkleReference.Mth(before), tree.Root);
        var path = await LedgerTree.InclusionProofAsync(_app, 2, 10);
        Assert.True(MerkleProofs.VerifyInclusion(2, 10, before[2], path, tree.Root));
    }

    [Fact]
    public async Task Extend_OverAHoleASuperuserMade_StopsAndNamesTheMissingEntry()
    {
        await AppendAsync(10);
        await _db.ExecuteAsAdminAsync("SET session_replication_role = replica; DELETE FROM audit_log WHERE seq = 4");

        var error = await Assert.ThrowsAsync<LedgerTreeException>(() => LedgerTree.ExtendAsync(_app, maxLeaves: 1000));
        Assert.Contains("entry 4 is missing", error.Message);
        await using var connection = await _app.OpenConnectionAsync();
        Assert.Equal(0, (await LedgerTree.ReadHeadAsync(connection, CancellationToken.None)).Size);
    }

    [Fact]
    public async Task Tree_AsThePortalRole_OnlyGrows()
    {
        await AppendAsync(10);
        await LedgerTree.ExtendAsync(_app, maxLeaves: 1000);

        async Task<PostgresException> FailsAsync(string sql)
        {
            await using var connection = await _app.OpenConnectionAsync();
            await using var cmd = new NpgsqlCommand(sql, connection);
            return await Assert.ThrowsAsync<PostgresException>(() => cmd.ExecuteNonQueryAsync());
        }

        Assert.Contains("only grows", (await FailsAsync("UPDATE ledger_tree SET size = 5")).MessageText);
        Assert.Contains("may only grow", (await FailsAsync("UPDATE ledger_tree_tiles SET hashes = sha256('x'::bytea) || substring(hashes FROM 33) WHERE level = 0")).MessageText);
        await FailsAsync("DELETE FROM ledger_tree_tiles");
        await FailsAsync("TRUNCATE ledger_tree_tiles");
        await FailsAsync("DELETE FROM ledger_checkpoints");
        Assert.Equal(MerkleReference.Mth(await StoredLeavesAsync()), await LedgerTree.RootAsync(_app, 10));
    }
}
