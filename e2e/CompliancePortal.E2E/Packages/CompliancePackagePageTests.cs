using System.IO.Compression;
using System.Security.Cryptography;
using System.Text.Json;
using CompliancePortal.Core.Accounts;
using CompliancePortal.E2E.Infrastructure;
using CompliancePortal.Tests.Infrastructure;
using CompliancePortal.Tests.Packages;
using Microsoft.Playwright;

namespace CompliancePortal.E2E.Packages;

/// <summary>
/// An auditor requests a package on /packages, watches its progress bar while a real Hangfire
/// server builds it, downloads the ZIP through the browser, and the test opens it and checks every
/// file against the manifest. This test runs its own portal (with a job server) on the suite's cluster.
/// </summary>
[Collection(BrowserCollection.Name)]
public sealed class CompliancePackagePageTests(BrowserFixture browser) : IAsyncLifetime
{
    private readonly string _archive = Path.Combine(Path.GetTempPath(), "cp-e2e-packages-" + Guid.NewGuid().ToString("N")[..8]);
    private PortalFactory _portal = null!;
    private Uri _address = null!;

    public async Task InitializeAsync()
    {
        var db = await browser.Postgres.CreateDatabaseAsync();
        _portal = new PortalFactory(db, b =>
        {
            b.UseSetting("Jobs:Server", "true");
            b.UseSetting("Archive:Folder", _archive);
        });
        _address = _portal.UseRealServer();
        // Enough records that the build takes a few seconds and its progress can be watched.
        var today = DateOnly.FromDateTime(DateTime.UtcNow);
        await PackageSeed.AppendAsync(db.Connections.App, new DateTimeOffset(today.AddDays(-2).ToDateTime(TimeOnly.MinValue), TimeSpan.Zero),
            TimeSpan.FromDays(2), 0, 60_000);
    }

    public async Task DisposeAsync()
    {
        await _portal.DisposeAsync();
        try { Directory.Delete(_archive, recursive: true); } catch (DirectoryNotFoundException) { }
    }

    [Fact]
    public async Task Auditor_RequestsAPackage_WatchesItsProgress_DownloadsTheZip_WhoseFilesMatchTheManifest()
    {
        var today = DateOnly.FromDateTime(DateTime.UtcNow);
        var auditor = await _portal.CreateUserAsync(UserRoles.Auditor, today.AddDays(-7), today);
        var context = await browser.Browser.NewContextAsync(new BrowserNewContextOptions
        {
            BaseURL = _address.ToString(),
            ViewportSize = new ViewportSize { Width = 1280, Height = 800 },
            AcceptDownloads = true,
        });
        context.SetDefaultTimeout(30_000);
        var page = await context.NewPageAsync();
        var errors = page.CollectErrors();
        await page.GotoAsync("/account/login");
        await page.GetByLabel("User name").FillAsync(auditor);
        await page.GetByLabel("Password").FillAsync(PortalUsers.Password);
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign in" }).ClickAsync();
        await Assertions.Expect(page.GetByTestId("signed-in-user")).ToHaveTextAsync(auditor);

        await page.GotoAsync("/packages");
        await Assertions.Expect(page.GetByTestId("granted-period")).ToContainTextAsync($"{today.AddDays(-7):yyyy-MM-dd}..{today:yyyy-MM-dd}");
        await page.GetByTestId("package-request").ClickAsync();

        // The progress bar appears and moves while the job builds the package.
        var progress = page.GetByTestId("package-progress");
        await Assertions.Expect(progress).ToBeVisibleAsync();
        await Assertions.Expect(page.GetByTestId("package-status")).ToContainTextAsync("Building", new() { Timeout = 30_000 });
        await page.WaitForFunctionAsync("() => Number(document.querySelector('[data-testid=package-progress]')?.getAttribute('data-percent') ?? 100) > 0",
            null, new() { Timeout = 30_000, PollingInterval = 50 });
        await page.SaveScreenshotAsync("compliance-package-progress.png");

        var downloadButton = page.GetByTestId("package-download");
        await Assertions.Expect(downloadButton).ToBeVisibleAsync(new() { Timeout = 120_000 });
        await page.SaveScreenshotAsync("compliance-packages.png");
        var download = await page.RunAndWaitForDownloadAsync(() => downloadButton.ClickAsync());
        var path = Path.Combine(_archive, "downloaded.zip");
        await download.SaveAsAsync(path);

        Assert.Matches(@"^compliance_package_\d{4}-\d{2}-\d{2}_\d{4}-\d{2}-\d{2}\.zip$", download.SuggestedFilename);
        using var zip = ZipFile.OpenRead(path);
        using var manifest = JsonDocument.Parse(zip.GetEntry("manifest.json")!.Open());
        var files = manifest.RootElement.GetProperty("files").EnumerateArray().ToList();
        // Every entry is listed but the manifest and its signature.
        Assert.Equal(zip.Entries.Count - 2, files.Count);
        Assert.NotNull(zip.GetEntry("manifest.sig"));
        foreach (var file in files)
        {
            await using var entry = zip.GetEntry(file.GetProperty("path").GetString()!)!.Open();
            Assert.Equal(file.GetProperty("sha256").GetString(), Convert.ToHexStringLower(await SHA256.HashDataAsync(entry)));
        }
        var segment = manifest.RootElement.GetProperty("ledger_segment");
        Assert.True(segment.GetProperty("entries").GetInt64() - segment.GetProperty("withheld").GetInt64() >= 60_000);
        Assert.Contains(files, f => f.GetProperty("path").GetString() == "email_archive/communications.ndjson" && f.GetProperty("records").GetInt64() == 6_000);
        Assert.Empty(errors);
        await context.CloseAsync();

        // What the auditor does next, offline: the verifier the package carries passes on the download.
        zip.GetEntry("verify_package.py")!.ExtractToFile(Path.Combine(_archive, "verify_package.py"), overwrite: true);
        var (code, output) = await VerifyAsync(Path.Combine(_archive, "verify_package.py"), path);
        Assert.True(code == 0, output);
        Assert.Contains("OK:", output, StringComparison.Ordinal);
    }

    private static async Task<(int Code, string Output)> VerifyAsync(string script, string package)
    {
        var start = new System.Diagnostics.ProcessStartInfo("python3") { RedirectStandardOutput = true, RedirectStandardError = true };
        start.ArgumentList.Add(script);
        start.ArgumentList.Add(package);
        using var process = System.Diagnostics.Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var errors = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        await process.WaitForExitAsync(timeout.Token);
        return (process.ExitCode, await output + await errors);
    }
}
