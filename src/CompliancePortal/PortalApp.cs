using CompliancePortal.Accounts;
using CompliancePortal.Alerts;
using CompliancePortal.ApiKeys;
using CompliancePortal.Archive;
using CompliancePortal.Backup;
using CompliancePortal.Blotter;
using CompliancePortal.Calendar;
using CompliancePortal.Certification;
using CompliancePortal.Communications;
using CompliancePortal.ComplianceLogs;
using CompliancePortal.Components;
using CompliancePortal.Dashboard;
using CompliancePortal.Database;
using CompliancePortal.Demo;
using CompliancePortal.Ingest;
using CompliancePortal.Jobs;
using CompliancePortal.Ledger;
using CompliancePortal.LiveFeed;
using CompliancePortal.Materials;
using CompliancePortal.Metrics;
using CompliancePortal.Packages;
using CompliancePortal.Positions;
using CompliancePortal.Preclearance;
using CompliancePortal.Reports;
using CompliancePortal.Retention;
using CompliancePortal.Search;
using CompliancePortal.Security;
using MudBlazor.Services;

namespace CompliancePortal;

/// <summary>
/// The portal's composition: services, then the request pipeline. Program runs it; the ingest
/// benchmark hosts the same application in-process with its own settings (passed as args,
/// e.g. --ConnectionStrings:Portal=...).
/// </summary>
public static class PortalApp
{
    public static async Task<WebApplication> BuildAsync(string[] args)
    {
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions
        {
            Args = args,
            // The static-asset manifest is named after the portal, also when another process hosts it.
            ApplicationName = typeof(PortalApp).Assembly.GetName().Name,
        });
        // Serve package assets (MudBlazor, the Blazor script) when running from build output in any environment.
        builder.WebHost.UseStaticWebAssets();
        builder.Services.AddSingleton(TimeProvider.System);
        builder.AddMarketCalendar();
        await builder.AddPortalDatabaseAsync();
        builder.AddLedger();
        builder.AddArchiveStore();
        builder.AddApiKeys();
        builder.AddPortalAccounts();
        builder.AddPreclearance();
        builder.AddComplianceLogs();
        builder.AddMarketingMaterials();
        builder.AddPositions();
        builder.AddCommunications();
        builder.AddPackages();
        builder.AddDemoSource();
        builder.AddLiveFeed();
        builder.AddTradingDashboard();
        builder.AddReports();
        builder.AddAuditSearch();
        builder.AddRetention();
        builder.AddJobs();
        builder.AddDatabaseBackup();
        builder.AddBlotter();
        builder.AddDailyCertification();
        builder.AddAlerts();
        builder.AddMetrics();
        builder.AddTransportSecurity();
        builder.Services.AddHostedService<StartupBanner>();
        builder.Services.AddRazorComponents().AddInteractiveServerComponents();
        builder.Services.AddMudServices();
        // OpenTelemetry collectors send gzip by default; each endpoint's size limit applies to the decompressed body.
        builder.Services.AddRequestDecompression();

        var app = builder.Build();
        app.UseTransportSecurity();
        app.UseStaticFiles();   // the repository-root wwwroot/, before routing so no page or policy sees these requests
        app.UseRequestDecompression();
        app.UseRouting();
        app.UseAuthentication();
        app.UseCrossSiteGuard();
        app.UseAuthorization();
        app.UseRateLimiter();
        app.UseAntiforgery();
        app.MapStaticAssets().AllowAnonymous();
        app.MapAccountEndpoints();
        app.MapIngestApi();
        app.MapMetrics();
        app.MapLedgerApi();
        app.MapCheckpointApi();
        app.MapPreclearanceApi();
        app.MapMaterialsApi();
        app.MapPositionsApi();
        app.MapCommunicationsApi();
        app.MapPackages();
        app.MapLiveFeed();
        app.MapAuditSearch();
        app.MapRetentionApi();
        app.MapJobsDashboard();
        app.MapBlotterApi();
        app.MapCertificationApi();
        // The portal's own Content-Security-Policy (Security/) already says frame-ancestors 'none'.
        app.MapRazorComponents<App>().AddInteractiveServerRenderMode(o => o.ContentSecurityFrameAncestorsPolicy = null);
        return app;
    }
}
