using System.Security.Claims;
using CompliancePortal.Accounts;
using CompliancePortal.Core.Accounts;
using CompliancePortal.Core.Audit;
using CompliancePortal.Core.Materials;
using CompliancePortal.Search;

namespace CompliancePortal.Materials;

public static class MaterialsEndpoints
{
    /// <summary>What a signed-in user may see of materials: from their roles, and an auditor's granted period as stored now.</summary>
    public static async Task<MaterialViewer> ViewerOfAsync(ClaimsPrincipal user, RecordReaders readers, CancellationToken ct = default)
    {
        var name = user.Identity?.Name ?? "";
        if (!user.IsInRole(UserRoles.Auditor)) return new(name, user.IsInRole(UserRoles.ComplianceOfficer), IsAuditor: false);
        // A disabled auditor has no reader: no period, nothing to see.
        var reader = await readers.ForAsync(user, new Actor(name), ct);
        return new(name, IsOfficer: false, IsAuditor: true, reader?.GrantedFrom, reader?.GrantedTo);
    }

    public sealed record DecisionBody(int Version, bool Approve, string? Comments);

    /// <summary>
    /// Downloads (any viewer role; the material decides further: 404 if not theirs to see, 403 for a
    /// version they may not take) and decisions (ComplianceOfficer only, 403 for everyone else).
    /// </summary>
    public static void MapMaterialsApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api/v1/materials").DisableAntiforgery();

        api.MapGet("/{id:long}/versions/{version:int}/file", async (long id, int version, HttpContext http, MarketingMaterialService service, RecordReaders readers) =>
        {
            var viewer = await ViewerOfAsync(http.User, readers, http.RequestAborted);
            var download = await service.OpenVerifiedAsync(AccountSetup.ActorOf(http), viewer, id, version, http.RequestAborted);
            return download.Value is { } file
                ? Results.File(file.Content, file.Version.ContentType, file.Version.FileName)
                : Problems.For(download.Failure!, "Stored file damaged");
        }).RequireAuthorization(Policies.MaterialViewers);

        api.MapPost("/{id:long}/decision", async (long id, DecisionBody? body, HttpContext http, MarketingMaterialService service) =>
        {
            // An empty body is refused by the service like empty comments (after a missing material's 404).
            body ??= new DecisionBody(0, false, null);
            var result = await service.DecideAsync(AccountSetup.ActorOf(http), id, body.Version, body.Approve, body.Comments ?? "", http.RequestAborted);
            return result.Value is { } material
                ? Results.Ok(new { id = material.Number, status = material.Status.ToString(), version = material.CurrentVersion })
                : Problems.For(result.Failure!, "Not decided", unchanged: "");
        }).RequireCurrentRole(Policies.ComplianceOfficers);
    }
}
