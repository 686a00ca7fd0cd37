using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Npgsql;

namespace CompliancePortal.Core.Search;

/// <summary>
/// Fills the full-text index behind the ledger, so an acknowledgement waits for the ledger commit
/// only, in two stages that run side by side: the first computes each entry's vector into
/// audit_fts_recent (no GIN index, matched by a scan) and moves fts_vectors.vectorized; the second
/// moves those rows into audit_fts (GIN-indexed) and moves fts_state.watermark
/// (019_full_text_in_two_stages.sql, 020_full_text_stages_apart.sql). The first runs every interval
/// whatever the second is doing, so what a search must compute itself, and what holds ingest
/// (<see cref="VectorBacklogGate"/>), stays short even while the GIN index falls behind. Each stage
/// runs in one instance of the cluster at a time: the one holding its PostgreSQL session lock (its
/// lease) on its own connection, which PostgreSQL frees when that instance or its connection dies;
/// every other instance tries to take it over at each interval. Each batch changes its rows and its
/// position in one statement, so a batch cut short leaves nothing behind and the next holder resumes
/// exactly there; the primary keys refuse an entry stored twice. Every instance reads how far each
/// stage lags the chain head, which ingest, /healthz and the dashboard use.
/// </summary>
public sealed class FullTextIndexer(
    NpgsqlDataSource db, IOptions<SearchOptions> options, VectorBacklogGate gate, TimeProvider time, ILogger<FullTextIndexer> logger) : BackgroundService
{
    /// <summary>The advisory locks that lease each stage (the bench finds the stages' backends by them).</summary>
    public const string VectorsLease = "compliance.fts-indexer", IndexLease = "compliance.fts-indexer.gin";

    private readonly SearchOptions _options = options.Value;
    private long _lag;
    private long _watermark;
    private long _vectorLag;
    private int _vectorsHeld, _indexHeld;   // 1 while this instance holds that stage's lease
    private long _lastMove;   // when the second stage last ran (TimeProvider timestamp)

    /// <summary>Entries committed and not yet in the GIN index, as last read (0 before the first read).</summary>
    public long Lag => Interlocked.Read(ref _lag);

    /// <summary>Entries committed whose vector is not yet stored (every full-text search computes them), as last read.</summary>
    public long VectorLag => Interlocked.Read(ref _vectorLag);

    /// <summary>The last seq in the GIN index, as last read.</summary>
    public long Watermark => Interlocked.Read(ref _watermark);

    /// <summary>Whether this instance runs the first stage (stored vectors): it holds its lease.</summary>
    public bool HoldsVectorsLease => Volatile.Read(ref _vectorsHeld) == 1;

    /// <summary>Whether this instance runs the second stage (the GIN index): it holds its lease.</summary>
    public bool HoldsIndexLease => Volatile.Read(ref _indexHeld) == 1;

    /// <summary>Whether this instance is the one indexing: it holds both stages' leases.</summary>
    public bool HoldsLease => HoldsVectorsLease && HoldsIndexLease;

    /// <summary>Whether ingest must be refused until the GIN index catches up (<see cref="SearchOptions.MaxUnindexed"/>; the vectors' bound holds requests, <see cref="VectorBacklogGate"/>).</summary>
    public bool TooFarBehind => Lag > _options.MaxUnindexed;

    protected override Task ExecuteAsync(CancellationToken stoppingToken) => Task.WhenAll(
        RunAsync(VectorsLease, VectorStageAsync, () => VectorLag > _options.MaxUnvectorized, stoppingToken),
        RunAsync(IndexLease, IndexStageAsync, () => false, stoppingToken));

    /// <summary>
    /// One stage's loop: takes its lease when it can, runs a batch, reads the lag, and waits an
    /// interval unless the batch was full or the stage is <paramref name="holdingIngest"/> (the
    /// vectors' lag over its bound holds ingest requests until a reading under it).
    /// </summary>
    private async Task RunAsync(string leaseName, Func<NpgsqlConnection, CancellationToken, Task<bool>> stage, Func<bool> holdingIngest,
        CancellationToken stoppingToken)
    {
        var interval = TimeSpan.FromMilliseconds(_options.IndexIntervalMilliseconds);
        NpgsqlConnection? lease = null;
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                if (_options.Indexing && lease is null && (lease = await TryTakeLeaseAsync(leaseName, stoppingToken)) is not null)
                    Volatile.Write(ref Held(leaseName), 1);
                var full = lease is not null && await stage(lease, stoppingToken);
                await ReadLagAsync(lease, stoppingToken);
                if (!full && !(lease is not null && holdingIngest())) await Task.Delay(interval, time, stoppingToken);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                break;
            }
            catch (Exception ex)
            {
                logger.LogWarning(ex, "The full-text indexer failed; it retries (search still finds every entry, computing the unindexed ones)");
                await ReleaseAsync(leaseName, lease);
                lease = null;
                await Task.Delay(TimeSpan.FromSeconds(1), time, stoppingToken).ContinueWith(_ => { }, CancellationToken.None);
            }
        }
        await ReleaseAsync(leaseName, lease);
    }

    private ref int Held(string leaseName) => ref leaseName == VectorsLease ? ref _vectorsHeld : ref _indexHeld;

    /// <summary>One batch of the first stage (<see cref="SearchOptions.IndexBatchSize"/> entries at most); returns whether it was full.</summary>
    internal async Task<bool> VectorStageAsync(NpgsqlConnection lease, CancellationToken ct) =>
        await VectorizeBatchAsync(lease, _options.IndexBatchSize, ct) == _options.IndexBatchSize;

    /// <summary>
    /// One batch of the second stage when it is due: a full batch of stored vectors waits, or ten
    /// intervals have passed (moving more rows at once costs the GIN index less each); returns
    /// whether it was full.
    /// </summary>
    internal async Task<bool> IndexStageAsync(NpgsqlConnection lease, CancellationToken ct)
    {
        var batch = _options.IndexBatchSize;
        if (Lag - VectorLag < batch && time.GetElapsedTime(_lastMove) < TimeSpan.FromMilliseconds(10 * _options.IndexIntervalMilliseconds))
            return false;
        var indexed = await IndexBatchAsync(lease, batch, ct);
        _lastMove = time.GetTimestamp();
        return indexed == batch;
    }

    /// <summary>
    /// First stage: stores the vectors of the next <paramref name="batchSize"/> entries at most
    /// after fts_vectors.vectorized in audit_fts_recent; returns how many it stored.
    /// </summary>
    internal static async Task<int> VectorizeBatchAsync(NpgsqlConnection lease, int batchSize, CancellationToken ct)
    {
        // Commits are in seq order (each holds the chain head until it commits), so the entries
        // after the watermark that this statement sees are a gapless run of the chain.
        await using var cmd = new NpgsqlCommand(
            $"""
            WITH state AS (SELECT vectorized FROM fts_vectors WHERE id = 1 FOR UPDATE),
            batch AS (
                INSERT INTO audit_fts_recent (seq, created_at, "timestamp", log_type, event, user_id, vector)
                SELECT seq, created_at, "timestamp", log_type, event, user_id, {AuditSql.FullTextVector}
                FROM audit_log WHERE seq > (SELECT vectorized FROM state) ORDER BY seq LIMIT $1
                RETURNING seq)
            UPDATE fts_vectors SET vectorized = (SELECT max(seq) FROM batch)
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
    /// it moved. It reads vectorized without locking it, in its statement's snapshot: the first
    /// stage moves it in the transaction that stores its rows, so every row up to it is visible here.
    /// </summary>
    internal static async Task<int> IndexBatchAsync(NpgsqlConnection lease, int batchSize, CancellationToken ct)
    {
        await using var cmd = new NpgsqlCommand(
            """
            WITH state AS (
                SELECT watermark, least(watermark + $1, (SELECT vectorized FROM fts_vectors)) AS upto
                FROM fts_state WHERE id = 1 FOR UPDATE),
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

    private async Task<NpgsqlConnection?> TryTakeLeaseAsync(string leaseName, CancellationToken ct)
    {
        var connection = await db.OpenConnectionAsync(ct);
        await using var cmd = new NpgsqlCommand("SELECT pg_try_advisory_lock(hashtext($1))", connection);
        cmd.Parameters.Add(new() { Value = leaseName });
        if ((bool)(await cmd.ExecuteScalarAsync(ct))!)
        {
            // The index is derived from the ledger: a crash may lose the stage's last commits, its
            // mark and rows together (one WAL), and they are done again. So its commits need not
            // wait for the WAL flush each, beside the ledger's commits that must.
            await using (var asynchronous = new NpgsqlCommand("SET synchronous_commit = off", connection))
                await asynchronous.ExecuteNonQueryAsync(ct);
            logger.LogInformation("This instance now runs the full-text indexer's stage {Lease}", leaseName);
            return connection;
        }
        await connection.DisposeAsync();
        return null;
    }

    /// <summary>Reads the lags, on the stage's lease connection when it holds one (a pooled connection's return costs its reset statements, each round).</summary>
    private async Task ReadLagAsync(NpgsqlConnection? lease, CancellationToken ct)
    {
        const string Sql = "SELECT (SELECT seq FROM ledger_head), watermark, vectorized FROM fts_position";
        await using var cmd = lease is null ? db.CreateCommand(Sql) : new NpgsqlCommand(Sql, lease);
        await using var reader = await cmd.ExecuteReaderAsync(ct);
        await reader.ReadAsync(ct);
        var (head, watermark, vectorized) = (reader.GetInt64(0), reader.GetInt64(1), reader.GetInt64(2));
        Interlocked.Exchange(ref _watermark, watermark);
        Interlocked.Exchange(ref _lag, Math.Max(0, head - watermark));
        Interlocked.Exchange(ref _vectorLag, Math.Max(0, head - vectorized));
        gate.OnVectorLagRead(VectorLag);
    }

    // A pooled connection keeps its session: the lock is released explicitly before it goes back.
    private async Task ReleaseAsync(string leaseName, NpgsqlConnection? lease)
    {
        if (lease is null) return;
        Volatile.Write(ref Held(leaseName), 0);
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
