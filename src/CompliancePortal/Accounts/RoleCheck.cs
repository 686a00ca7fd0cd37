using CompliancePortal.Core.Data;
using Microsoft.EntityFrameworkCore;

namespace CompliancePortal.Accounts;

/// <summary>
/// The moment of acting: whether the named user, as stored now (not as their cookie or circuit
/// says), may act under a policy. Pages ask through <see cref="CurrentActor.ForActionAsync"/>,
/// endpoints through <see cref="RoleCheckEndpoints.RequireCurrentRole"/>.
/// </summary>
public sealed class RoleCheck(IDbContextFactory<PortalDbContext> contexts)
{
    /// <summary>Null when <paramref name="userName"/> may act under <paramref name="policy"/>; otherwise why not.</summary>
    public async Task<string?> RefusalAsync(string? userName, string policy, CancellationToken ct = default)
    {
        if (string.IsNullOrEmpty(userName)) return "You are not signed in. Nothing was changed.";
        await using var db = await contexts.CreateDbContextAsync(ct);
        var normalized = userName.ToUpperInvariant();
        var user = await db.Users.AsNoTracking().Where(u => u.NormalizedUserName == normalized).Select(u => new { u.Id, u.IsDisabled }).FirstOrDefaultAsync(ct);
        if (user is null || user.IsDisabled) return "Your account is disabled. Nothing was changed.";
        var roles = await db.UserRoles.Where(r => r.UserId == user.Id).Join(db.Roles, ur => ur.RoleId, r => r.Id, (_, r) => r.Name!).ToListAsync(ct);
        return Policies.AllowsRoles(roles, policy) ? null
            : $"Your role ({(roles.Count == 0 ? "none" : string.Join(", ", roles))}) no longer allows this. Nothing was changed.";
    }
}

public static class RoleCheckEndpoints
{
    /// <summary>The policy, and the stored user checked again when the request acts (a cookie may be 30 s behind a role change).</summary>
    public static RouteHandlerBuilder RequireCurrentRole(this RouteHandlerBuilder endpoint, string policy) =>
        endpoint.RequireAuthorization(policy).AddEndpointFilter(async (context, next) =>
        {
            var http = context.HttpContext;
            var refusal = await http.RequestServices.GetRequiredService<RoleCheck>().RefusalAsync(http.User.Identity?.Name, policy, http.RequestAborted);
            return refusal is null ? await next(context) : Problems.Forbidden(refusal);
        });
}
