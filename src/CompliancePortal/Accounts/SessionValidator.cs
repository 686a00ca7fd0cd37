using System.Security.Claims;
using CompliancePortal.Core.Accounts;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.Options;

namespace CompliancePortal.Accounts;

/// <summary>
/// Whether a signed-in principal still is its user as stored: the user exists, is not disabled,
/// has the security stamp the sign-in recorded (changed with every disable, role or period
/// change), and has the roles the principal claims. Used by the circuit's revalidation and the
/// hub connections' (every <see cref="SignInOptions.RevalidateSeconds"/>).
/// </summary>
public sealed class SessionValidator(IServiceScopeFactory scopes, IOptions<IdentityOptions> identity)
{
    public async Task<bool> IsCurrentAsync(ClaimsPrincipal principal, CancellationToken ct = default)
    {
        if (principal.Identity?.IsAuthenticated != true) return false;
        await using var scope = scopes.CreateAsyncScope();
        var users = scope.ServiceProvider.GetRequiredService<UserManager<PortalUser>>();
        var user = await users.GetUserAsync(principal);
        if (user is null || user.IsDisabled) return false;
        var claimed = principal.FindFirstValue(identity.Value.ClaimsIdentity.SecurityStampClaimType);
        if (claimed != await users.GetSecurityStampAsync(user)) return false;
        var roles = await users.GetRolesAsync(user);
        var claimedRoles = principal.FindAll(identity.Value.ClaimsIdentity.RoleClaimType).Select(c => c.Value);
        return roles.ToHashSet(StringComparer.Ordinal).SetEquals(claimedRoles);
    }
}
