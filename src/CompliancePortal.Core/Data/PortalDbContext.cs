using CompliancePortal.Core.Accounts;
using CompliancePortal.Core.Alerts;
using CompliancePortal.Core.ApiKeys;
using CompliancePortal.Core.Blotter;
using CompliancePortal.Core.Certification;
using CompliancePortal.Core.Materials;
using CompliancePortal.Core.Packages;
using CompliancePortal.Core.Positions;
using CompliancePortal.Core.Preclearance;
using CompliancePortal.Core.Retention;
using Microsoft.AspNetCore.Identity.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore;

namespace CompliancePortal.Core.Data;

/// <summary>
/// The portal's EF Core model. The ledger itself (audit_log and its helpers) is created by the
/// reviewed SQL in the migrations project, not modelled here: EF cannot express partitions,
/// triggers or grants, and the ledger is written only through <c>ILedgerAppend</c> (its
/// <c>LedgerTransaction</c> runs in this context's transaction when a workflow needs both).
/// </summary>
public sealed class PortalDbContext(DbContextOptions<PortalDbContext> options) : IdentityDbContext<PortalUser>(options)
{
    public DbSet<ApiKey> ApiKeys => Set<ApiKey>();
    public DbSet<PreclearanceRequest> PreclearanceRequests => Set<PreclearanceRequest>();
    public DbSet<RestrictedSecurity> RestrictedList => Set<RestrictedSecurity>();
    public DbSet<MarketingMaterial> MarketingMaterials => Set<MarketingMaterial>();
    public DbSet<MaterialVersion> MaterialVersions => Set<MaterialVersion>();
    public DbSet<MaterialReview> MaterialReviews => Set<MaterialReview>();
    public DbSet<StoredBlotter> TradeBlotters => Set<StoredBlotter>();
    public DbSet<LogCertification> LogCertifications => Set<LogCertification>();
    public DbSet<PositionSubmission> PositionSubmissions => Set<PositionSubmission>();
    public DbSet<PositionSnapshot> PositionSnapshots => Set<PositionSnapshot>();
    public DbSet<MissedPositionDay> MissedPositionDays => Set<MissedPositionDay>();
    public DbSet<CompliancePackage> CompliancePackages => Set<CompliancePackage>();
    public DbSet<LegalHold> LegalHolds => Set<LegalHold>();
    public DbSet<Alert> Alerts => Set<Alert>();
    public DbSet<AlertDelivery> AlertDeliveries => Set<AlertDelivery>();

    protected override void OnModelCreating(ModelBuilder modelBuilder)
    {
        base.OnModelCreating(modelBuilder);
        modelBuilder.ApplyConfigurationsFromAssembly(typeof(PortalDbContext).Assembly);
    }
}
