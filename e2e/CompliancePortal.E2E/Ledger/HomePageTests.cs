using System.Net;
using System.Text;
using System.Text.Json;
using CompliancePortal.Core.Accounts;
using CompliancePortal.Core.Ledger;
using CompliancePortal.E2E.Infrastructure;
using CompliancePortal.Tests.Infrastructure;
using Microsoft.Playwright;

namespace CompliancePortal.E2E.Ledger;

[Collection(BrowserCollection.Name)]
public sealed class HomePageTests(BrowserFixture browser)
{
    private const string TwoTrades = """
        [
          {"timestamp":"2024-10-08T10:32:45.123456Z","log_type":"TRADE","trade_id":"TRD-2024-10-08-0001","event":"trade_executed","asset":"QQQ","action":"SELL_PUT","quantity":5,"strike":400.00,"fill_price":8.52},
          {"timestamp":"2024-10-08T10:33:02.654321Z","log_type":"TRADE","trade_id":"TRD-2024-10-08-0002","event":"trade_executed","asset":"SPY","action":"BUY_CALL","quantity":2,"strike":575.00,"fill_price":3.10}
        ]
        """;

    [Fact]
    public async Task Home_AfterTwoEventsIngested_ShowsChainHeadAndTogglesDarkMode()
    {
        var page = await browser.NewPageAsync();
        var errors = page.CollectErrors();
        await browser.SignInAsync(page, UserRoles.PortfolioManager);

        var receipts = await IngestAsync(TwoTrades);
        Assert.Equal(2, receipts.Length);
        // The portal is shared with the suite's other tests (and sign-ins are ledger entries too):
        // expect the head this test made, not a count others could move.
        Assert.Equal(receipts[0] + 1, receipts[1]);
        await page.GotoAsync("/");

        await Assertions.Expect(page.GetByTestId("head-seq")).ToHaveTextAsync($"Entries: {receipts[1]}");
        await Assertions.Expect(page.GetByText("CompliancePortal").First).ToBeVisibleAsync();

        // MudBlazor's stylesheet styles the body from the theme's palette: the colour must change.
        var toggle = page.GetByRole(AriaRole.Button, new() { Name = "toggle dark mode" });
        await Assertions.Expect(toggle).ToHaveAttributeAsync("aria-pressed", "false");
        var light = await BodyBackgroundAsync(page);
        await page.SaveScreenshotAsync("ledger-home.png");

        await toggle.ClickAsync();
        await Assertions.Expect(toggle).ToHaveAttributeAsync("aria-pressed", "true");
        await Assertions.Expect(page.Locator("body")).Not.ToHaveCSSAsync("background-color", light);

        await toggle.ClickAsync();
        await Assertions.Expect(toggle).ToHaveAttributeAsync("aria-pressed", "false");
        await Assertions.Expect(page.Locator("body")).ToHaveCSSAsync("background-color", light);

        Assert.Empty(errors);
        await page.Context.CloseAsync();
    }

    private async Task<long[]> IngestAsync(string json)
    {
        var key = await browser.Portal.CreateKeyAsync("e2e", [.. LogTypes.All]);
        using var client = browser.Portal.CreateClient();
        client.DefaultRequestHeaders.Add("X-Api-Key", key);
        var response = await client.PostAsync("/api/v1/events", new StringContent(json, Encoding.UTF8, "application/json"));
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, body);
        using var document = JsonDocument.Parse(body);
        return [.. document.RootElement.GetProperty("receipts").EnumerateArray().Select(r => r.GetProperty("seq").GetInt64())];
    }

    private static Task<string> BodyBackgroundAsync(IPage page) =>
        page.EvaluateAsync<string>("() => getComputedStyle(document.body).backgroundColor");
}
