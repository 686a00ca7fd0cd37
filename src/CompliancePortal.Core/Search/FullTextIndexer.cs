using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Npgsql;

namespace CompliancePortal.Core.Search;

/// <summary>
/// Fills the full-text index behind the ledger, so an acknowledgement waits for the ledger commit
/// only, in two stages: the first computes each entry's vector into audit_fts_recent (no GIN index,
/// matched by a scan) and moves fts_state.vectorized; the second moves those rows into audit_fts
/// (GIN-indexed) and moves fts_state.watermark (019_full_text_in_two_stages.sql). The first stage
/// runs every interval and before every batch of the second, so what a search must compute itself
/// stays short even while the GIN index falls behind. One instance per cluster indexes: the one holding a
/// PostgreSQL session lock (the lease) on its own connection, which PostgreSQL frees when that
/// instance or its connection dies; every other instance tries to take it over at each interval.
/// Each batch changes its rows and its watermark in one statement, so a batch cut short leaves
/// nothing behind and the next holder resumes exactly there; the primary keys refuse an entry
/// stored twice. Every instance reads how far each stage lags the chain head, which ingest (its
/// <see cref="VectorBacklogGate"/> too), /healthz and the dashboard use.
/// </summary>
public sealed class FullTextIndexer(
    NpgsqlDataSource db, IOptions<SearchOptions> options, VectorBacklogGate gate, TimeProvider time, ILogger<FullTextIndexer> logger) : BackgroundService
{
    private const string Lease = "SELECT pg_try_advisory_lock(hashtext('compliance.fts-indexer'))";

    private readonly SearchOptions _options = options.Value;
    private long _lag;
    private long _watermark;
    private long _vectorLag;
    private int _holdsLease;
    private long _lastMove;   // when the second stage last ran (TimeProvider timestamp)

    /// <summary>Entries committed and not yet in the GIN index, as last read (0 before the first read).</summary>
    public long Lag => Interlocked.Read(ref _lag);

    /// <summary>Entries committed whose vector is not yet stored (every full-text search computes them), as last read.</summary>
    public long VectorLag => Interlocked.Read(ref _vectorLag);

    /// <summary>The last seq in the GIN index, as last read.</summary>
    public long Watermark => Interlocked.Read(ref _watermark);

    /// <summary>Whether this instance is the one indexing.</summary>
    public bool HoldsLease => Volatile.Read(ref _holdsLease) == 1;

    /// <summary>Whether ingest must be refused until the GIN index catches up (<see cref="SearchOptions.MaxUnindexed"/>; the vectors' bound holds requests, <see cref="VectorBacklogGate"/>).</summary>
    public bool TooFarBehind => Lag > _options.MaxUnindexed;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var interval = TimeSpan.FromMilliseconds(_options.IndexIntervalMilliseconds);
        NpgsqlConnection? lease = null;
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                if (_options.Indexing) lease ??= await TryTakeLeaseAsync(stoppingToken);
                var full = lease is not null && await RunStagesAsync(lease, stoppingToken);
                await ReadLagAsync(stoppingToken);
                if (!full) await Task.Delay(interval, time, stoppingToken);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                break;
            }
            catch (Exception ex)
            {
                logger.LogWarning(ex, "The full-text indexer failed; it retries (search still finds every entry, computing the unindexed ones)");
                await ReleaseAsync(lease);
                lease = null;
                await Task.Delay(TimeSpan.FromSeconds(1), time, stoppingToken).ContinueWith(_ => { }, CancellationToken.None);
            }
        }
        await ReleaseAsync(lease);
    }

    /// <summary>
    /// One batch of the first stage, then one of the second when it is due (<see
    /// cref="SearchOptions.IndexBatchSize"/> entries at most each) on the lease's connection;
    /// returns whether either was full (more is waiting).
    /// </summary>
    internal async Task<bool> RunStagesAsync(NpgsqlConnection lease, CancellationToken ct)
    {
        var batch = _options.IndexBatchSize;
        var vectorized = await VectorizeBatchAsync(lease, batch, ct);
        // The GIN stage waits for a full batch or ten intervals: the vectors' stage, which bounds
        // what every search computes, runs every interval and is not held up by it in between.
        var stored = Lag - VectorLag + vectorized;
        if (stored < batch && time.GetElapsedTime(_lastMove) < TimeSpan.FromMilliseconds(10 * _options.IndexIntervalMilliseconds))
            return vectorized == batch;
        // Ingest waiting for room under the vectors' bound need not wait for the GIN stage too.
        await ReadLagAsync(ct);
        var indexed = await IndexBatchAsync(lease, batch, ct);
        _lastMove = time.GetTimestamp();
        return vectorized == batch || indexed == batch;
    }

    /// <summary>
    /// First stage: stores the vectors of the next <paramref name="batchSize"/> entries at most
    /// after fts_state.vectorized in audit_fts_recent; returns how many it stored.
    /// </summary>
    internal static async Task<int> VectorizeBatchAsync(NpgsqlConnection lease, int batchSize, CancellationToken ct)
    {
        // Commits are in seq order (each holds the chain head until it commits), so the entries
        // after the watermark that this statement sees are a gapless run of the chain.
        await using var cmd = new NpgsqlCommand(
            $"""
            WITH state AS (SELECT vectorized FROM fts_state WHERE id = 1 FOR UPDATE),
            batch AS (
                INSERT INTO audit_fts_recent (seq, created_at, "timestamp", log_type, event, user_id, vector)
                SELECT seq, created_at, "timestamp", log_type, event, user_id, {AuditSql.FullTextVector}
                FROM audit_log WHERE seq > (SELECT vectorized FROM state) ORDER BY seq LIMIT $1
                RETURNING seq)
            UPDATE fts_state SET vectorized = (SELECT max(seq) FROM batch)
            WHERE id = 1 AND EXISTS (SELECT FROM batch)
            RETURNING (SELECT count(*) FROM batch)
            """, lease)
        { CommandTimeout = 0 };
        cmd.Parameters.Add(new() { Value = batchSize });
        return (int)((long?)await cmd.ExecuteScalarAsync(ct) ?? 0);
    }

    /// <summary>
    /// Second stage: moves the stored vectors of the next <paramref name="batchSize"/> entries at
    /// most after fts_state.watermark (and not after vectorized) into audit_fts; returns how many
    /// it moved. Both stages lock fts_state's row and only the lease holder runs them, so the rows
    /// up to vectorized are all visible here.
    /// </summary>
    internal static async Task<int> IndexBatchAsync(NpgsqlConnection lease, int batchSize, CancellationToken ct)
    {
        await using var cmd = new NpgsqlCommand(
            """
            WITH state AS (SELECT watermark, least(watermark + $1, vectorized) AS upto FROM fts_state WHERE id = 1 FOR UPDATE),
            moved AS (
                DELETE FROM audit_fts_recent WHERE seq > (SELECT watermark FROM state) AND seq <= (SELECT upto FROM state)
                RETURNING seq, created_at, "timestamp", log_type, event, user_id, vector),
            batch AS (
                INSERT INTO audit_fts (seq, created_at, "timestamp", log_type, event, user_id, vector)
                SELECT seq, created_at, "timestamp", log_type, event, user_id, vector FROM moved
                RETURNING seq)
            UPDATE fts_state SET watermark = (SELECT upto FROM state), indexed_at = now()
            WHERE id = 1 AND (SELECT upto > watermark FROM state)
            RETURNING (SELECT count(*) FROM batch)
            """, lease)
        { CommandTimeout = 0 };
        cmd.Parameters.Add(new() { Value = (long)batchSize });
        return (int)((long?)await cmd.ExecuteScalarAsync(ct) ?? 0);
    }

    private async Task<NpgsqlConnection?> TryTakeLeaseAsync(CancellationToken ct)
    {
        var connection = await db.OpenConnectionAsync(ct);
        await using var cmd = new NpgsqlCommand(Lease, connection);
        if ((bool)(await cmd.ExecuteScalarAsync(ct))!)
        {
            Volatile.Write(ref _holdsLease, 1);
            logger.LogInformation("This instance now fills the full-text index");
            return connection;
        }
        await connection.DisposeAsync();
        return null;
    }

    private async Task ReadLagAsync(CancellationToken ct)
    {
        await using var cmd = db.CreateCommand("SELECT (SELECT seq FROM ledger_head), watermark, vectorized FROM fts_state");
        await using var reader = await cmd.ExecuteReaderAsync(ct);
        await reader.ReadAsync(ct);
        var (head, watermark, vectorized) = (reader.GetInt64(0), reader.GetInt64(1), reader.GetInt64(2));
        Interlocked.Exchange(ref _watermark, watermark);
        Interlocked.Exchange(ref _lag, Math.Max(0, head - watermark));
        Interlocked.Exchange(ref _vectorLag, Math.Max(0, head - vectorized));
        gate.OnVectorLagRead(VectorLag);
    }

    // A pooled connection keeps its session: the lock is released explicitly before it goes back.
    private async Task ReleaseAsync(NpgsqlConnection? lease)
    {
        if (lease is null) return;
        Volatile.Write(ref _holdsLease, 0);
        try
        {
            if (lease.State == System.Data.ConnectionState.Open)
            {
                await using var unlock = new NpgsqlCommand("SELECT pg_advisory_unlock_all()", lease);
                await unlock.ExecuteNonQueryAsync(CancellationToken.None);
            }
        }
        catch (NpgsqlException)
        {
            // A broken connection has ended its session, and the lock with it.
        }
        await lease.DisposeAsync();
    }
}
