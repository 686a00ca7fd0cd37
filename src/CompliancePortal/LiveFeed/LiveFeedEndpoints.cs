namespace CompliancePortal.LiveFeed;

public static class LiveFeedEndpoints
{
    public static void MapLiveFeed(this IEndpointRouteBuilder app) => app.MapHub<LedgerHub>(LedgerHub.Path);
}
