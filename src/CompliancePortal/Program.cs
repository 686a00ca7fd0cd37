using CompliancePortal;
using CompliancePortal.Accounts;
using CompliancePortal.Cli;
using CompliancePortal.Components;
using CompliancePortal.Core.ApiKeys;
using CompliancePortal.Database;
using CompliancePortal.Demo;
using CompliancePortal.Ingest;
using CompliancePortal.Ledger;
using CompliancePortal.Search;
using MudBlazor.Services;

// CLI verbs (verify, bench) run without the web host.
if (CommandLine.IsCommand(args)) return await CommandLine.RunAsync(args);

var builder = WebApplication.CreateBuilder(args);
// Serve package assets (MudBlazor, the Blazor script) when running from build output in any environment.
builder.WebHost.UseStaticWebAssets();
builder.Services.AddSingleton(TimeProvider.System);
await builder.AddPortalDatabaseAsync();
builder.AddLedger();
builder.Services.AddSingleton<ApiKeyStore>();
builder.AddPortalAccounts();
builder.AddAuditSearch();
builder.AddDemoSource();
builder.Services.AddHostedService<StartupBanner>();
builder.Services.AddRazorComponents().AddInteractiveServerComponents();
builder.Services.AddMudServices();

var app = builder.Build();
app.UseStaticFiles();   // the repository-root wwwroot/, before routing so no page or policy sees these requests
app.UseRouting();
app.UseAuthentication();
app.UseAuthorization();
app.UseAntiforgery();
app.MapStaticAssets().AllowAnonymous();
app.MapAccountEndpoints();
app.MapIngestApi();
app.MapLedgerApi();
app.MapAuditSearch();
app.MapRazorComponents<App>().AddInteractiveServerRenderMode();
await app.RunAsync();
return 0;

/// <summary>Visible to the tests' WebApplicationFactory.</summary>
public partial class Program;
