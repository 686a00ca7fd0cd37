using CompliancePortal.Accounts;
using CompliancePortal.Core.Accounts;
using CompliancePortal.Core.Preclearance;

namespace CompliancePortal.Preclearance;

/// <summary>
/// The preclearance workflow for programs and scripts, with the same rules as the pages: an
/// employee sees only their own requests (403 otherwise), only a ComplianceOfficer decides.
/// </summary>
public static class PreclearanceEndpoints
{
    public sealed record DecisionBody(bool Approve, string? Reasoning);

    public static void MapPreclearanceApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api/v1/preclearance").DisableAntiforgery();

        api.MapGet("/{id}", async (string id, HttpContext http, PreclearanceService service) =>
        {
            var me = http.User.Identity!.Name!;
            var officer = http.User.IsInRole(UserRoles.ComplianceOfficer);
            var request = await service.FindAsync(id, me, officer);
            if (request is not null) return Results.Ok(request);
            return await service.FindAsync(id, me, isOfficer: true) is null
                ? Problems.NotFound($"No request {id}.")
                : Problems.Forbidden($"Request {id} belongs to another employee.");
        }).RequireAuthorization(Policies.Requesters);

        api.MapPost("/{id}/decision", async (string id, DecisionBody body, HttpContext http, PreclearanceService service) =>
        {
            var result = await service.DecideAsync(AccountSetup.ActorOf(http), id, body.Approve, body.Reasoning ?? "");
            return result.Failure is { } failure ? Problems.For(failure, "Not decided") : Results.Ok(result.Value);
        }).RequireCurrentRole(Policies.ComplianceOfficers);
    }
}
