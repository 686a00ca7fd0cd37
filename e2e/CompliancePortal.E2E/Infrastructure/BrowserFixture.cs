using CompliancePortal.Core.Ledger;
using CompliancePortal.Tests.Infrastructure;
using Microsoft.Playwright;

namespace CompliancePortal.E2E.Infrastructure;

/// <summary>
/// One Debian chromium and one real portal for the whole browser suite: a private PostgreSQL
/// cluster (the tests project's <see cref="PostgresFixture"/>), one fresh database, and the portal
/// on Kestrel at http://127.0.0.1:port. Tests share the portal, so they assert on what they
/// wrote themselves, not on absolute counts another test could change.
/// </summary>
public sealed class BrowserFixture : IAsyncLifetime
{
    // Debian's chromium, not a Playwright download: no `playwright install` is possible here.
    private const string Chromium = "/usr/bin/chromium";

    private readonly PostgresFixture _postgres = new();
    private IPlaywright? _playwright;
    private IBrowser? _browser;
    private PortalFactory? _portal;

    public PortalFactory Portal => _portal ?? throw new InvalidOperationException("portal not started");

    /// <summary>The suite's cluster, for tests that need a portal of their own (e.g. with a job server).</summary>
    public PostgresFixture Postgres => _postgres;

    public IBrowser Browser => _browser ?? throw new InvalidOperationException("browser not started");

    /// <summary>The portal's real address, e.g. http://127.0.0.1:41234/.</summary>
    public Uri BaseAddress { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        if (!File.Exists(Chromium))
            throw new InvalidOperationException($"{Chromium} is missing: apt-get install -y chromium (tests/run.sh does this)");

        // Expectations poll up to 15 s (default 5 s): on a loaded 2-core machine a live update can lag.
        Assertions.SetDefaultExpectTimeout(15_000);
        // The cluster and the browser start independently; overlap them.
        var postgres = _postgres.InitializeAsync();
        _playwright = await Playwright.CreateAsync();
        var browser = _playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = Chromium,
            Headless = true,
            // --no-sandbox: chromium refuses to start as root otherwise.
            Args = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run"],
        });
        await postgres;
        // Sessions are checked every 2 s (30 in production), so SessionRevalidationTests need not wait long.
        _portal = new PortalFactory(await _postgres.CreateDatabaseAsync(), b => b.UseSetting("SignIn:RevalidateSeconds", "2"));
        BaseAddress = _portal.UseRealServer();
        _browser = await browser;
    }

    /// <summary>A page in its own browser context (own cookies, own circuit), addressed relative to the portal.</summary>
    public async Task<IPage> NewPageAsync()
    {
        var context = await Browser.NewContextAsync(new BrowserNewContextOptions
        {
            BaseURL = BaseAddress.ToString(),
            ViewportSize = new ViewportSize { Width = 1280, Height = 800 },
        });
        // Generous: CI machines have 2 cores shared by the portal, PostgreSQL and chromium.
        context.SetDefaultTimeout(30_000);
        return await context.NewPageAsync();
    }

    public async Task DisposeAsync()
    {
        if (_browser is not null) await _browser.CloseAsync();
        _playwright?.Dispose();
        if (_portal is not null) await _portal.DisposeAsync();
        await _postgres.DisposeAsync();
    }
}

[CollectionDefinition(Name)]
public sealed class BrowserCollection : ICollectionFixture<BrowserFixture>
{
    public const string Name = "browser";
}

public static class BrowserSignIn
{
    /// <summary>Creates a user in <paramref name="role"/> and signs the page in through the sign-in form.</summary>
    public static async Task<string> SignInAsync(this BrowserFixture browser, IPage page, string role)
    {
        var userName = await browser.Portal.CreateUserAsync(role);
        await page.GotoAsync("/account/login");
        await page.GetByLabel("User name").FillAsync(userName);
        await page.GetByLabel("Password").FillAsync(PortalUsers.Password);
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign in" }).ClickAsync();
        await Assertions.Expect(page.GetByTestId("signed-in-user")).ToHaveTextAsync(userName);
        return userName;
    }
}

public static class BrowserIngest
{
    /// <summary>
    /// Posts to the portal's ingest API with a new key for every log type: one body (a JSON object
    /// or array) as JSON, several objects as NDJSON. Fails the test unless all are stored.
    /// </summary>
    public static async Task IngestAsync(this BrowserFixture browser, params string[] events)
    {
        var key = await browser.Portal.CreateKeyAsync("e2e-" + Guid.NewGuid().ToString("N")[..8], [.. LogTypes.All]);
        using var client = browser.Portal.CreateClient();
        client.DefaultRequestHeaders.Add("X-Api-Key", key);
        var body = new StringContent(string.Join("\n", events), System.Text.Encoding.UTF8,
            events.Length == 1 ? "application/json" : "application/x-ndjson");
        var response = await client.PostAsync("/api/v1/events", body);
        Assert.True(response.StatusCode == System.Net.HttpStatusCode.OK, await response.Content.ReadAsStringAsync());
    }
}
