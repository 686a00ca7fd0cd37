using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace CompliancePortal.Core.Accounts;

/// <summary>
/// A person who signs in to the portal. Auditors carry the period they were granted and see
/// no record outside it.
/// </summary>
public sealed class PortalUser : IdentityUser
{
    public string DisplayName { get; set; } = "";

    /// <summary>First day of an auditor's granted period (UTC, inclusive).</summary>
    public DateOnly? AuditFrom { get; set; }

    /// <summary>Last day of an auditor's granted period (UTC, inclusive).</summary>
    public DateOnly? AuditTo { get; set; }

    public bool IsDisabled { get; set; }
}

internal sealed class PortalUserConfiguration : IEntityTypeConfiguration<PortalUser>
{
    public void Configure(EntityTypeBuilder<PortalUser> b)
    {
        b.Property(u => u.DisplayName).HasMaxLength(200);
    }
}

/// <summary>The portal's roles (DESIGN.md, "Who uses it").</summary>
public static class UserRoles
{
    public const string Employee = "Employee";
    public const string PortfolioManager = "PortfolioManager";
    public const string ComplianceOfficer = "ComplianceOfficer";
    public const string Auditor = "Auditor";
    public const string Admin = "Admin";

    public static readonly IReadOnlyList<string> All = [Employee, PortfolioManager, ComplianceOfficer, Auditor, Admin];
}
