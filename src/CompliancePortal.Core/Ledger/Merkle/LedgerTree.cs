using System.Data;
using Npgsql;
using NpgsqlTypes;

namespace CompliancePortal.Core.Ledger.Merkle;

/// <summary>How far the tree reaches: its leaves are entries 1..Size, its root RFC 9162's MTH of them.</summary>
public sealed record TreeHead(long Size, byte[] Root);

/// <summary>The tree cannot be extended: the ledger itself has a hole or a malformed tombstone.</summary>
public sealed class LedgerTreeException(string message) : Exception(message);

/// <summary>
/// The Merkle tree over the ledger, kept in PostgreSQL as tiles (see <see cref="MerkleTiles"/>)
/// beside a one-row head (ledger_tree). The tree follows the ledger: <see cref="ExtendAsync"/>
/// appends the committed entries past its size, in seq order, in one transaction that holds the
/// head's row lock, so builders in several portal processes never interleave. Proofs are read
/// from the stored tiles for any size up to the tree's.
/// </summary>
public static class LedgerTree
{
    public static async Task<TreeHead> ReadHeadAsync(NpgsqlConnection connection, CancellationToken ct, bool forUpdate = false)
    {
        await using var cmd = new NpgsqlCommand("SELECT size, root FROM ledger_tree WHERE id = 1" + (forUpdate ? " FOR UPDATE" : ""), connection);
        await using var reader = await cmd.ExecuteReaderAsync(ct);
        if (!await reader.ReadAsync(ct)) throw new InvalidOperationException("ledger_tree has no row: the Merkle tree migration has not run.");
        return new TreeHead(reader.GetInt64(0), (byte[])reader[1]);
    }

    /// <summary>
    /// Appends up to <paramref name="maxLeaves"/> committed entries past the tree's size and
    /// returns the new head (the old one when the tree is level with the ledger).
    /// </summary>
    public static Task<TreeHead> ExtendAsync(NpgsqlDataSource dataSource, int maxLeaves, CancellationToken ct = default) =>
        ExtendAsync(dataSource, maxLeaves, handed: null, ct);

    /// <summary>
    /// As <see cref="ExtendAsync(NpgsqlDataSource, int, CancellationToken)"/>, taking the leaf
    /// hashes of the entries <paramref name="handed"/> covers from it instead of reading them back.
    /// </summary>
    public static async Task<TreeHead> ExtendAsync(NpgsqlDataSource dataSource, int maxLeaves, HandedLeaves? handed, CancellationToken ct = default)
    {
        await using var connection = await dataSource.OpenConnectionAsync(ct);
        await using var tx = await connection.BeginTransactionAsync(ct);
        var tree = await ReadHeadAsync(connection, ct, forUpdate: true);
        // Every entry up to the chain head is committed: the head moves in the transaction that stored them.
        var head = (await LedgerVerifier.ReadHeadAsync(connection, ct)).Seq;
        var target = Math.Min(head, tree.Size + maxLeaves);
        if (target <= tree.Size) return tree;

        var partial = MerkleFrontier.PartialTiles(tree.Size).Select(t => t.Key).ToList();
        var stored = await LoadTilesAsync(connection, partial, ct);
        var frontier = MerkleFrontier.Resume(tree.Size, stored);
        await AppendLeavesAsync(connection, frontier, target, handed, ct);

        var changed = frontier.TakeChanged();
        await using (var upsert = new NpgsqlCommand(
            """
            INSERT INTO ledger_tree_tiles (level, idx, hashes)
            SELECT * FROM unnest($1::smallint[], $2::bigint[], $3::bytea[])
            ON CONFLICT (level, idx) DO UPDATE SET hashes = EXCLUDED.hashes
            """, connection))
        {
            upsert.Parameters.Add(new() { Value = changed.Select(t => (short)t.Key.Level).ToArray() });
            upsert.Parameters.Add(new() { Value = changed.Select(t => t.Key.Index).ToArray() });
            upsert.Parameters.Add(new() { Value = changed.Select(t => t.Hashes).ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Bytea });
            await upsert.ExecuteNonQueryAsync(ct);
        }
        var next = new TreeHead(frontier.Size, frontier.Root());
        await using (var move = new NpgsqlCommand("UPDATE ledger_tree SET size = $1, root = $2, updated_at = now() WHERE id = 1", connection))
        {
            move.Parameters.Add(new() { Value = next.Size });
            move.Parameters.Add(new() { Value = next.Root });
            await move.ExecuteNonQueryAsync(ct);
        }
        await tx.CommitAsync(ct);
        return next;
    }

    /// <summary>
    /// Leaf hashes of entries tree.Size+1 .. <paramref name="target"/> in seq order: those
    /// <paramref name="handed"/> covers from it, the others from the stored entries.
    /// </summary>
    private static async Task AppendLeavesAsync(NpgsqlConnection connection, MerkleFrontier frontier, long target, HandedLeaves? handed,
        CancellationToken ct)
    {
        if (handed is null)
        {
            await AppendStoredLeavesAsync(connection, frontier, target, ct);
            return;
        }
        handed.ForgetThrough(frontier.Size);
        var (first, last) = handed.Range;
        var (from, to) = (Math.Max(first, frontier.Size + 1), Math.Min(last, target));
        if (from <= to)
        {
            await AppendStoredLeavesAsync(connection, frontier, from - 1, ct);
            var leaves = handed.Take(from, to);
            for (var offset = 0; offset < leaves.Length; offset += MerkleHash.Size) frontier.Append(leaves.AsSpan(offset, MerkleHash.Size));
        }
        await AppendStoredLeavesAsync(connection, frontier, target, ct);
    }

    /// <summary>
    /// Leaf hashes of stored entries tree.Size+1 .. <paramref name="target"/> in seq order: from
    /// their canonical bytes, or from the tombstone of an entry the retention job removed.
    /// </summary>
    private static async Task AppendStoredLeavesAsync(NpgsqlConnection connection, MerkleFrontier frontier, long target, CancellationToken ct)
    {
        var from = frontier.Size;
        if (target <= from) return;
        var purged = new Dictionary<long, byte[]?>();
        await using (var tombstones = new NpgsqlCommand("SELECT seq, leaf_hash FROM ledger_tombstones WHERE seq > $1 AND seq <= $2", connection))
        {
            tombstones.Parameters.Add(new() { Value = from });
            tombstones.Parameters.Add(new() { Value = target });
            await using var reader = await tombstones.ExecuteReaderAsync(ct);
            while (await reader.ReadAsync(ct)) purged[reader.GetInt64(0)] = reader.IsDBNull(1) ? null : (byte[])reader[1];
        }

        // The leaf hash is computed where the bytes are (RFC 9162's SHA-256(0x00 ‖ canonical)):
        // 32 bytes cross the wire per entry instead of the whole entry.
        await using var rows = new NpgsqlCommand(
            "SELECT seq, sha256('\\x00'::bytea || canonical) FROM audit_log WHERE seq > $1 AND seq <= $2 ORDER BY seq", connection);
        rows.Parameters.Add(new() { Value = from });
        rows.Parameters.Add(new() { Value = target });
        await using var stream = await rows.ExecuteReaderAsync(ct);
        var leaf = new byte[MerkleHash.Size];
        while (await stream.ReadAsync(ct))
        {
            var seq = stream.GetInt64(0);
            AppendPurgedUpTo(frontier, purged, seq - 1);
            if (seq != frontier.Size + 1)
                throw new LedgerTreeException($"entry {frontier.Size + 1} is missing from the ledger (the next stored entry is {seq}): the tree stops there");
            stream.GetBytes(1, 0, leaf, 0, MerkleHash.Size);
            frontier.Append(leaf);
        }
        AppendPurgedUpTo(frontier, purged, target);
        if (frontier.Size != target)
            throw new LedgerTreeException($"entry {frontier.Size + 1} is missing from the ledger (the chain head is at {target}): the tree stops there");
    }

    private static void AppendPurgedUpTo(MerkleFrontier frontier, Dictionary<long, byte[]?> purged, long last)
    {
        while (frontier.Size < last && purged.TryGetValue(frontier.Size + 1, out var leaf))
        {
            if (leaf is not { Length: MerkleHash.Size })
                throw new LedgerTreeException($"the tombstone of purged entry {frontier.Size + 1} has no leaf hash: the tree stops there");
            frontier.Append(leaf);
        }
    }

    public static async Task<Dictionary<TileKey, byte[]>> LoadTilesAsync(NpgsqlConnection connection, IReadOnlyCollection<TileKey> keys, CancellationToken ct)
    {
        var tiles = new Dictionary<TileKey, byte[]>();
        if (keys.Count == 0) return tiles;
        await using var cmd = new NpgsqlCommand(
            """
            SELECT t.level, t.idx, t.hashes FROM ledger_tree_tiles t
            JOIN unnest($1::smallint[], $2::bigint[]) AS k(level, idx) ON t.level = k.level AND t.idx = k.idx
            """, connection);
        cmd.Parameters.Add(new() { Value = keys.Select(k => (short)k.Level).ToArray() });
        cmd.Parameters.Add(new() { Value = keys.Select(k => k.Index).ToArray() });
        await using var reader = await cmd.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct)) tiles[new TileKey(reader.GetInt16(0), reader.GetInt64(1))] = (byte[])reader[2];
        return tiles;
    }

    /// <summary>The hashes of the given ranges, from stored tiles, for a tree at least <paramref name="size"/> long.</summary>
    private static async Task<List<byte[]>> HashesAsync(NpgsqlDataSource dataSource, long size, List<LeafRange> ranges, CancellationToken ct)
    {
        await using var connection = await dataSource.OpenConnectionAsync(ct);
        var tree = await ReadHeadAsync(connection, ct);
        if (size > tree.Size) throw new ArgumentOutOfRangeException(nameof(size), $"the tree has {tree.Size} leaves, fewer than {size}");
        var tiles = new MerkleTiles();
        foreach (var (key, hashes) in await LoadTilesAsync(connection, MerkleTiles.TilesFor(ranges), ct)) tiles.Put(key, hashes);
        return tiles.Hashes(ranges);
    }

    public static Task<List<byte[]>> InclusionProofAsync(NpgsqlDataSource dataSource, long leafIndex, long size, CancellationToken ct = default) =>
        HashesAsync(dataSource, size, MerkleProofs.InclusionPath(leafIndex, size), ct);

    public static Task<List<byte[]>> ConsistencyProofAsync(NpgsqlDataSource dataSource, long first, long second, CancellationToken ct = default) =>
        HashesAsync(dataSource, second, MerkleProofs.ConsistencyPath(first, second), ct);

    /// <summary>The hashes a package needs beside its segment's leaves to give the root of the tree of <paramref name="size"/>.</summary>
    public static Task<List<byte[]>> SegmentProofAsync(NpgsqlDataSource dataSource, LeafRange segment, long size, CancellationToken ct = default) =>
        HashesAsync(dataSource, size, MerkleProofs.SegmentPath(segment, size), ct);

    /// <summary>The root of the tree's first <paramref name="size"/> leaves.</summary>
    public static async Task<byte[]> RootAsync(NpgsqlDataSource dataSource, long size, CancellationToken ct = default) =>
        size == 0 ? MerkleHash.Empty : (await HashesAsync(dataSource, size, [new LeafRange(0, size)], ct))[0];

    /// <summary>The stored leaf hash of entry <paramref name="seq"/> (leaf seq - 1).</summary>
    public static async Task<byte[]> LeafHashAsync(NpgsqlDataSource dataSource, long seq, CancellationToken ct = default) =>
        (await HashesAsync(dataSource, seq, [new LeafRange(seq - 1, seq)], ct))[0];
}
