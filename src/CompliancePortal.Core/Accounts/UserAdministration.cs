using System.Text.RegularExpressions;
using CompliancePortal.Core.Audit;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;

namespace CompliancePortal.Core.Accounts;

/// <summary>A user as the Admin page lists it: one role each.</summary>
public sealed record UserRow(string Id, string UserName, string DisplayName, string? Role, DateOnly? AuditFrom, DateOnly? AuditTo, bool IsDisabled);

/// <summary>What the Admin page submits to create or change a user.</summary>
public sealed record UserChange(string UserName, string DisplayName, string Role, DateOnly? AuditFrom, DateOnly? AuditTo, bool IsDisabled, string? Password = null);

/// <summary>
/// Creates and changes portal users. Every change is a ledger entry naming who made it and what
/// changed (user_created, user_updated); a refused change stores nothing and says why.
/// </summary>
public sealed partial class UserAdministration(UserManager<PortalUser> users, UserActionLog log)
{
    [GeneratedRegex("^[a-z0-9][a-z0-9._-]{1,63}$")]
    private static partial Regex UserNamePattern();

    public async Task<IReadOnlyList<UserRow>> ListAsync()
    {
        var rows = new List<UserRow>();
        foreach (var user in await users.Users.AsNoTracking().OrderBy(u => u.UserName).ToListAsync())
        {
            var roles = await users.GetRolesAsync(user);
            rows.Add(new UserRow(user.Id, user.UserName!, user.DisplayName, roles.FirstOrDefault(), user.AuditFrom, user.AuditTo, user.IsDisabled));
        }
        return rows;
    }

    /// <summary>Null when created; otherwise the reason it was refused.</summary>
    public async Task<Failure?> CreateAsync(Actor actor, UserChange change)
    {
        var problem = Check(change);
        if (problem is not null) return problem;
        if (!UserNamePattern().IsMatch(change.UserName))
            return Failure.Invalid("A user name is 2-64 lower-case letters, digits, '.', '-' or '_'.");
        if (string.IsNullOrEmpty(change.Password)) return Failure.Invalid("A new user needs an initial password.");
        if (await users.FindByNameAsync(change.UserName) is not null) return Failure.Conflict($"User '{change.UserName}' already exists.");

        var user = new PortalUser
        {
            UserName = change.UserName,
            DisplayName = change.DisplayName.Trim(),
            AuditFrom = change.AuditFrom,
            AuditTo = change.AuditTo,
            IsDisabled = change.IsDisabled,
        };
        var created = await users.CreateAsync(user, change.Password);
        if (!created.Succeeded) return Failure.Invalid(string.Join(" ", created.Errors.Select(e => e.Description)));
        await users.AddToRoleAsync(user, change.Role);
        await log.RecordAsync(actor, "user_created", Describe(change));
        return null;
    }

    public async Task<Failure?> UpdateAsync(Actor actor, string id, UserChange change)
    {
        var problem = Check(change);
        if (problem is not null) return problem;
        var user = await users.FindByIdAsync(id);
        if (user is null) return Failure.NotFound("No such user.");
        if (user.UserName == actor.UserName && (change.IsDisabled || change.Role != UserRoles.Admin))
            return Failure.Forbidden("You cannot disable yourself or take away your own Admin role.");

        var before = Describe(new UserChange(user.UserName!, user.DisplayName, (await users.GetRolesAsync(user)).FirstOrDefault() ?? "",
            user.AuditFrom, user.AuditTo, user.IsDisabled));
        var periodChanged = user.AuditFrom != change.AuditFrom || user.AuditTo != change.AuditTo;
        user.DisplayName = change.DisplayName.Trim();
        user.AuditFrom = change.AuditFrom;
        user.AuditTo = change.AuditTo;
        user.IsDisabled = change.IsDisabled;
        var updated = await users.UpdateAsync(user);
        if (!updated.Succeeded) return Failure.Invalid(string.Join(" ", updated.Errors.Select(e => e.Description)));
        var current = await users.GetRolesAsync(user);
        var roleChanged = !current.SequenceEqual([change.Role]);
        if (roleChanged)
        {
            await users.RemoveFromRolesAsync(user, current);
            await users.AddToRoleAsync(user, change.Role);
        }
        // The user's open cookies, circuits and hub connections end at their next check (SessionValidator).
        if (change.IsDisabled || roleChanged || periodChanged) await users.UpdateSecurityStampAsync(user);
        await log.RecordAsync(actor, "user_updated", new { user = user.UserName, before, after = Describe(change) });
        return null;
    }

    private static Failure? Check(UserChange change)
    {
        if (!UserRoles.All.Contains(change.Role)) return Failure.Invalid("Choose one of the roles.");
        if (string.IsNullOrWhiteSpace(change.DisplayName)) return Failure.Invalid("A display name is required.");
        if (change.Role == UserRoles.Auditor)
        {
            if (change.AuditFrom is null || change.AuditTo is null) return Failure.Invalid("An auditor needs a granted period (from and to).");
            if (change.AuditFrom > change.AuditTo) return Failure.Invalid("The granted period ends before it starts.");
        }
        else if (change.AuditFrom is not null || change.AuditTo is not null)
        {
            return Failure.Invalid("Only auditors have a granted period.");
        }
        return null;
    }

    private static object Describe(UserChange c) => new
    {
        user = c.UserName,
        display_name = c.DisplayName,
        role = c.Role,
        audit_from = Formats.Day(c.AuditFrom),
        audit_to = Formats.Day(c.AuditTo),
        disabled = c.IsDisabled,
    };
}
