using System.Security.Claims;
using CompliancePortal.Accounts;
using CompliancePortal.Core.Accounts;
using CompliancePortal.Core.Materials;
using CompliancePortal.Ingest;
using CompliancePortal.LiveFeed;

namespace CompliancePortal.Materials;

public static class MaterialsEndpoints
{
    /// <summary>What a signed-in user may see of materials, from their roles.</summary>
    public static MaterialViewer ViewerOf(ClaimsPrincipal user) => new(
        user.Identity?.Name ?? "", user.IsInRole(UserRoles.ComplianceOfficer), user.IsInRole(UserRoles.Auditor));

    public sealed record DecisionBody(int Version, bool Approve, string? Comments);

    /// <summary>
    /// Downloads (any viewer role; the material decides further: 404 if not theirs to see, 403 for a
    /// version they may not take) and decisions (ComplianceOfficer only, 403 for everyone else).
    /// </summary>
    public static void MapMaterialsApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api/v1/materials").DisableAntiforgery();

        api.MapGet("/{id:long}/versions/{version:int}/file", async (long id, int version, HttpContext http, MarketingMaterialService service) =>
        {
            var download = await service.OpenVerifiedAsync(AccountSetup.ActorOf(http), ViewerOf(http.User), id, version, http.RequestAborted);
            return download.Outcome switch
            {
                DownloadOutcome.Ok => Results.File(download.Content!, download.Version!.ContentType, download.Version.FileName),
                DownloadOutcome.Forbidden => Problems.Forbidden(download.Error!),
                DownloadOutcome.NotFound => Results.Problem(statusCode: 404, title: "Not found", detail: download.Error),
                _ => Results.Problem(statusCode: 500, title: "Stored file damaged", detail: download.Error),
            };
        }).RequireAuthorization(Policies.MaterialViewers);

        api.MapPost("/{id:long}/decision", async (long id, DecisionBody? body, HttpContext http, MarketingMaterialService service) =>
        {
            // An empty body is refused by the service like empty comments (after a missing material's 404).
            body ??= new DecisionBody(0, false, null);
            var result = await service.DecideAsync(AccountSetup.ActorOf(http), id, body.Version, body.Approve, body.Comments ?? "", http.RequestAborted);
            if (result.Error is null)
                return Results.Ok(new { id = result.Material!.Number, status = result.Material.Status.ToString(), version = result.Material.CurrentVersion });
            return Results.Problem(statusCode: result.NoSuchMaterial ? 404 : 409, title: "Not decided", detail: result.Error);
        }).RequireAuthorization(Policies.ComplianceOfficers);
    }
}
