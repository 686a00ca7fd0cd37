using System.Security.Claims;
using CompliancePortal.Core.Audit;
using CompliancePortal.Core.Data;
using CompliancePortal.Core.Search;
using Microsoft.EntityFrameworkCore;

namespace CompliancePortal.Search;

/// <summary>
/// Turns a signed-in user into a <see cref="RecordReader"/>: roles from the sign-in cookie, the
/// auditor's granted period read fresh from the database (a changed grant applies at once).
/// </summary>
public sealed class RecordReaders(IDbContextFactory<PortalDbContext> contexts)
{
    public async Task<RecordReader?> ForAsync(ClaimsPrincipal principal, Actor actor, CancellationToken ct = default)
    {
        if (principal.Identity?.IsAuthenticated != true || principal.Identity.Name is not { } name) return null;
        await using var db = await contexts.CreateDbContextAsync(ct);
        var normalized = name.ToUpperInvariant();
        var user = await db.Users.AsNoTracking().FirstOrDefaultAsync(u => u.NormalizedUserName == normalized, ct);
        if (user is null || user.IsDisabled) return null;
        return RecordReader.For(actor with { UserName = name }, principal.IsInRole, user);
    }
}
