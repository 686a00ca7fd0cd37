using CompliancePortal.Accounts;
using CompliancePortal.Core.Retention;

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
            var placed = await holds.CreateAsync(AccountSetup.ActorOf(http), body);
            return placed.Value is { } hold
                ? Results.Created($"/api/v1/retention/holds/{hold.Id}", hold)
                : Problems.For(placed.Failure!, "Hold not placed");
        }).RequireCurrentRole(Policies.ComplianceOfficers);

        api.MapPost("/{id:int}/release", async (int id, ReleaseBody body, HttpContext http, LegalHoldService holds) =>
        {
            var released = await holds.ReleaseAsync(AccountSetup.ActorOf(http), id, body.Reason);
            return released.Value is { } hold ? Results.Ok(hold) : Problems.For(released.Failure!, "Hold not released", unchanged: "");
        }).RequireCurrentRole(Policies.ComplianceOfficers);
    }
}
