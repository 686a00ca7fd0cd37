using CompliancePortal.Accounts;
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
        builder.AddSettings<LiveFeedOptions>();
        builder.Services.AddSingleton<LedgerFeed>();
        builder.Services.AddSingleton<LedgerFeedQueries>();
        builder.Services.AddSingleton<IFeedHistory>(sp => sp.GetRequiredService<LedgerFeedQueries>());
        builder.Services.AddSingleton<LedgerFollower>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<LedgerFollower>());
        builder.Services.AddHostedService<LedgerHubBroadcaster>();
        builder.Services.AddRevalidatedHub<LedgerHub>();
    }
}
