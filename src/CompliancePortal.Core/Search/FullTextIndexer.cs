using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Npgsql;

namespace CompliancePortal.Core.Search;

/// <summary>
/// Fills the full-text index (audit_fts) behind the ledger, so an acknowledgement waits for the
/// ledger commit only. One instance per cluster indexes: the one holding a PostgreSQL session
/// lock (the lease) on its own connection, which PostgreSQL frees when that instance or its
/// connection dies; every other instance tries to take it over at each interval. Each batch
/// inserts the vectors of the next entries after the watermark and moves the watermark past
/// them in one statement, so a batch cut short leaves nothing behind and the next holder
/// resumes exactly there; audit_fts's primary key refuses an entry indexed twice. Every instance
/// reads how far the index lags the chain head (<see cref="Lag"/>), which ingest, /healthz and
/// the dashboard use.
/// </summary>
public sealed class FullTextIndexer(
    NpgsqlDataSource db, IOptions<SearchOptions> options, TimeProvider time, ILogger<FullTextIndexer> logger) : BackgroundService
{
    private const string Lease = "SELECT pg_try_advisory_lock(hashtext('compliance.fts-indexer'))";

    private readonly SearchOptions _options = options.Value;
    private long _lag;
    private long _watermark;
    private int _holdsLease;

    /// <summary>Entries committed and not yet in the index, as last read (0 before the first read).</summary>
    public long Lag => Interlocked.Read(ref _lag);

    /// <summary>The last seq in the index, as last read.</summary>
    public long Watermark => Interlocked.Read(ref _watermark);

    /// <summary>Whether this instance is the one indexing.</summary>
    public bool HoldsLease => Volatile.Read(ref _holdsLease) == 1;

    /// <summary>Whether ingest must wait for the indexer (<see cref="SearchOptions.MaxUnindexed"/>).</summary>
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
                var full = lease is not null && await IndexBatchAsync(lease, stoppingToken) == _options.IndexBatchSize;
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

    /// <summary>Indexes one batch (<see cref="SearchOptions.IndexBatchSize"/> entries at most) on the lease's connection; returns how many entries it added.</summary>
    internal Task<int> IndexBatchAsync(NpgsqlConnection lease, CancellationToken ct) => IndexBatchAsync(lease, _options.IndexBatchSize, ct);

    /// <summary>Indexes the next <paramref name="batchSize"/> entries at most (the search bench sets up its tail with it).</summary>
    internal static async Task<int> IndexBatchAsync(NpgsqlConnection lease, int batchSize, CancellationToken ct)
    {
        // Commits are in seq order (each holds the chain head until it commits), so the entries
        // after the watermark that this statement sees are a gapless run of the chain.
        await using var cmd = new NpgsqlCommand(
            $"""
            WITH state AS (SELECT watermark FROM fts_state WHERE id = 1 FOR UPDATE),
            batch AS (
                INSERT INTO audit_fts (seq, created_at, "timestamp", log_type, event, user_id, vector)
                SELECT seq, created_at, "timestamp", log_type, event, user_id, {AuditSql.FullTextVector}
                FROM audit_log WHERE seq > (SELECT watermark FROM state) ORDER BY seq LIMIT $1
                RETURNING seq)
            UPDATE fts_state SET watermark = (SELECT max(seq) FROM batch), indexed_at = now()
            WHERE id = 1 AND EXISTS (SELECT FROM batch)
            RETURNING (SELECT count(*) FROM batch)
            """, lease)
        { CommandTimeout = 0 };
        cmd.Parameters.Add(new() { Value = batchSize });
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
        await using var cmd = db.CreateCommand("SELECT (SELECT seq FROM ledger_head), (SELECT watermark FROM fts_state)");
        await using var reader = await cmd.ExecuteReaderAsync(ct);
        await reader.ReadAsync(ct);
        var (head, watermark) = (reader.GetInt64(0), reader.GetInt64(1));
        Interlocked.Exchange(ref _watermark, watermark);
        Interlocked.Exchange(ref _lag, Math.Max(0, head - watermark));
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
