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
/// The batching path into the ledger, behind <see cref="ILedgerAppend.AppendAsync"/> (the other
/// is a workflow's own <see cref="LedgerTransaction"/>). Callers enqueue a request and wait; one
/// loop takes whatever is queued (up to <see cref="LedgerOptions.MaxBatchEvents"/>), commits it
/// in one transaction and only then completes each caller with its receipts. The queue is bounded
/// by event count, so memory stays bounded and overload shows as <see cref="LedgerBusyException"/>.
/// Once it knows where the chain ends, it plans the next batch after the one still committing
/// and writes it on a second connection (<see cref="LedgerOptions.PipelineDepth"/>); that batch
/// takes the chain-head lock last and commits only if the head is the one it was planned after,
/// else it is rolled back and committed the locked way.
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
        var reader = _queue.Reader;
        var inFlight = new Queue<InFlight>();
        ChainHead? predicted = null;
        // Drain what was accepted even while stopping: an accepted request is answered, never dropped.
        while (await reader.WaitToReadAsync(CancellationToken.None))
        {
            var batch = await TakeBatchAsync(reader, stoppingToken);
            if (predicted is null)
            {
                // Where the chain ends is not known (start, or after a batch that did not end as
                // planned): commit under the lock from the start, which tells where it ends.
                predicted = await CommitAsync(batch);
                continue;
            }
            var ids = EventIdsOf(batch);
            if (inFlight.Any(b => b.EventIds.Overlaps(ids)))
            {
                // A repeat of an event id still in flight (a client retrying early): batches in
                // flight must not hold the same id, or the earlier one could wait in PostgreSQL
                // for the later one, which waits for it. Let them finish first.
                var (drained, end) = await SettleAsync(inFlight, 0);
                if (drained) predicted = end;
                if (predicted is null)
                {
                    predicted = await CommitAsync(batch);
                    continue;
                }
            }
            var plan = LedgerAppender.PlanAfter([.. batch.Select(p => p.Request)], predicted);
            var before = inFlight.Count > 0 ? inFlight.Last().Outcome : Task.FromResult<ChainHead?>(predicted);
            inFlight.Enqueue(new InFlight(CommitPlannedAsync(batch, plan, before), plan.End, ids));
            predicted = plan.End;
            var (replanned, head) = await SettleAsync(inFlight, Math.Max(1, _options.PipelineDepth) - 1);
            if (replanned) predicted = head;
        }
        await SettleAsync(inFlight, 0);
    }

    /// <summary>A batch being written while the ones before it may still commit, the head it is to end at, and its event ids.</summary>
    private sealed record InFlight(Task<ChainHead?> Outcome, ChainHead Planned, HashSet<(string Source, string EventId)> EventIds);

    private static HashSet<(string Source, string EventId)> EventIdsOf(List<Pending> batch) =>
        [.. batch.SelectMany(p => p.Request.Events.Where(e => e.EventId is not null).Select(e => (p.Request.Source, e.EventId!)))];

    /// <summary>
    /// How long a planned batch, holding its uncommitted rows, waits for the batch ahead of it.
    /// Another process appending under the lock can be waiting for one of those rows (the same
    /// event id sent to two portals) while the batch ahead waits for that process: giving up
    /// here, which rolls the rows back, is what ends such a wait.
    /// </summary>
    private static readonly TimeSpan WaitForBatchAhead = TimeSpan.FromSeconds(3);

    private async Task<List<Pending>> TakeBatchAsync(ChannelReader<Pending> reader, CancellationToken stoppingToken)
    {
        var batch = new List<Pending>();
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
        return batch;
    }

    /// <summary>
    /// Waits until at most <paramref name="keep"/> batches are in flight. When one did not end
    /// where it was planned to (it fell back to the locked path, or failed), the ones after it
    /// cannot either, so all are awaited: Replanned is then true and Head is the head after the
    /// last of them (null when unknown).
    /// </summary>
    private static async Task<(bool Replanned, ChainHead? Head)> SettleAsync(Queue<InFlight> inFlight, int keep)
    {
        var replanned = false;
        ChainHead? head = null;
        while (inFlight.Count > (replanned ? 0 : keep))
        {
            var batch = inFlight.Dequeue();
            head = await batch.Outcome;
            if (head != batch.Planned) replanned = true;
        }
        return (replanned, head);
    }

    /// <summary>
    /// Writes a planned batch on its own connection while the batch <paramref name="before"/> it
    /// may still be committing, then, once that one is done, advances the head and commits. If
    /// the one before did not end where this one starts or took too long, or this one fails
    /// before COMMIT (an event id stored before, a value PostgreSQL refuses), nothing of the
    /// attempt is kept and the batch is committed the locked way, which reports what is wrong.
    /// Returns the head after the batch, or null when it failed.
    /// </summary>
    private async Task<ChainHead?> CommitPlannedAsync(List<Pending> batch, AppendPlan plan, Task<ChainHead?> before)
    {
        var committing = false;
        try
        {
            await using var connection = await dataSource.OpenConnectionAsync();
            await using var tx = await connection.BeginTransactionAsync();
            await LedgerAppender.WritePlannedAsync(connection, plan, CancellationToken.None);
            // Taking the head lock before the batch ahead has committed would only find the head
            // short of where this plan starts.
            if (await before.WaitAsync(WaitForBatchAhead) == plan.Start
                && await LedgerAppender.AdvancePlannedAsync(connection, plan, CancellationToken.None))
            {
                // From here an error leaves the outcome unknown, so the batch is not repeated.
                committing = true;
                await tx.CommitAsync();
                Complete(batch, plan);
                return plan.End;
            }
        }
        catch (Exception ex) when (!committing)
        {
            logger.LogDebug(ex, "Planned batch of {Count} requests not written; committing it under the lock", batch.Count);
        }
        catch (Exception ex)
        {
            Fail(batch, ex);
            return null;
        }
        return await CommitAsync(batch);
    }

    /// <summary>Commits a batch under the chain-head lock; returns the head after it, or null when it failed.</summary>
    private async Task<ChainHead?> CommitAsync(List<Pending> batch)
    {
        try
        {
            var plan = await CommitOnceAsync(batch.Select(p => p.Request).ToList());
            Complete(batch, plan);
            return plan.End;
        }
        catch (PostgresException ex) when (batch.Count > 1 && ex.SqlState.StartsWith("22", StringComparison.Ordinal))
        {
            // A data error belongs to one request: commit the others alone so one bad request
            // cannot fail its neighbours.
            logger.LogWarning(ex, "Batch of {Count} requests failed on data; committing them one by one", batch.Count);
            foreach (var pending in batch) await CommitAsync([pending]);
            return null;
        }
        catch (Exception ex)
        {
            Fail(batch, ex);
            return null;
        }
    }

    private void Complete(List<Pending> batch, AppendPlan plan)
    {
        // Followers first: the batch behind this one commits once this returns, and its entries must come after these.
        committed.Publish(plan.Rows);
        for (var i = 0; i < batch.Count; i++) batch[i].Done.TrySetResult(plan.Receipts[i]);
        Interlocked.Add(ref _queuedEvents, -batch.Sum(p => p.Request.Events.Count));
    }

    private void Fail(List<Pending> batch, Exception ex)
    {
        logger.LogError(ex, "Ledger batch of {Count} requests was not committed", batch.Count);
        var failure = ex is PostgresException pg && pg.SqlState.StartsWith("22", StringComparison.Ordinal)
            ? new LedgerRejectedException(pg.MessageText, ex)
            : (Exception)new LedgerUnavailableException("The ledger could not commit the batch; nothing was stored.", ex);
        foreach (var pending in batch) pending.Done.TrySetException(failure);
        Interlocked.Add(ref _queuedEvents, -batch.Sum(p => p.Request.Events.Count));
    }

    private async Task<AppendPlan> CommitOnceAsync(IReadOnlyList<AppendRequest> requests)
    {
        // Most batches hold no event id stored before: the first try does not look them up.
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                return await CommitOnceAsync(requests, lookUpEventIds: attempt > 1);
            }
            catch (PostgresException ex) when (attempt < 3 && IsWorthRepeating(ex))
            {
                logger.LogDebug(ex, "Batch of {Count} requests not committed (attempt {Attempt}); nothing of it was kept, repeating", requests.Count, attempt);
            }
        }
    }

    /// <summary>
    /// A retried event id (answered from the ledger on the next try), or a deadlock with another
    /// writer's batch holding the same event id uncommitted (PostgreSQL picked this one to roll back).
    /// </summary>
    private static bool IsWorthRepeating(PostgresException ex) =>
        ex.SqlState == PostgresErrorCodes.DeadlockDetected
        || (ex.SqlState == PostgresErrorCodes.UniqueViolation && ex.ConstraintName == LedgerAppender.EventIdKey);

    private async Task<AppendPlan> CommitOnceAsync(IReadOnlyList<AppendRequest> requests, bool lookUpEventIds)
    {
        await using var connection = await dataSource.OpenConnectionAsync();
        await using var tx = await connection.BeginTransactionAsync();
        var plan = await LedgerAppender.AppendAsync(connection, requests, lookUpEventIds, CancellationToken.None);
        await tx.CommitAsync();
        return plan;
    }
}

/// <summary>PostgreSQL refused the content of a request (a value it cannot store); nothing was stored.</summary>
public sealed class LedgerRejectedException(string message, Exception inner) : Exception(message, inner);
