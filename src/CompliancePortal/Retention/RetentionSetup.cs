using CompliancePortal.Accounts;
using CompliancePortal.Core.Accounts;
using CompliancePortal.Core.Retention;
using Microsoft.Extensions.Options;

namespace CompliancePortal.Retention;

/// <summary>
/// Retention (options section "Retention", the purge run by the "retention" recurring job) and
/// legal holds (page /retention, API /api/v1/retention/holds).
/// </summary>
public static class RetentionSetup
{
    public sealed record ReleaseBody(string? Reason);

    public static void AddRetention(this WebApplicationBuilder builder)
    {
        builder.Services.AddOptions<RetentionOptions>().BindConfiguration(RetentionOptions.Section)
            .Validate(o => o.Problem() is null, "Retention:HotDays lists an unknown log type, COMPLIANCE, or a window under 1 day")
            .ValidateOnStart();
        builder.Services.AddSingleton(sp => sp.GetRequiredService<IOptions<RetentionOptions>>().Value);
        builder.Services.AddSingleton<LegalHoldService>();
        builder.Services.AddSingleton<RetentionPurger>();
        builder.Services.AddSingleton<LedgerTombstones>();
    }

    /// <summary>Holds for scripts: officers and admins read them; only ComplianceOfficers place or release them.</summary>
    public static void MapRetentionApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api/v1/retention/holds").DisableAntiforgery();

        api.MapGet("", async (LegalHoldService holds) => Results.Ok(await holds.ListAsync()))
            .RequireAuthorization(p => p.RequireRole(UserRoles.ComplianceOfficer, UserRoles.Admin));

        api.MapPost("", async (LegalHoldForm body, HttpContext http, LegalHoldService holds) =>
        {
            var (hold, error) = await holds.CreateAsync(AccountSetup.ActorOf(http), body);
            return hold is not null
                ? Results.Created($"/api/v1/retention/holds/{hold.Id}", hold)
                : Results.Problem(statusCode: 400, title: "Hold not placed", detail: error + " Nothing was stored.");
        }).RequireAuthorization(p => p.RequireRole(UserRoles.ComplianceOfficer));

        api.MapPost("/{id:int}/release", async (int id, ReleaseBody body, HttpContext http, LegalHoldService holds) =>
        {
            var (hold, error) = await holds.ReleaseAsync(AccountSetup.ActorOf(http), id, body.Reason);
            if (hold is not null) return Results.Ok(hold);
            return error!.StartsWith("No legal hold", StringComparison.Ordinal)
                ? Results.NotFound()
                : Results.Problem(statusCode: 409, title: "Hold not released", detail: error);
        }).RequireAuthorization(p => p.RequireRole(UserRoles.ComplianceOfficer));
    }
}
