using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using CompliancePortal.Core.Accounts;
using CompliancePortal.Core.Dashboard;
using CompliancePortal.Core.Ledger;
using CompliancePortal.Demo;
using CompliancePortal.E2E.Infrastructure;
using CompliancePortal.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;

namespace CompliancePortal.E2E.LiveFeed;

[Collection(BrowserCollection.Name)]
public sealed class LiveFeedPageTests(BrowserFixture browser)
{
    [Fact]
    public async Task Feed_WhenTradeIsPosted_ShowsItLiveAndDashboardShowsPanels()
    {
        var page = await browser.NewPageAsync();
        var errors = page.CollectErrors();
        await browser.SignInAsync(page, UserRoles.PortfolioManager);
        var key = await browser.Portal.CreateKeyAsync("e2e-feed", [.. LogTypes.All]);
        await PostAsync(key, RecentHourOfDemoEvents(240));

        await page.GotoAsync("/feed");
        var rows = page.GetByTestId("feed-row");
        await Assertions.Expect(rows.First).ToBeVisibleAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Live trade feed" })).ToBeVisibleAsync();

        var tradeId = $"TRD-E2E-{Guid.NewGuid().ToString("N")[..6].ToUpperInvariant()}";
        await PostAsync(key, new JsonArray(new JsonObject
        {
            ["timestamp"] = CanonicalEntry.FormatTime(DateTimeOffset.UtcNow),
            ["log_type"] = "TRADE", ["event"] = "trade_executed", ["level"] = "INFO", ["trade_id"] = tradeId,
            ["asset"] = "QQQ", ["action"] = "SELL_PUT", ["quantity"] = 5, ["limit_price"] = 8.50, ["fill_price"] = 8.52,
            ["slippage_pct"] = 0.0024,
        }));

        // No reload: the row arrives over the page's circuit, on top and highlighted.
        var newest = rows.First;
        await Assertions.Expect(newest.Locator("[data-field=trade_id]")).ToHaveTextAsync(tradeId);
        await Assertions.Expect(newest).ToHaveClassAsync(new System.Text.RegularExpressions.Regex("feed-row-new"));
        await Assertions.Expect(newest.Locator("[data-field=slippage_pct]")).ToHaveTextAsync("0.24 %");
        await page.SaveScreenshotAsync("live-feed.png");

        await page.GotoAsync("/dashboard");
        await Assertions.Expect(page.GetByTestId("latency-summary")).ToContainTextAsync("p50");
        // The shared portal may hold alerts of other tests by now: the panel is there either way (AlertsPageTests checks its rows).
        await Assertions.Expect(page.GetByTestId("panel-alerts")).ToContainTextAsync("Recent alerts");
        await Assertions.Expect(page.GetByTestId("panel-feed").GetByTestId("feed-row").First).ToBeVisibleAsync();
        await Assertions.Expect(page.GetByTestId("success-window")).ToContainTextAsync("executed");
        await Assertions.Expect(page.Locator(".mud-chart svg").First).ToBeVisibleAsync();
        await page.SaveScreenshotAsync("dashboard.png");

        // The panels recompute as entries commit (throttled to one refresh per 2 s), without a reload.
        // The window ends now and starts on a bucket boundary, so other tests' older errors can leave
        // it meanwhile: the page must come to show what the metrics count now, our new error included.
        var errorsBefore = int.Parse((await page.GetByTestId("error-total").InnerTextAsync()).Split(' ')[0]);
        await PostAsync(key, new JsonArray(new JsonObject
        {
            ["timestamp"] = CanonicalEntry.FormatTime(DateTimeOffset.UtcNow),
            ["log_type"] = "RISK", ["event"] = "circuit_breaker_triggered", ["level"] = "CRITICAL",
        }));
        var metrics = browser.Portal.Services.GetRequiredService<TradingMetrics>();
        var shown = -1L;
        var counted = -2L;
        for (var tries = 0; tries < 60 && shown != counted; tries++)
        {
            if (tries > 0) await Task.Delay(250);
            counted = (await metrics.GetAsync(MetricsWindow.Ending(DateTimeOffset.UtcNow, TimeSpan.FromHours(1), TimeSpan.FromMinutes(5)))).Errors;
            shown = long.Parse((await page.GetByTestId("error-total").InnerTextAsync()).Split(" ")[0]);
        }
        Assert.Equal(counted, shown);
        Assert.True(shown >= 1 && (shown > errorsBefore || counted <= errorsBefore), $"shown {shown}, before {errorsBefore}");

        Assert.Empty(errors);
        await page.Context.CloseAsync();
    }

    [Fact]
    public async Task Feed_AsEmployee_IsNotShown()
    {
        var page = await browser.NewPageAsync();
        await browser.SignInAsync(page, UserRoles.Employee);

        await page.GotoAsync("/feed");

        await Assertions.Expect(page.GetByTestId("access-denied")).ToBeVisibleAsync();
        Assert.Equal(0, await page.GetByTestId("feed-table").CountAsync());
        await page.Context.CloseAsync();
    }

    /// <summary>The demo desk's mix (trades, failed trades, API calls, risk, NAV…) spread over the last hour.</summary>
    private static JsonArray RecentHourOfDemoEvents(int count)
    {
        var demo = new DemoEvents(seed: 20241008);
        var start = DateTimeOffset.UtcNow.AddMinutes(-59);
        var run = Guid.NewGuid().ToString("N")[..8];
        var events = new JsonArray();
        for (var i = 0; i < count; i++)
        {
            var e = demo.Next(start + TimeSpan.FromMinutes(59.0 * i / count));
            e["event_id"] = $"e2e-{run}-{i}";
            events.Add(e);
        }
        return events;
    }

    private async Task PostAsync(string key, JsonArray events)
    {
        using var client = browser.Portal.CreateClient();
        client.DefaultRequestHeaders.Add("X-Api-Key", key);
        var response = await client.PostAsync("/api/v1/events", new StringContent(events.ToJsonString(), Encoding.UTF8, "application/json"));
        Assert.True(response.StatusCode == HttpStatusCode.OK, await response.Content.ReadAsStringAsync());
    }
}
