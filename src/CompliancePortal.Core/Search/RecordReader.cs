using CompliancePortal.Core.Accounts;
using CompliancePortal.Core.Audit;

namespace CompliancePortal.Core.Search;

/// <summary>
/// Who is reading the ledger and what they may see. A ComplianceOfficer sees every period; an
/// Auditor only events whose <c>timestamp</c> falls in the granted days (UTC, both inclusive).
/// An auditor without a granted period sees nothing. The search service applies this to every
/// query it runs, so no page or endpoint can forget it.
/// </summary>
public sealed record RecordReader(Actor Actor, bool AllPeriods, DateOnly? GrantedFrom = null, DateOnly? GrantedTo = null)
{
    public static RecordReader ComplianceOfficer(Actor actor) => new(actor, AllPeriods: true);

    public static RecordReader Auditor(Actor actor, DateOnly? from, DateOnly? to) => new(actor, AllPeriods: false, from, to);

    /// <summary>The readable timestamps as [NotBefore, Before); null ends are open. Empty for an auditor without a period.</summary>
    public (DateTimeOffset? NotBefore, DateTimeOffset? Before, bool Nothing) Window
    {
        get
        {
            if (AllPeriods) return (null, null, false);
            if (GrantedFrom is not { } from || GrantedTo is not { } to || to < from) return (null, null, true);
            return (Midnight(from), Midnight(to.AddDays(1)), false);
        }
    }

    public bool MaySee(DateTimeOffset timestamp)
    {
        var (notBefore, before, nothing) = Window;
        return !nothing && (notBefore is null || timestamp >= notBefore) && (before is null || timestamp < before);
    }

    /// <summary>What the ledger records about the reader's scope with each search.</summary>
    public string Scope => AllPeriods ? "all" : GrantedFrom is { } f && GrantedTo is { } t ? $"{f:yyyy-MM-dd}..{t:yyyy-MM-dd}" : "none";

    /// <summary>The reader for a signed-in user, or null if their roles do not allow reading records.</summary>
    public static RecordReader? For(Actor actor, Func<string, bool> isInRole, PortalUser user) =>
        isInRole(UserRoles.ComplianceOfficer) ? ComplianceOfficer(actor)
        : isInRole(UserRoles.Auditor) ? Auditor(actor, user.AuditFrom, user.AuditTo)
        : null;

    private static DateTimeOffset Midnight(DateOnly day) => new(day.ToDateTime(TimeOnly.MinValue), TimeSpan.Zero);
}
