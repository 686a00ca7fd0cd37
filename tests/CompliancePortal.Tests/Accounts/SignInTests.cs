using System.Net;
using CompliancePortal.Core.Accounts;
using CompliancePortal.Tests.Infrastructure;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace CompliancePortal.Tests.Accounts;

/// <summary>Sign-in under abuse: a guessing address slowed at the door, names not revealed by timing, the ledger kept free of passwords.</summary>
[Collection(PostgresCollection.Name)]
public sealed class SignInTests(PostgresFixture postgres) : PortalTest(postgres)
{
    /// <summary>Counts password checks, to show an unknown name costs one as a wrong password does.</summary>
    private sealed class CountingHasher : IPasswordHasher<PortalUser>
    {
        private readonly PasswordHasher<PortalUser> _inner = new();
        public static int Verifications;

        public string HashPassword(PortalUser user, string password) => _inner.HashPassword(user, password);

        public PasswordVerificationResult VerifyHashedPassword(PortalUser user, string hashedPassword, string providedPassword)
        {
            Interlocked.Increment(ref Verifications);
            return _inner.VerifyHashedPassword(user, hashedPassword, providedPassword);
        }
    }

    protected override void Configure(IWebHostBuilder builder)
    {
        builder.UseSetting("SignIn:PermitsPerMinute", "10");
        TestClientAddress.AddTo(builder);
        builder.ConfigureServices(s => s.AddScoped<IPasswordHasher<PortalUser>, CountingHasher>());
    }

    /// <summary>A browser at <paramref name="address"/> with the sign-in form's antiforgery token.</summary>
    private async Task<(HttpClient Browser, string Token)> OpenSignInFormAsync(string address)
    {
        var browser = Portal.CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = false, HandleCookies = true });
        browser.DefaultRequestHeaders.Add(TestClientAddress.Header, address);
        return (browser, await PortalUsers.SignInFormTokenAsync(browser));
    }

    private static Task<HttpResponseMessage> SignInAsync((HttpClient Browser, string Token) form, string userName, string password) =>
        PortalUsers.PostSignInAsync(form.Browser, form.Token, userName, password);

    [Fact]
    public async Task ThirtyRapidFailedSignIns_FromOneAddress_Get429_AndLockNoOneElse()
    {
        var victim = await Portal.CreateUserAsync(UserRoles.PortfolioManager);
        var bystander = await Portal.CreateUserAsync(UserRoles.ComplianceOfficer);
        var attacker = await OpenSignInFormAsync("203.0.113.5");

        var answers = new List<HttpStatusCode>();
        for (var i = 0; i < 30; i++) answers.Add((await SignInAsync(attacker, victim, $"guess-{i}")).StatusCode);

        Assert.Equal([.. Enumerable.Repeat(HttpStatusCode.Redirect, 10), .. Enumerable.Repeat(HttpStatusCode.TooManyRequests, 20)], answers);
        Assert.Equal(HttpStatusCode.TooManyRequests, (await SignInAsync(attacker, bystander, PortalUsers.Password)).StatusCode);
        // Only the attempts that reached the form are ledger entries; the fifth wrong password locks the victim.
        Assert.Equal("locked out 6, wrong password 4", await Db.ScalarAsync("""
            SELECT string_agg(reason || ' ' || n, ', ' ORDER BY reason)
            FROM (SELECT event_data->>'reason' AS reason, count(*) AS n FROM audit_log WHERE event = 'portal_sign_in_failed' GROUP BY 1) r
            """));

        var elsewhere = await OpenSignInFormAsync("198.51.100.9");
        var signedIn = await SignInAsync(elsewhere, bystander, PortalUsers.Password);
        Assert.Equal(HttpStatusCode.Redirect, signedIn.StatusCode);
        Assert.Equal("/", signedIn.Headers.Location?.OriginalString);
    }

    [Fact]
    public async Task AnUnknownName_CostsOnePasswordCheck_AsAWrongPasswordDoes()
    {
        var user = await Portal.CreateUserAsync(UserRoles.Employee);
        var form = await OpenSignInFormAsync("192.0.2.20");

        CountingHasher.Verifications = 0;
        await SignInAsync(form, "no-such-user-" + Guid.NewGuid().ToString("N")[..6], "whatever-typed");
        var forUnknown = CountingHasher.Verifications;
        CountingHasher.Verifications = 0;
        await SignInAsync(form, user, "a-wrong-password");

        Assert.Equal(1, forUnknown);
        Assert.Equal(1, CountingHasher.Verifications);
    }

    [Fact]
    public async Task AFailedSignIn_RecordsTheTypedNameCutTo64_AndNothingOfThePassword()
    {
        var form = await OpenSignInFormAsync("192.0.2.21");
        var typed = "n" + new string('x', 300);

        var response = await SignInAsync(form, typed, "Typed-Secret-9f3a");

        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        Assert.StartsWith("/account/login?error=1", response.Headers.Location?.OriginalString);
        Assert.Equal(typed[..64], await Db.ScalarAsync("SELECT user_id FROM audit_log WHERE event = 'portal_sign_in_failed'"));
        Assert.Equal(0L, await Db.ScalarAsync("SELECT count(*) FROM audit_log WHERE event_data::text LIKE '%Typed-Secret%' OR user_id LIKE '%Typed-Secret%'"));
    }
}
