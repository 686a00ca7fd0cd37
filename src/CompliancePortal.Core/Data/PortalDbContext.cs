using CompliancePortal.Core.Accounts;
using CompliancePortal.Core.ApiKeys;
using CompliancePortal.Core.Preclearance;
using CompliancePortal.Core.Retention;
using Microsoft.AspNetCore.Identity.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore;

namespace CompliancePortal.Core.Data;

/// <summary>
/// The portal's EF Core model. The ledger itself (audit_log and its helpers) is created by the
/// reviewed SQL in the migrations project, not modelled here: EF cannot express partitions,
/// triggers or grants, and the ledger is written only through <c>LedgerAppender</c>.
/// </summary>
public sealed class PortalDbContext(DbContextOptions<PortalDbContext> options) : IdentityDbContext<PortalUser>(options)
{
    public DbSet<ApiKey> ApiKeys => Set<ApiKey>();
    public DbSet<PreclearanceRequest> PreclearanceRequests => Set<PreclearanceRequest>();
    public DbSet<RestrictedSecurity> RestrictedList => Set<RestrictedSecurity>();
    public DbSet<LegalHold> LegalHolds => Set<LegalHold>();

    protected override void OnModelCreating(ModelBuilder modelBuilder)
    {
        base.OnModelCreating(modelBuilder);
        modelBuilder.ApplyConfigurationsFromAssembly(typeof(PortalDbContext).Assembly);
    }
}
