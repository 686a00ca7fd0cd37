using CompliancePortal.Jobs;
using CompliancePortal.LiveFeed;
using CompliancePortal.Packages;
using Microsoft.AspNetCore.Identity;

namespace CompliancePortal.Security;

/// <summary>
/// What another site's page could make a signed-in browser do, refused (the sign-in cookie is
/// already SameSite=Strict; this holds if a browser or a proxy gets that wrong):
/// <list type="bullet">
/// <item>a state-changing request to the cookie APIs (<c>/api/*</c>, the job dashboard) made
/// with the sign-in cookie needs the <c>X-Requested-With</c> header, which a cross-site form
/// cannot send and a cross-site script cannot add without a CORS preflight the portal never
/// grants, and an <c>Origin</c>, when sent, of the portal itself;</item>
/// <item>a hub connection (the circuit, the live feed, packages) from a page of another origin.</item>
/// </list>
/// Requests without the cookie (API keys) are not affected: no browser sends those by itself.
/// </summary>
public static class CrossSiteGuard
{
    public const string RequiredHeader = "X-Requested-With";

    private static readonly PathString[] CookieApis = ["/api", JobsEndpoints.DashboardPath];
    private static readonly PathString[] Hubs = ["/_blazor", LedgerHub.Path, PackageHub.Path];

    /// <summary>After authentication (it needs to know whether the cookie signed the request in).</summary>
    public static void UseCrossSiteGuard(this WebApplication app) => app.Use(async (http, next) =>
    {
        var refusal = Refusal(http);
        if (refusal is null)
        {
            await next(http);
            return;
        }
        await Results.Problem(statusCode: StatusCodes.Status403Forbidden, title: "Cross-site request refused", detail: refusal).ExecuteAsync(http);
    });

    private static string? Refusal(HttpContext http)
    {
        var request = http.Request;
        var foreign = request.Headers.Origin.Count > 0 && !string.Equals(request.Headers.Origin.ToString(), OwnOrigin(request), StringComparison.OrdinalIgnoreCase);
        if (Hubs.Any(h => request.Path.StartsWithSegments(h)))
            return foreign ? $"A connection from a page of {request.Headers.Origin} is refused: only the portal's own pages ({OwnOrigin(request)}) connect." : null;

        if (HttpMethods.IsGet(request.Method) || HttpMethods.IsHead(request.Method) || HttpMethods.IsOptions(request.Method)) return null;
        if (!CookieApis.Any(p => request.Path.StartsWithSegments(p))) return null;
        if (http.User.Identity is not { IsAuthenticated: true, AuthenticationType: var scheme } || scheme != IdentityConstants.ApplicationScheme) return null;
        if (foreign) return $"A request from a page of {request.Headers.Origin} may not act with the portal's sign-in cookie.";
        return request.Headers.ContainsKey(RequiredHeader) ? null
            : $"A request made with the portal's sign-in cookie must carry the {RequiredHeader} header (a cross-site form cannot send it). Nothing was changed.";
    }

    private static string OwnOrigin(HttpRequest request) => $"{request.Scheme}://{request.Host.Value}";
}
