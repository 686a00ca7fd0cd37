using Bunit;
using CompliancePortal.Accounts;
using CompliancePortal.Core.Calendar;
using CompliancePortal.Core.ComplianceLogs;
using CompliancePortal.Core.Ledger;
using CompliancePortal.Core.Materials;
using CompliancePortal.Core.Preclearance;
using CompliancePortal.Core.Retention;
using CompliancePortal.Jobs;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;

namespace CompliancePortal.Tests.Infrastructure;

/// <summary>
/// bUnit tests of pages and forms over the real services of a portal on its own fresh PostgreSQL
/// database: what a form submits is stored and read back, what a page lists was loaded.
/// </summary>
public abstract class PortalPageTest(PostgresFixture postgres) : PortalTest(postgres)
{
    /// <summary>A bUnit context signed in as <paramref name="user"/> in <paramref name="roles"/>, with the portal's feature services.</summary>
    protected BunitContext PageContext(string user, params string[] roles) => PortalBunit.NewContext(user, roles, services =>
    {
        foreach (var type in new[]
        {
            typeof(PreclearanceService), typeof(MarketingMaterialService), typeof(LegalHoldService), typeof(ComplianceRecords),
            typeof(MarketCalendar), typeof(TimeProvider), typeof(RetentionOptions), typeof(JobsOptions),
        })
            services.AddSingleton(type, Portal.Services.GetRequiredService(type));
        services.AddSingleton<IHttpContextAccessor, HttpContextAccessor>();
        services.AddScoped<CurrentActor>();
    });
}
