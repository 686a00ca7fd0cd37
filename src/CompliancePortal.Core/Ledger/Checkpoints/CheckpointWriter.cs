using System.Text;
using CompliancePortal.Core.Archive;
using CompliancePortal.Core.Ledger.Merkle;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Npgsql;

namespace CompliancePortal.Core.Ledger.Checkpoints;

/// <summary>A checkpoint as stored: its signed note and where the archive store keeps a copy.</summary>
public sealed record StoredCheckpoint(long TreeSize, byte[] RootHash, string Note, DateTimeOffset SignedAt, string ArchiveKey);

/// <summary>
/// Keeps the Merkle tree level with the ledger (every <see cref="CheckpointOptions.TreeInterval"/>)
/// and every <see cref="CheckpointOptions.Interval"/>
/// signs a checkpoint of the tree when it grew, and once more at shutdown. A checkpoint goes to
/// the archive store (under checkpoints/, Object Lock where the bucket has it) before it is
/// recorded in the database, so every recorded checkpoint is also anchored outside it. Each new
/// checkpoint then goes to the configured witnesses (one round at a time: a witness needs only the
/// newest, so a checkpoint signed while a round is out is covered by the next).
/// </summary>
public sealed class CheckpointWriter(
    NpgsqlDataSource dataSource,
    NoteSigner signer,
    IArchiveStore archive,
    WitnessClient witnesses,
    LedgerCommitSignal committed,
    IOptions<CheckpointOptions> options,
    TimeProvider time,
    ILogger<CheckpointWriter> logger) : BackgroundService
{
    public const string ArchivePrefix = "checkpoints/";

    /// <summary>The archive key of the checkpoint of a tree size: zero-padded so keys sort by size.</summary>
    public static string ArchiveKey(long treeSize) => ArchiveKeys.Check($"{ArchivePrefix}{treeSize:D20}.note");

    private readonly CheckpointOptions _options = options.Value;
    private Task _witnessing = Task.CompletedTask;

    // What this process's writer commits, hashed as it comes: the tree takes those leaves without
    // reading the entries back (two intervals' worth at most; the rest is read as before).
    private readonly HandedLeaves _handed = new(2 * options.Value.TreeBatchLeaves);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var following = FollowCommitsAsync(committed.Follow(), stoppingToken);
        try
        {
            await KeepLevelAsync(stoppingToken);
        }
        finally
        {
            await following;
        }
    }

    private async Task FollowCommitsAsync(LedgerInbox inbox, CancellationToken ct)
    {
        try
        {
            while (!ct.IsCancellationRequested)
                if (await inbox.TakeAsync(TimeSpan.FromSeconds(10), ct) is { Count: > 0 } entries) _handed.Add(entries);
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
        }
        catch (Exception ex)
        {
            // Only a saving is lost: the tree reads every leaf back from the ledger from here on.
            logger.LogError(ex, "The Merkle tree stopped following the writer's commits; it reads them back instead");
        }
    }

    private async Task KeepLevelAsync(CancellationToken stoppingToken)
    {
        var nextCheckpoint = time.GetUtcNow() + _options.Interval;
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await CatchUpAsync(stoppingToken);
                if (time.GetUtcNow() >= nextCheckpoint)
                {
                    if (await CheckpointAsync(stoppingToken) is { } signed && _witnessing.IsCompleted)
                        _witnessing = WitnessAsync(signed, stoppingToken);
                    nextCheckpoint = time.GetUtcNow() + _options.Interval;
                }
                var untilCheckpoint = TimeSpan.FromTicks(Math.Max(0, (nextCheckpoint - time.GetUtcNow()).Ticks));
                // Not woken by each commit: under load that was a tree transaction per commit, while
                // a tree extended once an interval costs its statements once for thousands of leaves.
                // Nothing waits on the tree sooner: proofs come from the checkpoints.
                await Task.Delay(untilCheckpoint < _options.TreeInterval ? untilCheckpoint : _options.TreeInterval, time, stoppingToken);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                break;
            }
            catch (Exception ex)
            {
                // The database or the archive store may be away for a while: keep trying, never stop the portal.
                logger.LogError(ex, "The Merkle tree or its checkpoint could not be brought up to date; trying again");
                try { await Task.Delay(_options.TreeInterval, stoppingToken); }
                catch (OperationCanceledException) { break; }
            }
        }

        // The last checkpoint covers everything the writer committed before it stopped.
        try
        {
            using var shutdown = new CancellationTokenSource(TimeSpan.FromSeconds(20));
            await CatchUpAsync(shutdown.Token);
            var last = await CheckpointAsync(shutdown.Token);
            await _witnessing;
            if (last is not null) await WitnessAsync(last, shutdown.Token);
        }
        catch (Exception ex)
        {
            logger.LogError(ex, "No checkpoint could be written at shutdown");
        }
    }

    private async Task WitnessAsync(StoredCheckpoint checkpoint, CancellationToken ct)
    {
        if (!witnesses.Any) return;
        try
        {
            await witnesses.SubmitAsync(checkpoint, ct);
        }
        catch (Exception ex)
        {
            // Never fails the writer: the next checkpoint goes to the witnesses again.
            if (!ct.IsCancellationRequested) logger.LogError(ex, "The checkpoint of {Size} could not be sent to the witnesses", checkpoint.TreeSize);
        }
    }

    /// <summary>Extends the tree until it is level with the ledger's head.</summary>
    public async Task<TreeHead> CatchUpAsync(CancellationToken ct = default)
    {
        while (true)
        {
            var before = await ReadTreeAsync(ct);
            var after = await LedgerTree.ExtendAsync(dataSource, _options.TreeBatchLeaves, _handed, ct);
            if (after.Size - before.Size < _options.TreeBatchLeaves) return after;
        }
    }

    private async Task<TreeHead> ReadTreeAsync(CancellationToken ct)
    {
        await using var connection = await dataSource.OpenConnectionAsync(ct);
        return await LedgerTree.ReadHeadAsync(connection, ct);
    }

    /// <summary>Signs, archives and records a checkpoint of the tree as it is now; null when the newest one already covers it.</summary>
    public async Task<StoredCheckpoint?> CheckpointAsync(CancellationToken ct = default)
    {
        var tree = await ReadTreeAsync(ct);
        if (tree.Size == 0) return null;
        if (await LatestAsync(dataSource, ct) is { } latest && latest.TreeSize >= tree.Size) return null;

        var note = SignedNote.Sign(new Checkpoint(signer.Name, tree.Size, tree.Root).Text, signer);
        var key = ArchiveKey(tree.Size);
        var bytes = Encoding.UTF8.GetBytes(note);
        try
        {
            await archive.PutAsync(key, new MemoryStream(bytes), "text/plain; charset=utf-8", ct: ct);
        }
        catch (ArchiveObjectExistsException)
        {
            // Another instance signed this size first; Ed25519 is deterministic, so the same key
            // gives the same note. Anything else there contradicts this tree.
            await using var existing = await archive.OpenReadAsync(key, ct);
            using var copy = new MemoryStream();
            if (existing is not null) await existing.CopyToAsync(copy, ct);
            if (!copy.ToArray().AsSpan().SequenceEqual(bytes))
                throw new InvalidOperationException($"the archived checkpoint {key} differs from the tree's checkpoint of size {tree.Size}");
        }

        var stored = new StoredCheckpoint(tree.Size, tree.Root, note, time.GetUtcNow(), key);
        await using var connection = await dataSource.OpenConnectionAsync(ct);
        await using var insert = new NpgsqlCommand(
            "INSERT INTO ledger_checkpoints (tree_size, root_hash, note, signed_at, archive_key) VALUES ($1, $2, $3, $4, $5) ON CONFLICT (tree_size) DO NOTHING",
            connection);
        insert.Parameters.Add(new() { Value = stored.TreeSize });
        insert.Parameters.Add(new() { Value = stored.RootHash });
        insert.Parameters.Add(new() { Value = stored.Note });
        insert.Parameters.Add(new() { Value = stored.SignedAt });
        insert.Parameters.Add(new() { Value = stored.ArchiveKey });
        await insert.ExecuteNonQueryAsync(ct);
        logger.LogDebug("Checkpoint of {Size} entries signed", tree.Size);
        return stored;
    }

    /// <summary>
    /// The newest checkpoint, signed now when none yet covers the first <paramref name="entries"/>
    /// entries (a package built between two checkpoints must still prove its last record).
    /// </summary>
    public async Task<StoredCheckpoint> CoveringAsync(long entries, CancellationToken ct = default)
    {
        if (await LatestAsync(dataSource, ct) is { } latest && latest.TreeSize >= entries) return latest;
        var tree = await CatchUpAsync(ct);
        if (tree.Size < entries) throw new LedgerTreeException($"the Merkle tree has {tree.Size} entries; it cannot cover {entries}");
        await CheckpointAsync(ct);
        return await LatestAsync(dataSource, ct) ?? throw new LedgerTreeException("no checkpoint was recorded");
    }

    /// <summary>The earliest recorded checkpoint of at least <paramref name="entries"/> entries: the first that covered them.</summary>
    public static async Task<StoredCheckpoint?> FirstCoveringAsync(NpgsqlDataSource dataSource, long entries, CancellationToken ct = default) =>
        await ReadOneAsync(dataSource, "WHERE tree_size >= $1 ORDER BY tree_size LIMIT 1", entries, ct);

    public static Task<StoredCheckpoint?> LatestAsync(NpgsqlDataSource dataSource, CancellationToken ct = default) =>
        ReadOneAsync(dataSource, "ORDER BY tree_size DESC LIMIT 1", null, ct);

    private static async Task<StoredCheckpoint?> ReadOneAsync(NpgsqlDataSource dataSource, string where, long? entries, CancellationToken ct)
    {
        await using var connection = await dataSource.OpenConnectionAsync(ct);
        await using var cmd = new NpgsqlCommand(
            $"SELECT tree_size, root_hash, note, signed_at, archive_key FROM ledger_checkpoints {where}", connection);
        if (entries is { } n) cmd.Parameters.Add(new() { Value = n });
        await using var reader = await cmd.ExecuteReaderAsync(ct);
        return await reader.ReadAsync(ct)
            ? new StoredCheckpoint(reader.GetInt64(0), (byte[])reader[1], reader.GetString(2), reader.GetFieldValue<DateTimeOffset>(3), reader.GetString(4))
            : null;
    }
}
