using CompliancePortal.Core.Dashboard;
using CompliancePortal.Core.LiveFeed;

namespace CompliancePortal.LiveFeed;

public static class LiveFeedEndpoints
{
    public static void MapLiveFeed(this IEndpointRouteBuilder app) => app.MapHub<LedgerHub>(LedgerHub.Path);
}
