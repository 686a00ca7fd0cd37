using System.Security.Claims;
using CompliancePortal.Core.Accounts;
using Microsoft.AspNetCore.Authorization;

namespace CompliancePortal.Accounts;

/// <summary>
/// Who may do what, by name: every page, endpoint and hub asks for one of these policies
/// (<c>[Authorize(Policy = ...)]</c>, <c>RequireAuthorization(...)</c>, <c>AuthorizeView Policy</c>),
/// so a feature's audience is changed here, once.
/// </summary>
public static class Policies
{
    /// <summary>Who watches the live feed, the trading dashboard and the reports.</summary>
    public const string FeedViewers = nameof(FeedViewers);

    /// <summary>Who searches and opens ledger records, blotters, snapshots, emails and packages (auditors within their period).</summary>
    public const string RecordReaders = nameof(RecordReaders);

    /// <summary>Who sees and acknowledges alerts: compliance, and the operator for system alerts.</summary>
    public const string AlertHandlers = nameof(AlertHandlers);

    /// <summary>Who may run a full-chain verification from the portal.</summary>
    public const string Verifiers = nameof(Verifiers);

    /// <summary>Who may read checkpoints and Merkle proofs (hashes only, no record content).</summary>
    public const string ProofReaders = nameof(ProofReaders);

    /// <summary>Who files personal-trade preclearance requests and reports.</summary>
    public const string Requesters = nameof(Requesters);

    /// <summary>Who uploads marketing materials: the people who write them, and compliance itself.</summary>
    public const string MaterialUploaders = nameof(MaterialUploaders);

    /// <summary>Who opens the materials list and the materials (auditors read-only).</summary>
    public const string MaterialViewers = nameof(MaterialViewers);

    /// <summary>Who reads the retention settings and legal holds (only officers place or release holds).</summary>
    public const string RetentionViewers = nameof(RetentionViewers);

    /// <summary>Compliance officers only: decisions, certification, restricted list, holds, compliance records.</summary>
    public const string ComplianceOfficers = nameof(ComplianceOfficers);

    /// <summary>The operator only: users, API keys, the job dashboard.</summary>
    public const string Admins = nameof(Admins);

    private static readonly IReadOnlyDictionary<string, string[]> RolesOf = new Dictionary<string, string[]>
    {
        [FeedViewers] = [UserRoles.PortfolioManager, UserRoles.ComplianceOfficer, UserRoles.Admin],
        [RecordReaders] = [UserRoles.ComplianceOfficer, UserRoles.Auditor],
        [AlertHandlers] = [UserRoles.ComplianceOfficer, UserRoles.Admin],
        [Verifiers] = [UserRoles.ComplianceOfficer, UserRoles.Admin],
        [ProofReaders] = [UserRoles.ComplianceOfficer, UserRoles.Auditor, UserRoles.Admin],
        [Requesters] = [UserRoles.Employee, UserRoles.PortfolioManager, UserRoles.ComplianceOfficer],
        [MaterialUploaders] = [UserRoles.Employee, UserRoles.PortfolioManager, UserRoles.ComplianceOfficer],
        [MaterialViewers] = [UserRoles.Employee, UserRoles.PortfolioManager, UserRoles.ComplianceOfficer, UserRoles.Auditor],
        [RetentionViewers] = [UserRoles.ComplianceOfficer, UserRoles.Admin],
        [ComplianceOfficers] = [UserRoles.ComplianceOfficer],
        [Admins] = [UserRoles.Admin],
    };

    public static void Add(AuthorizationBuilder authorization)
    {
        foreach (var (name, roles) in RolesOf) authorization.AddPolicy(name, p => p.RequireRole(roles));
    }

    /// <summary>Whether <paramref name="user"/> is in a role the policy admits: for what a page shows or a handler decides.</summary>
    public static bool Allows(ClaimsPrincipal user, string policy) => RolesOf[policy].Any(user.IsInRole);

    /// <summary>Whether one of <paramref name="roles"/> (a user's stored roles) is admitted by the policy.</summary>
    public static bool AllowsRoles(IEnumerable<string> roles, string policy) => RolesOf[policy].Intersect(roles).Any();
}
