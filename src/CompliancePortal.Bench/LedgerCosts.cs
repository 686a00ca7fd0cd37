using System.Diagnostics;
using System.Globalization;
using CompliancePortal.Core.Ledger.Merkle;
using Npgsql;

namespace CompliancePortal.Bench;

/// <summary>
/// What the verifiable ledger adds to ingest, measured on the bench's own ledger right after the
/// measured run (same cluster, same entries): the Merkle tree appended from scratch in the
/// builder's batches, and the chain guard (013_chain_guard.sql) moving the head over batches of
/// the size the portal commits, against the same head move with triggers off.
/// </summary>
public static class LedgerCosts
{
    public sealed record TreeCost(long Entries, TimeSpan Elapsed, Usage Used)
    {
        public double MicrosecondsPerEvent => Elapsed.TotalMicroseconds / Entries;
        public double CpuMicrosecondsPerEvent => (Used.Process + Used.Postgres).TotalMicroseconds / Entries;
    }

    public sealed record GuardCost(int Batches, int BatchSize, double GuardedMicroseconds, double PlainMicroseconds)
    {
        /// <summary>The trigger's own cost per entry: the guarded head move minus the unguarded one.</summary>
        public double MicrosecondsPerEvent => Math.Max(0, GuardedMicroseconds - PlainMicroseconds) / (Batches * (double)BatchSize);
    }

    /// <summary>Drops the stored tree (as the superuser, triggers off) and builds it again from the entries, as the portal's builder does.</summary>
    public static async Task<TreeCost> TreeAppendAsync(string adminConnectionString, string appConnectionString, int batchLeaves, ResourceMeter meter,
        CancellationToken ct)
    {
        await IngestBenchmark.ExecuteAsync(adminConnectionString,
            "SET session_replication_role = replica; DELETE FROM ledger_tree_tiles; UPDATE ledger_tree SET size = 0, root = sha256(''::bytea)", ct);
        await using var app = NpgsqlDataSource.Create(appConnectionString);
        var before = await meter.ReadAsync(ct);
        var clock = Stopwatch.StartNew();
        TreeHead tree;
        long size = -1;
        while ((tree = await LedgerTree.ExtendAsync(app, batchLeaves, ct)).Size != size) size = tree.Size;
        var elapsed = clock.Elapsed;
        return new TreeCost(size, elapsed, await meter.ReadAsync(ct) - before);
    }

    /// <summary>
    /// For batches spread over the ledger: the head set back to the batch's start (triggers off),
    /// then moved over the batch with the guard on, and again with it off; each in a rolled-back
    /// transaction, so the ledger is left as it was.
    /// </summary>
    public static async Task<GuardCost> ChainGuardAsync(string adminConnectionString, int batchSize, int batches, CancellationToken ct)
    {
        await using var connection = new NpgsqlConnection(adminConnectionString);
        await connection.OpenAsync(ct);
        long head;
        await using (var read = new NpgsqlCommand("SELECT seq FROM ledger_head", connection))
            head = (long)(await read.ExecuteScalarAsync(ct))!;
        double guarded = 0, plain = 0;
        var step = Math.Max(batchSize, (head - batchSize) / batches);
        var done = 0;
        for (var start = 1L; start + batchSize <= head && done < batches; start += step, done++)
        {
            guarded += await MoveHeadAsync(connection, start, start + batchSize, guard: true, ct);
            plain += await MoveHeadAsync(connection, start, start + batchSize, guard: false, ct);
        }
        return new GuardCost(done, batchSize, guarded, plain);
    }

    private static async Task<double> MoveHeadAsync(NpgsqlConnection connection, long from, long to, bool guard, CancellationToken ct)
    {
        await using var tx = await connection.BeginTransactionAsync(ct);
        await using (var back = new NpgsqlCommand(
            $"SET LOCAL session_replication_role = replica; UPDATE ledger_head SET seq = {from}, hash = (SELECT current_hash FROM audit_log WHERE seq = {from}); " +
            $"SET LOCAL session_replication_role = {(guard ? "origin" : "replica")}", connection, tx))
            await back.ExecuteNonQueryAsync(ct);
        await using var move = new NpgsqlCommand(
            string.Create(CultureInfo.InvariantCulture, $"UPDATE ledger_head SET seq = {to}, hash = (SELECT current_hash FROM audit_log WHERE seq = {to})"), connection, tx);
        var clock = Stopwatch.StartNew();
        await move.ExecuteNonQueryAsync(ct);
        var elapsed = clock.Elapsed.TotalMicroseconds;
        await tx.RollbackAsync(ct);
        return elapsed;
    }
}
