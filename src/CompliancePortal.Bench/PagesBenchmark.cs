using System.Globalization;
using System.Text.Json;
using CompliancePortal.Demo;
using Microsoft.Extensions.Options;
using Microsoft.Playwright;

namespace CompliancePortal.Bench;

/// <summary>
/// <c>bench pages [--loads N]</c>: the portal on the embedded default (its own cluster under
/// .data/bench-pages, the demo stream running), each main page opened N times in Chromium as the
/// demo user of the role that works there. Per page it prints the time from navigation to the first
/// contentful paint and to interactive (the circuit has rendered the layout, so every control works),
/// p50 and p95; the baseline, measured in the same run, is the sign-in page, which is server-rendered
/// and needs no circuit. The last line printed is one JSON object.
/// </summary>
public static class PagesBenchmark
{
    private const string Chromium = "/usr/bin/chromium";

    /// <summary>The pages people open most, each as the demo user who works there.</summary>
    private static readonly (string Path, string User)[] Pages =
    [
        ("/", "cco"), ("/preclearance", "employee"), ("/preclearance/queue", "cco"), ("/restricted-list", "cco"),
        ("/materials", "employee"), ("/feed", "pm"), ("/dashboard", "pm"), ("/reports", "pm"), ("/search", "cco"),
        ("/blotters", "cco"), ("/positions", "cco"), ("/packages", "auditor"), ("/compliance-log", "cco"),
        ("/certification", "cco"), ("/alerts", "cco"), ("/retention", "cco"), ("/admin/users", "admin"), ("/admin/keys", "admin"),
    ];

    /// <summary>Records when the layout the circuit renders appears (its data-interactive="true").</summary>
    private const string WatchInteractive = """
        new MutationObserver((_, observer) => {
          if (document.querySelector('[data-interactive=true]')) { window.__cpInteractive = performance.now(); observer.disconnect(); }
        }).observe(document, { subtree: true, childList: true, attributes: true });
        """;

    private const string ReadTimes = """
        () => [performance.getEntriesByName('first-contentful-paint')[0]?.startTime ?? -1, window.__cpInteractive ?? -1]
        """;

    public sealed record PageTiming(string Path, double FcpP50, double FcpP95, double InteractiveP50, double InteractiveP95);

    public static async Task<int> RunAsync(string[] args)
    {
        var loads = 10;
        var usable = args switch
        {
            [] => true,
            ["--loads", var n] => int.TryParse(n, NumberStyles.None, CultureInfo.InvariantCulture, out loads) && loads >= 1,
            _ => false,
        };
        if (!usable)
        {
            Console.Error.WriteLine("usage: bench pages [--loads N (10)]");
            return 64;
        }
        if (!File.Exists(Chromium))
        {
            Console.Error.WriteLine($"bench pages needs Chromium at {Chromium} (apt-get install -y chromium)");
            return 69;
        }
        var folder = Path.Combine(Directory.GetCurrentDirectory(), ".data", "bench-pages");
        await using var app = await PortalApp.BuildAsync(
        [
            $"--Embedded:Folder={Path.Combine(folder, "pg")}",
            $"--Archive:Folder={Path.Combine(folder, "archive")}",
            $"--FileLog:Folder={Path.Combine(folder, "filelog")}",
            "--Urls=http://127.0.0.1:0",
            "--Logging:LogLevel:Default=Warning",
        ]);
        await app.StartAsync();
        try
        {
            var address = app.Urls.First();
            var password = app.Services.GetRequiredService<IOptions<DemoOptions>>().Value.Password;
            using var playwright = await Playwright.CreateAsync();
            await using var browser = await playwright.Chromium.LaunchAsync(new()
            {
                ExecutablePath = Chromium,
                Headless = true,
                Args = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run"],
            });
            var contexts = new Dictionary<string, IBrowserContext>();
            foreach (var user in Pages.Select(p => p.User).Distinct())
                contexts[user] = await SignedInAsync(browser, address, user, password);

            Console.WriteLine($"pages on {address} (embedded default, demo running), {loads} loads each after one not counted; ms from navigation start");
            Console.WriteLine($"{"page",-26} {"fcp p50",9} {"fcp p95",9} {"interactive p50",16} {"interactive p95",16}");
            var baseline = await TimeAsync(await browser.NewContextAsync(new() { BaseURL = address }), "/account/login", loads, interactive: false);
            Console.WriteLine(string.Format(CultureInfo.InvariantCulture, "{0,-26} {1,9:F0} {2,9:F0} {3,16} {4,16}",
                "/account/login (baseline)", baseline.FcpP50, baseline.FcpP95, "no circuit", "no circuit"));
            var timings = new List<PageTiming>();
            foreach (var (path, user) in Pages)
            {
                var timing = await TimeAsync(contexts[user], path, loads, interactive: true);
                timings.Add(timing);
                Print(timing);
            }
            var worst = timings.MaxBy(t => t.InteractiveP95)!;
            Console.WriteLine($"goal p95 to interactive < 1000 ms: {(worst.InteractiveP95 < 1000 ? "met" : "missed")} (slowest {worst.Path}, {worst.InteractiveP95:F0} ms)");
            Console.WriteLine(JsonSerializer.Serialize(new Dictionary<string, object>
            {
                ["loads"] = loads,
                ["baseline_login_fcp_p95_ms"] = Math.Round(baseline.FcpP95, 1),
                ["pages"] = timings.Select(t => new Dictionary<string, object>
                {
                    ["path"] = t.Path,
                    ["fcp_p50_ms"] = Math.Round(t.FcpP50, 1), ["fcp_p95_ms"] = Math.Round(t.FcpP95, 1),
                    ["interactive_p50_ms"] = Math.Round(t.InteractiveP50, 1), ["interactive_p95_ms"] = Math.Round(t.InteractiveP95, 1),
                }).ToList(),
            }));
            foreach (var context in contexts.Values) await context.CloseAsync();
            return 0;
        }
        finally
        {
            await app.StopAsync();
        }
    }

    private static void Print(PageTiming t) => Console.WriteLine(string.Format(CultureInfo.InvariantCulture,
        "{0,-26} {1,9:F0} {2,9:F0} {3,16:F0} {4,16:F0}", t.Path, t.FcpP50, t.FcpP95, t.InteractiveP50, t.InteractiveP95));

    private static async Task<IBrowserContext> SignedInAsync(IBrowser browser, string address, string user, string password)
    {
        var context = await browser.NewContextAsync(new() { BaseURL = address });
        var page = await context.NewPageAsync();
        await page.GotoAsync("/account/login");
        await page.GetByLabel("User name").FillAsync(user);
        await page.GetByLabel("Password").FillAsync(password);
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign in" }).ClickAsync();
        await page.WaitForSelectorAsync("[data-interactive=true]");
        await page.CloseAsync();
        return context;
    }

    /// <summary>One load not counted (JIT, caches), then <paramref name="loads"/> full loads, each a new page (a new circuit).</summary>
    private static async Task<PageTiming> TimeAsync(IBrowserContext context, string path, int loads, bool interactive)
    {
        var fcp = new List<double>();
        var ready = new List<double>();
        for (var i = 0; i <= loads; i++)
        {
            var page = await context.NewPageAsync();
            await page.AddInitScriptAsync(WatchInteractive);
            await page.GotoAsync(path);
            if (interactive) await page.WaitForSelectorAsync("[data-interactive=true]");
            // The paint entry is queued after the paint itself.
            await page.WaitForFunctionAsync("() => performance.getEntriesByName('first-contentful-paint').length > 0");
            var times = await page.EvaluateAsync<double[]>(ReadTimes);
            await page.CloseAsync();
            if (i == 0) continue;
            fcp.Add(times[0]);
            if (interactive) ready.Add(times[1]);
        }
        return new PageTiming(path, Percentile.NearestRank(fcp, 0.50), Percentile.NearestRank(fcp, 0.95),
            Percentile.NearestRank(ready, 0.50), Percentile.NearestRank(ready, 0.95));
    }
}
