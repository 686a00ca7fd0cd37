using System.Net;
using System.Net.Http.Json;
using CompliancePortal.Core.Accounts;
using CompliancePortal.LiveFeed;
using CompliancePortal.Tests.Infrastructure;
using Microsoft.AspNetCore.SignalR.Client;

namespace CompliancePortal.Tests.Security;

/// <summary>
/// Another site's page cannot act through a signed-in browser (#18, item 5): cookie APIs need
/// X-Requested-With and the portal's own Origin; hubs refuse a foreign Origin; sign-out needs its form's token.
/// </summary>
[Collection(PostgresCollection.Name)]
public sealed class CrossSiteTests(PostgresFixture postgres) : IAsyncLifetime
{
    private const string Foreign = "https://attacker.example";
    private static readonly object Hold = new { fromDay = "2026-01-01", toDay = "2026-01-31", asset = "SPY", reason = "subpoena 12" };
    private PortalFactory _portal = null!;
    private TestDatabase _db = null!;

    public async Task InitializeAsync()
    {
        _db = await postgres.CreateDatabaseAsync();
        _portal = new PortalFactory(_db);
    }

    public async Task DisposeAsync() => await _portal.DisposeAsync();

    [Fact]
    public async Task CookiePost_WithoutTheHeader_OrFromAnotherOrigin_IsRefusedAndChangesNothing()
    {
        using var officer = await _portal.SignedInClientAsync(await _portal.CreateUserAsync(UserRoles.ComplianceOfficer));
        officer.DefaultRequestHeaders.Remove("X-Requested-With");

        // What a cross-site form can send: a simple POST with the cookie and nothing else.
        var form = await officer.PostAsync("/api/v1/retention/holds", new StringContent("fromDay=2026-01-01", System.Text.Encoding.UTF8, "text/plain"));
        var json = await officer.PostAsJsonAsync("/api/v1/retention/holds", Hold);
        using var foreign = new HttpRequestMessage(HttpMethod.Post, "/api/v1/retention/holds") { Content = JsonContent.Create(Hold) };
        foreign.Headers.Add("X-Requested-With", "XMLHttpRequest");
        foreign.Headers.Add("Origin", Foreign);
        var fromElsewhere = await officer.SendAsync(foreign);

        Assert.Equal(HttpStatusCode.Forbidden, form.StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, json.StatusCode);
        Assert.Contains("X-Requested-With", await json.Content.ReadAsStringAsync());
        Assert.Equal(HttpStatusCode.Forbidden, fromElsewhere.StatusCode);
        Assert.Contains(Foreign, await fromElsewhere.Content.ReadAsStringAsync());
        Assert.Equal(0L, await _db.ScalarAsync("SELECT count(*) FROM legal_holds"));

        // The portal's own program: the header, and its own Origin (or none).
        using var own = new HttpRequestMessage(HttpMethod.Post, "/api/v1/retention/holds") { Content = JsonContent.Create(Hold) };
        own.Headers.Add("X-Requested-With", "XMLHttpRequest");
        own.Headers.Add("Origin", officer.BaseAddress!.GetLeftPart(UriPartial.Authority));
        Assert.Equal(HttpStatusCode.Created, (await officer.SendAsync(own)).StatusCode);
        Assert.Equal(1L, await _db.ScalarAsync("SELECT count(*) FROM legal_holds"));
    }

    [Fact]
    public async Task SignOut_WithoutTheFormsToken_IsRefused()
    {
        using var user = await _portal.SignedInClientAsync(await _portal.CreateUserAsync(UserRoles.Employee));

        var refused = await user.PostAsync("/account/logout", new FormUrlEncodedContent(new Dictionary<string, string>()));

        Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
        Assert.Equal(0L, await _db.ScalarAsync("SELECT count(*) FROM audit_log WHERE event = 'portal_sign_out'"));
        Assert.Equal(HttpStatusCode.OK, (await user.GetAsync("/preclearance")).StatusCode); // still signed in
    }

    [Fact]
    public async Task HubConnection_FromAForeignOrigin_IsRefused_FromThePortalsOwn_Accepted()
    {
        var address = _portal.UseRealServer();
        var cookies = await HubClients.SignInAsync(address, await _portal.CreateUserAsync(UserRoles.ComplianceOfficer));

        await using var foreign = Connection(address, cookies, Foreign);
        var refused = await Assert.ThrowsAsync<HttpRequestException>(() => foreign.StartAsync());
        await using var own = Connection(address, cookies, address.GetLeftPart(UriPartial.Authority));
        await own.StartAsync();

        Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);
        Assert.Equal(HubConnectionState.Connected, own.State);

        // The circuit's hub too.
        using var http = new HttpClient(new HttpClientHandler { CookieContainer = cookies }) { BaseAddress = address };
        using var negotiate = new HttpRequestMessage(HttpMethod.Post, "/_blazor/negotiate?negotiateVersion=1");
        negotiate.Headers.Add("Origin", Foreign);
        Assert.Equal(HttpStatusCode.Forbidden, (await http.SendAsync(negotiate)).StatusCode);
    }

    private static HubConnection Connection(Uri address, CookieContainer cookies, string origin) =>
        new HubConnectionBuilder()
            .WithUrl(new Uri(address, LedgerHub.Path), o =>
            {
                o.Cookies = cookies;
                o.Headers["Origin"] = origin;
                o.Transports = Microsoft.AspNetCore.Http.Connections.HttpTransportType.WebSockets;
            })
            .Build();
}
