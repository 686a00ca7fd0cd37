using CompliancePortal.Core.Accounts;

namespace CompliancePortal.Core.Materials;

/// <summary>Who does what with marketing materials (pages and endpoints enforce these).</summary>
public static class MaterialRoles
{
    /// <summary>Who uploads materials: the people who write them, and compliance itself.</summary>
    public const string Uploaders = $"{UserRoles.Employee},{UserRoles.PortfolioManager},{UserRoles.ComplianceOfficer}";

    /// <summary>Who opens the list and the materials (auditors read-only; nobody but an officer decides).</summary>
    public const string Viewers = $"{Uploaders},{UserRoles.Auditor}";

    /// <summary>Who approves or rejects.</summary>
    public const string Reviewers = UserRoles.ComplianceOfficer;
}
