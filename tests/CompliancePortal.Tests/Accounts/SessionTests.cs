using System.Net;
using System.Net.Http.Json;
using System.Security.Claims;
using Bunit;
using CompliancePortal.Accounts;
using CompliancePortal.ApiKeys.Pages;
using CompliancePortal.Core.Accounts;
using CompliancePortal.Core.ApiKeys;
using CompliancePortal.Core.Audit;
using CompliancePortal.Core.Ledger;
using CompliancePortal.Tests.Infrastructure;
using Microsoft.AspNetCore.Components.Authorization;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.SignalR.Client;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using MudBlazor;

namespace CompliancePortal.Tests.Accounts;

/// <summary>
/// Sessions follow the user (#18, item 3): a disabled or demoted user's circuit, hub connections
/// and cookie end within SignIn:RevalidateSeconds, and what they do meanwhile is checked against
/// the stored user when they act.
/// </summary>
[Collection(PostgresCollection.Name)]
public sealed class SessionTests(PostgresFixture postgres) : PortalTest(postgres)
{
    private static readonly Actor Root = new("root-admin");

    // One second, so the tests need not wait the default 30.
    protected override void Configure(IWebHostBuilder builder) => builder.UseSetting("SignIn:RevalidateSeconds", "1");

    private async Task ChangeAsync(string userName, string role, bool disabled = false)
    {
        await using var scope = Portal.Services.CreateAsyncScope();
        var users = scope.ServiceProvider.GetRequiredService<UserManager<PortalUser>>();
        var user = (await users.FindByNameAsync(userName))!;
        var failure = await scope.ServiceProvider.GetRequiredService<UserAdministration>().UpdateAsync(Root, user.Id,
            new UserChange(userName, user.DisplayName, role, null, null, disabled));
        Assert.Null(failure);
    }

    private async Task<ClaimsPrincipal> PrincipalAsync(string userName)
    {
        await using var scope = Portal.Services.CreateAsyncScope();
        var signIn = scope.ServiceProvider.GetRequiredService<SignInManager<PortalUser>>();
        return await signIn.CreateUserPrincipalAsync((await signIn.UserManager.FindByNameAsync(userName))!);
    }

    [Fact]
    public async Task AnAdminDemotedWhileTheirCircuitIsOpen_CannotCreateAKeyFromIt()
    {
        var admin = await Portal.CreateUserAsync(UserRoles.Admin);
        await using var ctx = PortalPages.NewContext(Portal, admin, UserRoles.Admin, typeof(ApiKeyStore));
        ctx.Render<MudPopoverProvider>();
        var cut = ctx.Render<ApiKeysPage>();
        cut.WaitForElement("[data-testid=keys-table]");

        await ChangeAsync(admin, UserRoles.Employee);
        cut.Find("[data-testid=key-name] input, input[data-testid=key-name]").Change("after-demotion");
        await cut.InvokeAsync(() => cut.FindComponent<MudSelect<string>>().Instance.SelectedValuesChanged.InvokeAsync([LogTypes.Trade]));
        await cut.Find("button[data-testid=create-key]").ClickAsync(new());

        cut.WaitForAssertion(() => Assert.Contains("no longer allows this", cut.Find("[data-testid=key-error]").TextContent));
        Assert.Empty(cut.FindAll("[data-testid=new-key]"));
        Assert.Equal(0L, await Db.ScalarAsync("SELECT count(*) FROM api_keys WHERE name = 'after-demotion'"));
        Assert.Equal(0L, await Db.ScalarAsync("SELECT count(*) FROM audit_log WHERE event = 'api_key_created'"));
    }

    [Fact]
    public async Task AnOfficerDemotedWithACookieStillValid_IsRefusedByTheEndpointThatActs()
    {
        // A portal whose cookies are checked every 30 s: the request below comes well within them.
        await using var portal = new PortalFactory(Db);
        var officer = await portal.CreateUserAsync(UserRoles.ComplianceOfficer);
        using var client = await portal.SignedInClientAsync(officer);
        await using (var scope = portal.Services.CreateAsyncScope())
        {
            var users = scope.ServiceProvider.GetRequiredService<UserManager<PortalUser>>();
            var user = (await users.FindByNameAsync(officer))!;
            Assert.Null(await scope.ServiceProvider.GetRequiredService<UserAdministration>().UpdateAsync(Root, user.Id,
                new UserChange(officer, officer, UserRoles.Employee, null, null, false)));
        }

        var refused = await client.PostAsJsonAsync("/api/v1/retention/holds",
            new { fromDay = "2026-01-01", toDay = "2026-01-31", asset = "SPY", reason = "after demotion" });

        Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);
        Assert.Contains("Your role (Employee) no longer allows this", await refused.Content.ReadAsStringAsync());
        Assert.Equal(0L, await Db.ScalarAsync("SELECT count(*) FROM legal_holds"));
    }

    [Fact]
    public async Task SessionValidator_FollowsRoleChangesAndDisabling()
    {
        var sessions = Portal.Services.GetRequiredService<SessionValidator>();
        var user = await Portal.CreateUserAsync(UserRoles.ComplianceOfficer);
        var signedIn = await PrincipalAsync(user);
        Assert.True(await sessions.IsCurrentAsync(signedIn));

        await ChangeAsync(user, UserRoles.PortfolioManager);
        Assert.False(await sessions.IsCurrentAsync(signedIn));
        var again = await PrincipalAsync(user);
        Assert.True(await sessions.IsCurrentAsync(again));

        await ChangeAsync(user, UserRoles.PortfolioManager, disabled: true);
        Assert.False(await sessions.IsCurrentAsync(again));
    }

    [Fact]
    public async Task TheCircuitsAuthenticationState_BecomesAnonymous_WhenItsUserIsDisabled()
    {
        await using (var scope = Portal.Services.CreateAsyncScope())
            Assert.IsType<RevalidatingAuthenticationState>(scope.ServiceProvider.GetRequiredService<AuthenticationStateProvider>());   // what circuits get
        var user = await Portal.CreateUserAsync(UserRoles.PortfolioManager);
        var state = new RevalidatingAuthenticationState(NullLoggerFactory.Instance, Portal.Services.GetRequiredService<SessionValidator>(),
            Portal.Services.GetRequiredService<IOptions<CompliancePortal.Accounts.SignInOptions>>());
        state.SetAuthenticationState(Task.FromResult(new AuthenticationState(await PrincipalAsync(user))));
        var anonymous = new TaskCompletionSource<AuthenticationState>(TaskCreationOptions.RunContinuationsAsynchronously);
        state.AuthenticationStateChanged += async changed => anonymous.TrySetResult(await changed);

        await Task.Delay(1500);
        Assert.False(anonymous.Task.IsCompleted);   // unchanged, nothing happens
        await ChangeAsync(user, UserRoles.PortfolioManager, disabled: true);

        var after = await anonymous.Task.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.False(after.User.Identity?.IsAuthenticated);
        ((IDisposable)state).Dispose();
    }

    [Fact]
    public async Task AHubConnection_OfADemotedUser_IsClosed_OthersStay()
    {
        await using var real = new PortalFactory(Db, b => b.UseSetting("SignIn:RevalidateSeconds", "1"));
        var address = real.UseRealServer();
        var demoted = await real.CreateUserAsync(UserRoles.ComplianceOfficer);
        var bystander = await real.CreateUserAsync(UserRoles.ComplianceOfficer);
        await using var demotedConnection = HubClients.Build(address, await HubClients.SignInAsync(address, demoted));
        await using var bystanderConnection = HubClients.Build(address, await HubClients.SignInAsync(address, bystander));
        var closed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        demotedConnection.Closed += _ =>
        {
            closed.TrySetResult();
            return Task.CompletedTask;
        };
        await demotedConnection.StartAsync();
        await bystanderConnection.StartAsync();

        await ChangeAsync(demoted, UserRoles.Employee);

        await closed.Task.WaitAsync(TimeSpan.FromSeconds(15));
        Assert.Equal(HubConnectionState.Disconnected, demotedConnection.State);
        await Task.Delay(2500);   // two more rounds of checks
        Assert.Equal(HubConnectionState.Connected, bystanderConnection.State);
    }
}
