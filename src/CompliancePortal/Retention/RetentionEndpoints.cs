using CompliancePortal.Accounts;
using CompliancePortal.Core.Accounts;
using CompliancePortal.Core.Retention;
using Microsoft.Extensions.Options;

namespace CompliancePortal.Retention;

public static class RetentionEndpoints
{
    public sealed record ReleaseBody(string? Reason);

    /// <summary>Holds for scripts: officers and admins read them; only ComplianceOfficers place or release them.</summary>
    public static void MapRetentionApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api/v1/retention/holds").DisableAntiforgery();

        api.MapGet("", async (LegalHoldService holds) => Results.Ok(await holds.ListAsync()))
            .RequireAuthorization(Policies.RetentionViewers);

        api.MapPost("", async (LegalHoldForm body, HttpContext http, LegalHoldService holds) =>
        {
            var (hold, error) = await holds.CreateAsync(AccountSetup.ActorOf(http), body);
            return hold is not null
                ? Results.Created($"/api/v1/retention/holds/{hold.Id}", hold)
                : Results.Problem(statusCode: 400, title: "Hold not placed", detail: error + " Nothing was stored.");
        }).RequireAuthorization(Policies.ComplianceOfficers);

        api.MapPost("/{id:int}/release", async (int id, ReleaseBody body, HttpContext http, LegalHoldService holds) =>
        {
            var (hold, error) = await holds.ReleaseAsync(AccountSetup.ActorOf(http), id, body.Reason);
            if (hold is not null) return Results.Ok(hold);
            return error!.StartsWith("No legal hold", StringComparison.Ordinal)
                ? Results.NotFound()
                : Results.Problem(statusCode: 409, title: "Hold not released", detail: error);
        }).RequireAuthorization(Policies.ComplianceOfficers);
    }
}
