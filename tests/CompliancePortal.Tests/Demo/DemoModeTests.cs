using CompliancePortal.Core.Accounts;
using CompliancePortal.Core.ApiKeys;
using CompliancePortal.Demo;
using CompliancePortal.Tests.Infrastructure;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace CompliancePortal.Tests.Demo;

/// <summary>The demo runs only where it belongs (#18, item 1), and what it left behind stops working when it is off.</summary>
[Collection(PostgresCollection.Name)]
public sealed class DemoModeTests(PostgresFixture postgres)
{
    [Fact]
    public async Task ExplicitDemo_OnConfiguredDatabaseInProduction_IsRefusedAtStartUp()
    {
        var db = await postgres.CreateDatabaseAsync();
        await using var portal = new PortalFactory(db, b => b.UseEnvironment("Production").UseSetting("Demo:Enabled", "true"));

        var refused = Assert.ThrowsAny<Exception>(() => portal.Server);

        Assert.Contains("Demo:Enabled=true is refused in the Production environment", Innermost(refused).Message);
        Assert.Equal(0L, await db.ScalarAsync("SELECT count(*) FROM \"AspNetUsers\""));
    }

    [Fact]
    public async Task Demo_Unset_IsOffOnConfiguredDatabase()
    {
        var db = await postgres.CreateDatabaseAsync();
        await using var portal = new PortalFactory(db, b => b.UseSetting("Demo:Enabled", null));

        _ = portal.Server;

        Assert.False(portal.Services.GetRequiredService<IOptions<DemoOptions>>().Value.Enabled);
        Assert.Empty(portal.Services.GetServices<Microsoft.Extensions.Hosting.IHostedService>().OfType<DemoEventSource>());
        Assert.Empty(portal.Services.GetServices<Microsoft.Extensions.Hosting.IHostedService>().OfType<DemoUsers>());
    }

    [Fact]
    public async Task DemoOff_AfterADemo_DisablesDemoUsersAndRevokesTheDemoKey_EachALedgerEntry()
    {
        var db = await postgres.CreateDatabaseAsync();
        string ownAdminId;
        await using (var demo = new PortalFactory(db, b => b.UseSetting("Demo:Enabled", "true").UseSetting("Demo:Backfill", "0")
                         .UseSetting("Demo:EventsPerSecond", "1")))
        {
            demo.UseRealServer();
            await using var scope = demo.Services.CreateAsyncScope();
            var users = scope.ServiceProvider.GetRequiredService<UserManager<PortalUser>>();
            // The firm's own "admin" changed its password: it is not the demo's any more.
            var admin = await users.FindByNameAsync("admin") ?? throw new InvalidOperationException("no demo admin");
            await users.RemovePasswordAsync(admin);
            await users.AddPasswordAsync(admin, "Firm-Own-Admin-Password-2026");
            ownAdminId = admin.Id;
            await Until(async () => (long)(await db.ScalarAsync("SELECT count(*) FROM api_keys WHERE name = 'demo' AND revoked_at IS NULL"))! == 1);
        }

        await using var later = new PortalFactory(db); // a configured database, demo unset
        _ = later.Server;
        await Until(async () => (long)(await db.ScalarAsync("SELECT count(*) FROM api_keys WHERE name = 'demo' AND revoked_at IS NOT NULL"))! == 1);

        await using var check = later.Services.CreateAsyncScope();
        var after = check.ServiceProvider.GetRequiredService<UserManager<PortalUser>>();
        foreach (var name in new[] { "employee", "pm", "cco", "auditor" })
            Assert.True((await after.FindByNameAsync(name))!.IsDisabled, name);
        Assert.False((await after.FindByIdAsync(ownAdminId))!.IsDisabled);
        Assert.Equal(4L, await db.ScalarAsync(
            "SELECT count(*) FROM audit_log WHERE event = 'user_updated' AND user_id = 'system' AND (event_data->'after'->>'disabled')::boolean"));
        Assert.Equal(1L, await db.ScalarAsync("SELECT count(*) FROM audit_log WHERE event = 'api_key_revoked' AND user_id = 'system' AND event_data->>'key' = 'demo'"));
        Assert.Null(await later.Services.GetRequiredService<ApiKeyStore>().FindActiveAsync(PortalFactory.ApiKey, CancellationToken.None));

        // A second start finds nothing left to do and records nothing more.
        await using (var again = new PortalFactory(db)) { _ = again.Server; await Task.Delay(500); }
        Assert.Equal(5L, await db.ScalarAsync("SELECT count(*) FROM audit_log WHERE user_id = 'system' AND event IN ('user_updated','api_key_revoked')"));
    }

    private static Exception Innermost(Exception e) => e.InnerException is null ? e : Innermost(e.InnerException);

    private static async Task Until(Func<Task<bool>> condition)
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (!await condition())
        {
            if (DateTime.UtcNow > deadline) throw new TimeoutException("condition not reached in 30 s");
            await Task.Delay(100);
        }
    }
}
