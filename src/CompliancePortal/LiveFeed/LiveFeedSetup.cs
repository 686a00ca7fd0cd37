using CompliancePortal.Core.Dashboard;
using CompliancePortal.Core.LiveFeed;

namespace CompliancePortal.LiveFeed;

/// <summary>
/// The live feed: a follower that reads newly committed ledger rows by seq (woken by NOTIFY
/// from any instance, by local commits and by a fallback poll), the in-process notifier pages
/// subscribe to and the /hubs/ledger SignalR hub.
/// </summary>
public static class LiveFeedSetup
{
    public static void AddLiveFeed(this WebApplicationBuilder builder)
    {
        builder.Services.AddOptions<LiveFeedOptions>().BindConfiguration(LiveFeedOptions.Section)
            .Validate(o => o.PollIntervalMilliseconds > 0 && o.ReconnectDelayMilliseconds >= 0 && o.PageSize > 0 && o.MaxEntriesPerCall > 0,
                "LiveFeed intervals and sizes must be positive")
            .ValidateOnStart();
        builder.Services.AddSingleton<LedgerFeed>();
        builder.Services.AddSingleton<LedgerFeedQueries>();
        builder.Services.AddSingleton<IFeedHistory>(sp => sp.GetRequiredService<LedgerFeedQueries>());
        builder.Services.AddSingleton<LedgerFollower>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<LedgerFollower>());
        builder.Services.AddHostedService<LedgerHubBroadcaster>();
        builder.Services.AddSignalR();
    }
}
