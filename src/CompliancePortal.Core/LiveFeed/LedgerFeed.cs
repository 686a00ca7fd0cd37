using Microsoft.Extensions.Logging;

namespace CompliancePortal.Core.LiveFeed;

/// <summary>
/// The in-process notifier of committed ledger entries (eShop's singleton-notifier pattern):
/// the <see cref="LedgerFollower"/> publishes each batch of newly committed rows in seq order,
/// and pages, the hub broadcaster and others subscribe. Subscribers get only what is published
/// after they subscribe; for history they query the ledger (<see cref="IFeedHistory"/>) and
/// drop entries whose seq they already hold.
/// </summary>
public sealed class LedgerFeed(ILogger<LedgerFeed> logger)
{
    private readonly Lock _lock = new();
    private Subscription[] _subscribers = [];
    private long _lastSeq;

    /// <summary>The seq of the last entry published (0 before the first).</summary>
    public long LastSeq => Interlocked.Read(ref _lastSeq);

    /// <summary>How many subscriptions are open (a page that forgot to dispose its own shows up here).</summary>
    public int SubscriberCount => Volatile.Read(ref _subscribers).Length;

    /// <summary>Calls <paramref name="handler"/> with each published batch until the result is disposed.</summary>
    public IDisposable Subscribe(Func<IReadOnlyList<FeedEntry>, Task> handler)
    {
        var subscription = new Subscription(this, handler);
        lock (_lock) _subscribers = [.. _subscribers, subscription];
        return subscription;
    }

    /// <summary>
    /// Hands a batch (ascending seq, all after <see cref="LastSeq"/>) to every subscriber at once
    /// and waits for them, so batches reach each subscriber in seq order. A failing subscriber is
    /// logged and does not stop the others.
    /// </summary>
    public async Task PublishAsync(IReadOnlyList<FeedEntry> batch)
    {
        if (batch.Count == 0) return;
        Interlocked.Exchange(ref _lastSeq, batch[^1].Seq);
        var subscribers = Volatile.Read(ref _subscribers);
        await Task.WhenAll(subscribers.Select(s => CallAsync(s.Handler, batch)));
    }

    private async Task CallAsync(Func<IReadOnlyList<FeedEntry>, Task> subscriber, IReadOnlyList<FeedEntry> batch)
    {
        try
        {
            await subscriber(batch);
        }
        catch (Exception ex)
        {
            logger.LogWarning(ex, "A live feed subscriber failed on entries {First}..{Last}", batch[0].Seq, batch[^1].Seq);
        }
    }

    private void Unsubscribe(Subscription subscription)
    {
        lock (_lock) _subscribers = [.. _subscribers.Where(s => !ReferenceEquals(s, subscription))];
    }

    private sealed class Subscription(LedgerFeed feed, Func<IReadOnlyList<FeedEntry>, Task> handler) : IDisposable
    {
        public Func<IReadOnlyList<FeedEntry>, Task> Handler { get; } = handler;

        public void Dispose() => feed.Unsubscribe(this);
    }
}
