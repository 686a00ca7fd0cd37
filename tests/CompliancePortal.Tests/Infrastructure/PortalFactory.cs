using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace CompliancePortal.Tests.Infrastructure;

/// <summary>
/// The real portal (Program) on a test database, with the demo source off and the file log and
/// the (local) archive store in temporary folders. <see cref="UseRealServer"/> puts it on Kestrel at a real loopback port
/// (for browsers and SignalR clients); otherwise requests go through the in-memory test server.
/// </summary>
public sealed class PortalFactory(TestDatabase database, Action<IWebHostBuilder>? configure = null) : WebApplicationFactory<Program>
{
    public const string ApiKey = "test-key-all-types";

    public string FileLogFolder { get; } = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "cp-filelog-" + Guid.NewGuid().ToString("N")[..8]);

    /// <summary>The archive store's folder (Archive:Kind Local): per factory, never the repository's .data/archive.</summary>
    public string ArchiveFolder { get; } = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "cp-archive-" + Guid.NewGuid().ToString("N")[..8]);

    public TestDatabase Database => database;

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseContentRoot(RepositoryRoot.Path);
        builder.UseSetting("ConnectionStrings:Portal", database.Connections.App);
        builder.UseSetting("Demo:Enabled", "false");
        // Every test user signs in from one address; SignInTests sets the real limit.
        builder.UseSetting("SignIn:PermitsPerMinute", "100000");
        // No Hangfire server per test host (jobs are run directly by the tests that need them).
        builder.UseSetting("Jobs:Server", "false");
        builder.UseSetting("Demo:ApiKey", ApiKey);
        builder.UseSetting("Checkpoints:SigningKey", TestSigningKey.Private);
        builder.UseSetting("FileLog:Folder", FileLogFolder);
        builder.UseSetting("Archive:Folder", ArchiveFolder);
        builder.UseSetting("Urls", "http://127.0.0.1:0");
        configure?.Invoke(builder);
    }

    public IServiceProvider ServicesAfterStart => Services;

    /// <summary>Stops the portal, then removes its file log and archive folders (one per factory; they piled up in /tmp).</summary>
    public override async ValueTask DisposeAsync()
    {
        await base.DisposeAsync();
        foreach (var folder in new[] { FileLogFolder, ArchiveFolder })
        {
            try { Directory.Delete(folder, recursive: true); }
            catch (DirectoryNotFoundException) { }
            catch (IOException) { }
            catch (UnauthorizedAccessException) { }
        }
    }

    /// <summary>
    /// Starts the portal on Kestrel at a free loopback port and returns its base address
    /// (http://127.0.0.1:port/). Call before anything else touches the factory; clients made by
    /// <c>CreateClient</c> afterwards talk to the same real server.
    /// </summary>
    public Uri UseRealServer()
    {
        UseKestrel(0);
        StartServer();
        return ClientOptions.BaseAddress;
    }
}

public static class PortalFactoryExtensions
{
    /// <summary>Stores an API key with the given grants (as the Admin page would) and returns it.</summary>
    public static async Task<string> CreateKeyAsync(this PortalFactory factory, string name, string[] logTypes, bool canVerify = false)
    {
        var key = "test-" + name + "-" + Guid.NewGuid().ToString("N")[..8];
        var store = factory.Services.GetRequiredService<CompliancePortal.Core.ApiKeys.ApiKeyStore>();
        await store.UpsertAsync(name, key, logTypes, canVerify, CancellationToken.None);
        return key;
    }
}

public static class PortalUsers
{
    public const string Password = "Test-Password-2026";

    /// <summary>Creates a portal user in one role (as the Admin page would) and returns its user name.</summary>
    public static async Task<string> CreateUserAsync(this PortalFactory factory, string role, DateOnly? auditFrom = null, DateOnly? auditTo = null)
    {
        var name = $"{role.ToLowerInvariant()}-{Guid.NewGuid().ToString("N")[..6]}";
        await using var scope = factory.Services.CreateAsyncScope();
        var users = scope.ServiceProvider.GetRequiredService<Microsoft.AspNetCore.Identity.UserManager<CompliancePortal.Core.Accounts.PortalUser>>();
        var user = new CompliancePortal.Core.Accounts.PortalUser { UserName = name, DisplayName = name, AuditFrom = auditFrom, AuditTo = auditTo };
        var created = await users.CreateAsync(user, Password);
        if (!created.Succeeded) throw new InvalidOperationException(string.Join("; ", created.Errors.Select(e => e.Description)));
        await users.AddToRoleAsync(user, role);
        return name;
    }

    /// <summary>An HTTP client signed in through the real sign-in form (antiforgery token and cookie included).</summary>
    public static async Task<HttpClient> SignedInClientAsync(this PortalFactory factory, string userName)
    {
        var client = factory.CreateClient(new Microsoft.AspNetCore.Mvc.Testing.WebApplicationFactoryClientOptions { AllowAutoRedirect = false, HandleCookies = true });
        var response = await PostSignInAsync(client, await SignInFormTokenAsync(client), userName, Password);
        if (response.StatusCode != System.Net.HttpStatusCode.Redirect || response.Headers.Location?.OriginalString != "/")
            throw new InvalidOperationException($"sign-in as {userName} failed: {(int)response.StatusCode} {response.Headers.Location}");
        // What a program using the cookie APIs sends (Security/CrossSiteGuard.cs); CrossSiteTests leave it out.
        client.DefaultRequestHeaders.Add("X-Requested-With", "XMLHttpRequest");
        return client;
    }

    /// <summary>Opens the sign-in page as a browser does and returns its form's antiforgery token (the client keeps the cookie).</summary>
    public static async Task<string> SignInFormTokenAsync(HttpClient client)
    {
        var form = await client.GetStringAsync("/account/login");
        return System.Text.RegularExpressions.Regex.Match(form, "name=\"__RequestVerificationToken\" value=\"([^\"]+)\"").Groups[1].Value;
    }

    /// <summary>Submits the sign-in form.</summary>
    public static Task<HttpResponseMessage> PostSignInAsync(HttpClient client, string token, string userName, string password, string returnUrl = "/") =>
        client.PostAsync("/account/login", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["userName"] = userName,
            ["password"] = password,
            ["returnUrl"] = returnUrl,
            ["__RequestVerificationToken"] = token,
        }));
}
