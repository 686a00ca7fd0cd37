using Bunit;
using CompliancePortal.Core.Calendar;
using CompliancePortal.Core.ComplianceLogs;
using CompliancePortal.Core.Materials;
using CompliancePortal.Core.Preclearance;
using CompliancePortal.Core.Retention;
using CompliancePortal.Jobs;

namespace CompliancePortal.Tests.Infrastructure;

/// <summary>
/// bUnit tests of pages and forms over the real services of a portal on its own fresh PostgreSQL
/// database: what a form submits is stored and read back, what a page lists was loaded.
/// </summary>
public abstract class PortalPageTest(PostgresFixture postgres) : PortalTest(postgres)
{
    /// <summary>A bUnit context signed in as <paramref name="user"/> in <paramref name="role"/>, with the portal's feature services.</summary>
    protected BunitContext PageContext(string user, string role) => PortalPages.NewContext(Portal, user, role,
        typeof(PreclearanceService), typeof(MarketingMaterialService), typeof(LegalHoldService), typeof(ComplianceRecords),
        typeof(MarketCalendar), typeof(TimeProvider), typeof(RetentionOptions), typeof(JobsOptions), typeof(CompliancePortal.Search.RecordReaders));
}
