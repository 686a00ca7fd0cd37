using System.Net;
using CompliancePortal.Core.Accounts;
using CompliancePortal.Tests.Infrastructure;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;

namespace CompliancePortal.Tests.Hosting;

/// <summary>
/// The portal as deployed (Production, its own database, behind a proxy at 10.0.0.1): the headers
/// every response carries, HSTS and HTTPS-only cookies, and the client's address from the proxy.
/// </summary>
[Collection(PostgresCollection.Name)]
public sealed class TransportSecurityTests(PostgresFixture postgres) : PortalTest(postgres)
{
    private const string Proxy = "10.0.0.1";

    protected override void Configure(IWebHostBuilder builder)
    {
        builder.UseEnvironment("Production");
        builder.UseSetting("ForwardedHeaders:KnownProxies:0", Proxy);
        TestClientAddress.AddTo(builder);
    }

    private HttpClient Browser(string address)
    {
        var browser = Portal.CreateClient(new WebApplicationFactoryClientOptions
        {
            BaseAddress = new Uri("https://portal.adviser.example"), AllowAutoRedirect = false, HandleCookies = true,
        });
        browser.DefaultRequestHeaders.Add(TestClientAddress.Header, address);
        return browser;
    }

    private static void AssertSecurityHeaders(HttpResponseMessage response)
    {
        Assert.Equal("nosniff", response.Headers.GetValues("X-Content-Type-Options").Single());
        Assert.Equal("DENY", response.Headers.GetValues("X-Frame-Options").Single());
        Assert.Equal("no-referrer", response.Headers.GetValues("Referrer-Policy").Single());
        var policy = response.Headers.GetValues("Content-Security-Policy").Single();
        Assert.Contains("frame-ancestors 'none'", policy);
        Assert.Contains("script-src 'self';", policy);
        Assert.Contains("connect-src 'self' ws://portal.adviser.example wss://portal.adviser.example;", policy);
        Assert.StartsWith("max-age=31536000", response.Headers.GetValues("Strict-Transport-Security").Single());
    }

    [Fact]
    public async Task TheSignInPage_AndAPage_CarryTheSecurityHeaders_AndCookiesAreHttpsOnly()
    {
        var browser = Browser("192.0.2.30");

        var login = await browser.GetAsync("/account/login");

        Assert.Equal(HttpStatusCode.OK, login.StatusCode);
        AssertSecurityHeaders(login);
        Assert.All(login.Headers.GetValues("Set-Cookie"), cookie => Assert.Contains("secure", cookie, StringComparison.OrdinalIgnoreCase));

        var user = await Portal.CreateUserAsync(UserRoles.PortfolioManager);
        var signIn = await PortalUsers.PostSignInAsync(browser, await PortalUsers.SignInFormTokenAsync(browser), user, PortalUsers.Password, "/dashboard");
        Assert.Equal("/dashboard", signIn.Headers.Location?.OriginalString);
        Assert.Contains(signIn.Headers.GetValues("Set-Cookie"), c => c.StartsWith("cp.auth=", StringComparison.Ordinal) && c.Contains("secure", StringComparison.OrdinalIgnoreCase));

        var page = await browser.GetAsync("/dashboard");

        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        AssertSecurityHeaders(page);
    }

    [Theory]
    [InlineData(Proxy, "203.0.113.7", "203.0.113.7")]        // from the proxy: the client it names
    [InlineData("192.0.2.50", "203.0.113.8", "192.0.2.50")]  // from anyone else: its own address, whatever it claims
    public async Task TheLedgerRecordsTheClientsAddress_ForwardedOnlyByAKnownProxy(string from, string claimed, string recorded)
    {
        var browser = Browser(from);
        browser.DefaultRequestHeaders.Add("X-Forwarded-For", claimed);
        await PortalUsers.PostSignInAsync(browser, await PortalUsers.SignInFormTokenAsync(browser), "nobody-here", "x");

        Assert.Equal(recorded, await Db.ScalarAsync("SELECT ip_address FROM audit_log WHERE event = 'portal_sign_in_failed'"));
    }
}
