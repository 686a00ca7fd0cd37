using CompliancePortal.Accounts;
using CompliancePortal.Core.LiveFeed;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.SignalR;
using Microsoft.Extensions.Options;

namespace CompliancePortal.LiveFeed;

/// <summary>
/// /hubs/ledger: every committed ledger entry is pushed to connected feed viewers as an
/// <c>"entry"</c> message (<see cref="FeedEntry"/>), in seq order. History comes from the two
/// methods. A client keeps the highest seq it holds and, after a reconnect, calls
/// <see cref="Since"/> with it (again while full pages come back); entries arriving both pushed
/// and returned are recognised by seq, so the client ends with every row once.
/// </summary>
[Authorize(Policy = Policies.FeedViewers)]
public sealed class LedgerHub(IFeedHistory history, IOptions<LiveFeedOptions> options) : Hub
{
    public const string Path = "/hubs/ledger";
    public const string EntryMessage = "entry";

    /// <summary>The last <paramref name="count"/> entries (capped), optionally of one log type, oldest first.</summary>
    public Task<IReadOnlyList<FeedEntry>> Recent(int count, string? logType) =>
        history.RecentAsync(Math.Clamp(count, 0, options.Value.MaxEntriesPerCall), string.IsNullOrEmpty(logType) ? null : logType, Context.ConnectionAborted);

    /// <summary>Entries after <paramref name="seq"/>, oldest first, at most the per-call cap.</summary>
    public Task<IReadOnlyList<FeedEntry>> Since(long seq) =>
        history.SinceAsync(seq, options.Value.MaxEntriesPerCall, Context.ConnectionAborted);
}

/// <summary>Pushes every entry the ledger follower publishes to all hub clients of this instance.</summary>
internal sealed class LedgerHubBroadcaster(LedgerFeed feed, IHubContext<LedgerHub> hub) : IHostedService
{
    private IDisposable? _subscription;

    public Task StartAsync(CancellationToken cancellationToken)
    {
        _subscription = feed.Subscribe(async batch =>
        {
            foreach (var entry in batch)
                await hub.Clients.All.SendAsync(LedgerHub.EntryMessage, entry);
        });
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken)
    {
        _subscription?.Dispose();
        return Task.CompletedTask;
    }
}
