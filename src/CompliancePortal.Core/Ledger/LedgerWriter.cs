using System.Diagnostics;
using System.Threading.Channels;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Npgsql;

namespace CompliancePortal.Core.Ledger;

/// <summary>The writer refused work because its queue is full; the caller should retry later.</summary>
public sealed class LedgerBusyException() : Exception("The ledger writer's queue is full; retry shortly.");

/// <summary>The batch could not be committed; nothing of it was stored.</summary>
public sealed class LedgerUnavailableException(string message, Exception inner) : Exception(message, inner);

/// <summary>
/// Every write to the ledger goes through here. Callers enqueue a request and wait; one loop
/// takes whatever is queued (up to <see cref="LedgerOptions.MaxBatchEvents"/>), commits it in
/// one transaction and only then completes each caller with its receipts. The queue is bounded
/// by event count, so memory stays bounded and overload shows as <see cref="LedgerBusyException"/>.
/// </summary>
public sealed class LedgerWriter(
    NpgsqlDataSource dataSource,
    IOptions<LedgerOptions> options,
    LedgerCommitSignal committed,
    ILogger<LedgerWriter> logger) : BackgroundService
{
    private sealed record Pending(AppendRequest Request, TaskCompletionSource<IReadOnlyList<LedgerReceipt>> Done);

    private readonly Channel<Pending> _queue = Channel.CreateUnbounded<Pending>(
        new UnboundedChannelOptions { SingleReader = true });
    private readonly LedgerOptions _options = options.Value;
    private long _queuedEvents;

    public long QueuedEvents => Interlocked.Read(ref _queuedEvents);

    /// <summary>Stores the events of one request together; returns after COMMIT.</summary>
    public Task<IReadOnlyList<LedgerReceipt>> AppendAsync(string source, IReadOnlyList<LedgerEvent> events)
    {
        if (events.Count == 0) return Task.FromResult<IReadOnlyList<LedgerReceipt>>([]);
        var queued = Interlocked.Add(ref _queuedEvents, events.Count);
        // One request larger than the whole queue is still taken when nothing else waits.
        if (queued > _options.MaxQueuedEvents && queued != events.Count)
        {
            Interlocked.Add(ref _queuedEvents, -events.Count);
            throw new LedgerBusyException();
        }
        // The canonical bytes are built here, on the request's thread, so the writer's time under
        // the chain-head lock is spent only on seq, hash and COPY.
        var pending = new Pending(AppendRequest.WithTails(source, events),
            new TaskCompletionSource<IReadOnlyList<LedgerReceipt>>(TaskCreationOptions.RunContinuationsAsynchronously));
        if (!_queue.Writer.TryWrite(pending))
        {
            Interlocked.Add(ref _queuedEvents, -events.Count);
            throw new LedgerUnavailableException("The ledger writer is stopped.", new ObjectDisposedException(nameof(LedgerWriter)));
        }
        return pending.Done.Task;
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        // No new work; what was accepted is still committed and answered before the loop ends.
        _queue.Writer.TryComplete();
        await base.StopAsync(cancellationToken);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var batch = new List<Pending>();
        var reader = _queue.Reader;
        // Drain what was accepted even while stopping: an accepted request is answered, never dropped.
        while (await reader.WaitToReadAsync(CancellationToken.None))
        {
            batch.Clear();
            var events = 0;
            var linger = Stopwatch.StartNew();
            while (events < _options.MaxBatchEvents)
            {
                if (reader.TryRead(out var next))
                {
                    batch.Add(next);
                    events += next.Request.Events.Count;
                    continue;
                }
                var remaining = _options.MaxLingerMilliseconds - linger.ElapsedMilliseconds;
                if (remaining <= 0 || stoppingToken.IsCancellationRequested) break;
                var more = reader.WaitToReadAsync(CancellationToken.None).AsTask();
                if (await Task.WhenAny(more, Task.Delay(TimeSpan.FromMilliseconds(remaining))) != more) break;
            }
            await CommitAsync(batch);
            Interlocked.Add(ref _queuedEvents, -events);
        }
    }

    private async Task CommitAsync(List<Pending> batch)
    {
        try
        {
            var receipts = await CommitOnceAsync(batch.Select(p => p.Request).ToList());
            for (var i = 0; i < batch.Count; i++) batch[i].Done.TrySetResult(receipts[i]);
            committed.Signal();
        }
        catch (PostgresException ex) when (batch.Count > 1 && ex.SqlState.StartsWith("22", StringComparison.Ordinal))
        {
            // A data error belongs to one request: commit the others alone so one bad request
            // cannot fail its neighbours.
            logger.LogWarning(ex, "Batch of {Count} requests failed on data; committing them one by one", batch.Count);
            foreach (var pending in batch) await CommitAsync([pending]);
        }
        catch (Exception ex)
        {
            logger.LogError(ex, "Ledger batch of {Count} requests was not committed", batch.Count);
            var failure = ex is PostgresException pg && pg.SqlState.StartsWith("22", StringComparison.Ordinal)
                ? new LedgerRejectedException(pg.MessageText, ex)
                : (Exception)new LedgerUnavailableException("The ledger could not commit the batch; nothing was stored.", ex);
            foreach (var pending in batch) pending.Done.TrySetException(failure);
        }
    }

    private async Task<IReadOnlyList<LedgerReceipt>[]> CommitOnceAsync(IReadOnlyList<AppendRequest> requests)
    {
        try
        {
            // Most batches hold no event id stored before: try without looking them up.
            return await CommitOnceAsync(requests, lookUpEventIds: false);
        }
        catch (PostgresException ex) when (ex.SqlState == PostgresErrorCodes.UniqueViolation && ex.ConstraintName == LedgerAppender.EventIdKey)
        {
            // A retried event id: nothing of the attempt was kept. Again, answering repeats with their original receipts.
            return await CommitOnceAsync(requests, lookUpEventIds: true);
        }
    }

    private async Task<IReadOnlyList<LedgerReceipt>[]> CommitOnceAsync(IReadOnlyList<AppendRequest> requests, bool lookUpEventIds)
    {
        await using var connection = await dataSource.OpenConnectionAsync();
        await using var tx = await connection.BeginTransactionAsync();
        var receipts = await LedgerAppender.AppendAsync(connection, requests, lookUpEventIds, CancellationToken.None);
        await tx.CommitAsync();
        return receipts;
    }
}

/// <summary>PostgreSQL refused the content of a request (a value it cannot store); nothing was stored.</summary>
public sealed class LedgerRejectedException(string message, Exception inner) : Exception(message, inner);
