using System.Data;
using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.RegularExpressions;
using CompliancePortal.Core.Archive;
using CompliancePortal.Core.Ledger.Merkle;
using Npgsql;

namespace CompliancePortal.Core.Ledger.Checkpoints;

/// <summary>The outcome of a checkpoint audit, as the job records it and the CLI prints it.</summary>
public sealed record CheckpointAuditResult(
    [property: JsonPropertyName("consistent")] bool Consistent,
    [property: JsonPropertyName("entries")] long Entries,
    [property: JsonPropertyName("checkpoints")] int Checkpoints,
    [property: JsonPropertyName("manifests")] int Manifests,
    [property: JsonPropertyName("contradicted_checkpoint")] string? ContradictedCheckpoint,
    [property: JsonPropertyName("first_bad_seq")] long? FirstBadSeq,
    [property: JsonPropertyName("reason")] string Reason);

/// <summary>
/// Holds the database to what already left it. Every checkpoint in the archive store must carry
/// the portal's signature and agree with the ledger as it is now: the tree is recomputed from the
/// stored entries (and the leaf hashes of purged ones) in one pass, and its root at each
/// checkpoint's size must be that checkpoint's root; the stored tiles must prove each checkpoint
/// consistent with the next (RFC 9162 consistency proofs), so the proofs handed out agree too.
/// Every daily archive manifest must match the day's entries (count, seq range, edge hashes).
/// A rewrite of the ledger, even with every hash recomputed, contradicts the first checkpoint
/// signed after the changed entry, and this names it.
/// </summary>
public sealed partial class CheckpointAudit(NpgsqlDataSource dataSource, IArchiveStore archive, NoteVerifier verifier)
{
    [GeneratedRegex(@"^ledger/(\d{4})/(\d{2})/(\d{2})/manifest\.json$")]
    private static partial Regex ManifestKey();

    private sealed record ArchivedCheckpoint(string Key, Checkpoint Checkpoint);

    public async Task<CheckpointAuditResult> RunAsync(CancellationToken ct = default)
    {
        var checkpoints = new List<ArchivedCheckpoint>();
        await foreach (var item in archive.ListAsync(CheckpointWriter.ArchivePrefix, ct))
        {
            var note = await ReadTextAsync(item.Key, ct);
            if (note is null || Checkpoint.Open(note, verifier) is not { } checkpoint)
                return new(false, 0, checkpoints.Count, 0, item.Key, null, $"{item.Key} is not a checkpoint signed by {verifier.Name}");
            if (item.Key != CheckpointWriter.ArchiveKey(checkpoint.Size))
                return new(false, 0, checkpoints.Count, 0, item.Key, null, $"{item.Key} holds the checkpoint of size {checkpoint.Size}");
            checkpoints.Add(new ArchivedCheckpoint(item.Key, checkpoint));
        }
        checkpoints.Sort((a, b) => a.Checkpoint.Size.CompareTo(b.Checkpoint.Size));

        if (await RecordedButNotArchivedAsync(checkpoints, ct) is { } missing)
            return new(false, 0, checkpoints.Count, 0, missing, null, $"checkpoint {missing} is recorded in the database but missing from the archive store");

        var (entries, contradiction) = await RecomputeAsync(checkpoints, ct);
        if (contradiction is not null) return contradiction with { Checkpoints = checkpoints.Count };

        if (await TilesContradictAsync(checkpoints, ct) is { } tiles) return tiles with { Entries = entries };

        var manifests = 0;
        await foreach (var item in archive.ListAsync(ArchiveKeys.Ledger, ct))
        {
            if (ManifestKey().Match(item.Key) is not { Success: true } match) continue;
            manifests++;
            var day = new DateOnly(int.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture),
                int.Parse(match.Groups[2].Value, CultureInfo.InvariantCulture), int.Parse(match.Groups[3].Value, CultureInfo.InvariantCulture));
            if (await ManifestProblemAsync(item.Key, day, ct) is { } problem)
                return new(false, entries, checkpoints.Count, manifests, null, problem.Seq, problem.Reason);
        }
        return new(true, entries, checkpoints.Count, manifests, null, null,
            $"the ledger's {entries} entries agree with {checkpoints.Count} archived checkpoints and {manifests} day manifests");
    }

    private async Task<string?> ReadTextAsync(string key, CancellationToken ct)
    {
        await using var stream = await archive.OpenReadAsync(key, ct);
        if (stream is null) return null;
        using var reader = new StreamReader(stream, Encoding.UTF8);
        return await reader.ReadToEndAsync(ct);
    }

    private async Task<string?> RecordedButNotArchivedAsync(List<ArchivedCheckpoint> archived, CancellationToken ct)
    {
        var keys = archived.Select(c => c.Key).ToHashSet();
        await using var cmd = dataSource.CreateCommand("SELECT archive_key FROM ledger_checkpoints ORDER BY tree_size");
        await using var reader = await cmd.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
            if (!keys.Contains(reader.GetString(0))) return reader.GetString(0);
        return null;
    }

    /// <summary>
    /// One pass over the ledger in one snapshot: leaf hashes of stored entries and of tombstones in
    /// seq order, the root compared at every checkpoint's size, and each leaf compared with the
    /// stored level-0 tile so a changed entry is located when the tiles still hold the original.
    /// </summary>
    private async Task<(long Entries, CheckpointAuditResult? Contradiction)> RecomputeAsync(List<ArchivedCheckpoint> checkpoints, CancellationToken ct)
    {
        await using var connection = await dataSource.OpenConnectionAsync(ct);
        await using var tx = await connection.BeginTransactionAsync(IsolationLevel.RepeatableRead, ct);
        string snapshot;
        await using (var export = new NpgsqlCommand("SELECT pg_export_snapshot()", connection))
            snapshot = (string)(await export.ExecuteScalarAsync(ct))!;
        var head = (await LedgerVerifier.ReadHeadAsync(connection, ct)).Seq;
        var tiles = new Dictionary<long, byte[]>();
        await using (var tileCmd = new NpgsqlCommand("SELECT idx, hashes FROM ledger_tree_tiles WHERE level = 0", connection))
        await using (var tileReader = await tileCmd.ExecuteReaderAsync(ct))
            while (await tileReader.ReadAsync(ct)) tiles[tileReader.GetInt64(0)] = (byte[])tileReader[1];

        await using var second = await dataSource.OpenConnectionAsync(ct);
        await using var secondTx = await second.BeginTransactionAsync(IsolationLevel.RepeatableRead, ct);
        await using (var share = new NpgsqlCommand($"SET TRANSACTION SNAPSHOT '{snapshot}'", second))
            await share.ExecuteNonQueryAsync(ct);

        var frontier = MerkleFrontier.Resume(0, new Dictionary<TileKey, byte[]>());
        var next = 0;
        long? firstChanged = null;
        await using var rowsCmd = new NpgsqlCommand("SELECT seq, canonical FROM audit_log WHERE seq <= $1 ORDER BY seq", connection);
        rowsCmd.Parameters.Add(new() { Value = head });
        await using var purgedCmd = new NpgsqlCommand("SELECT seq, leaf_hash FROM ledger_tombstones WHERE seq <= $1 ORDER BY seq", second);
        purgedCmd.Parameters.Add(new() { Value = head });
        await using var rows = await rowsCmd.ExecuteReaderAsync(CommandBehavior.SequentialAccess, ct);
        await using var purged = await purgedCmd.ExecuteReaderAsync(ct);
        var row = await rows.ReadAsync(ct);
        var tomb = await purged.ReadAsync(ct);
        var leaf = new byte[MerkleHash.Size];
        while (row || tomb)
        {
            var rowSeq = row ? rows.GetInt64(0) : long.MaxValue;
            var tombSeq = tomb ? purged.GetInt64(0) : long.MaxValue;
            var seq = Math.Min(rowSeq, tombSeq);
            if (seq != frontier.Size + 1)
                return (frontier.Size, new(false, frontier.Size, 0, 0, null, frontier.Size + 1, $"entry {frontier.Size + 1} is missing from the ledger"));
            if (seq == tombSeq)
            {
                if (purged.IsDBNull(1)) return (frontier.Size, new(false, frontier.Size, 0, 0, null, seq, $"the tombstone of purged entry {seq} has no leaf hash"));
                ((byte[])purged[1]).CopyTo(leaf, 0);
                tomb = await purged.ReadAsync(ct);
                if (seq == rowSeq) return (frontier.Size, new(false, frontier.Size, 0, 0, null, seq, $"entry {seq} is stored both as a row and as a tombstone"));
            }
            else
            {
                MerkleHash.Leaf(await rows.GetFieldValueAsync<byte[]>(1, ct), leaf);
                row = await rows.ReadAsync(ct);
            }
            if (firstChanged is null && tiles.TryGetValue((seq - 1) / MerkleTiles.Width, out var tile)
                && tile.Length >= (int)((seq - 1) % MerkleTiles.Width + 1) * MerkleHash.Size
                && !tile.AsSpan((int)((seq - 1) % MerkleTiles.Width) * MerkleHash.Size, MerkleHash.Size).SequenceEqual(leaf))
                firstChanged = seq;
            frontier.Append(leaf);

            while (next < checkpoints.Count && checkpoints[next].Checkpoint.Size == frontier.Size)
            {
                if (!frontier.Root().AsSpan().SequenceEqual(checkpoints[next].Checkpoint.Root))
                {
                    var from = next == 0 ? 1 : checkpoints[next - 1].Checkpoint.Size + 1;
                    var where = firstChanged is { } changed
                        ? $"entry {changed} differs from the leaf the tree recorded"
                        : $"an entry between {from} and {frontier.Size} differs from what was signed";
                    return (frontier.Size, new(false, frontier.Size, 0, 0, checkpoints[next].Key, firstChanged,
                        $"the ledger contradicts archived checkpoint {checkpoints[next].Key} (signed for {frontier.Size} entries): {where}"));
                }
                next++;
            }
        }
        if (next < checkpoints.Count)
            return (frontier.Size, new(false, frontier.Size, 0, 0, checkpoints[next].Key, frontier.Size + 1,
                $"the ledger has {frontier.Size} entries, fewer than archived checkpoint {checkpoints[next].Key} was signed for"));
        return (frontier.Size, null);
    }

    /// <summary>The stored tiles must prove each archived checkpoint consistent with the next, and the last with the tree.</summary>
    private async Task<CheckpointAuditResult?> TilesContradictAsync(List<ArchivedCheckpoint> checkpoints, CancellationToken ct)
    {
        TreeHead tree;
        await using (var connection = await dataSource.OpenConnectionAsync(ct))
            tree = await LedgerTree.ReadHeadAsync(connection, ct);
        var sizes = checkpoints.Select(c => (c.Key, c.Checkpoint.Size, c.Checkpoint.Root)).Where(c => c.Size <= tree.Size).ToList();
        sizes.Add(("the tree", tree.Size, tree.Root));
        for (var i = 1; i < sizes.Count; i++)
        {
            var (first, second) = (sizes[i - 1], sizes[i]);
            var proof = await LedgerTree.ConsistencyProofAsync(dataSource, first.Size, second.Size, ct);
            if (!MerkleProofs.VerifyConsistency(first.Size, second.Size, first.Root, second.Root, proof))
                return new(false, 0, checkpoints.Count, 0, first.Key, null,
                    $"the stored tree does not prove {first.Key} consistent with {second.Key}: its tiles were changed");
        }
        return null;
    }

    private async Task<(long? Seq, string Reason)?> ManifestProblemAsync(string key, DateOnly day, CancellationToken ct)
    {
        DayManifest? manifest;
        await using (var stream = await archive.OpenReadAsync(key, ct))
            manifest = stream is null ? null : await JsonSerializer.DeserializeAsync<DayManifest>(stream, cancellationToken: ct);
        if (manifest is null) return (null, $"{key} cannot be read");

        var from = new DateTimeOffset(day.ToDateTime(TimeOnly.MinValue), TimeSpan.Zero);
        await using var cmd = dataSource.CreateCommand(
            """
            WITH day AS (
                SELECT seq, previous_hash, current_hash FROM audit_log WHERE created_at >= $1 AND created_at < $2
                UNION ALL
                SELECT seq, previous_hash, current_hash FROM ledger_tombstones WHERE created_at >= $1 AND created_at < $2)
            SELECT count(*),
                   (SELECT seq FROM day ORDER BY seq LIMIT 1), (SELECT seq FROM day ORDER BY seq DESC LIMIT 1),
                   (SELECT previous_hash FROM day ORDER BY seq LIMIT 1), (SELECT current_hash FROM day ORDER BY seq DESC LIMIT 1)
            FROM day
            """);
        cmd.Parameters.Add(new() { Value = from });
        cmd.Parameters.Add(new() { Value = from.AddDays(1) });
        await using var reader = await cmd.ExecuteReaderAsync(ct);
        await reader.ReadAsync(ct);
        var stored = (Count: reader.GetInt64(0), First: reader.IsDBNull(1) ? (long?)null : reader.GetInt64(1), Last: reader.IsDBNull(2) ? (long?)null : reader.GetInt64(2),
            FirstPrevious: reader.IsDBNull(3) ? null : reader.GetString(3), LastCurrent: reader.IsDBNull(4) ? null : reader.GetString(4));
        if (stored.Count != manifest.Count || stored.First != manifest.FirstSeq || stored.Last != manifest.LastSeq
            || stored.FirstPrevious != manifest.FirstPreviousHash || stored.LastCurrent != manifest.LastCurrentHash)
            return (manifest.FirstSeq, $"the ledger's {manifest.Day} ({stored.Count} entries, seq {stored.First}..{stored.Last}) contradicts its archived manifest {key} ({manifest.Count} entries, seq {manifest.FirstSeq}..{manifest.LastSeq}, edge hashes as archived)");
        return null;
    }
}
