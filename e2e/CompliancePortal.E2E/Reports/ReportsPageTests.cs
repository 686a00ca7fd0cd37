using CompliancePortal.Core.Accounts;
using CompliancePortal.E2E.Infrastructure;
using Microsoft.Playwright;

namespace CompliancePortal.E2E.Reports;

[Collection(BrowserCollection.Name)]
public sealed class ReportsPageTests(BrowserFixture browser)
{
    [Fact]
    public async Task PortfolioManager_SeesTodaysTradesByAsset_AndARiskEventInTheHistory()
    {
        var asset = "E2E" + Random.Shared.Next(10000, 99999);
        var trigger = "e2e-report-" + Random.Shared.Next(10000, 99999);
        await browser.IngestAsync(
            $$"""{"log_type": "TRADE", "event": "trade_executed", "trade_id": "T-{{asset}}", "asset": "{{asset}}", "action": "SELL_CALL", "premium_collected": 125.5, "slippage_pct": 0.004}""",
            $$"""{"log_type": "RISK", "event": "circuit_breaker_triggered", "level": "CRITICAL", "trigger": "{{trigger}}", "action_taken": "halt_new_orders"}""");
        var page = await browser.NewPageAsync();
        await browser.SignInAsync(page, UserRoles.PortfolioManager);

        // Opens on the latest business day; today's trades show when today is one, so pick today explicitly.
        await page.GotoAsync("/reports");
        await page.GetByLabel("Day (UTC)").FillAsync(DateTime.UtcNow.ToString("yyyy-MM-dd"));
        await page.GetByTestId("summary-show").ClickAsync();
        var row = page.GetByTestId("summary-table").Locator("tr", new() { HasText = asset });
        await Assertions.Expect(row).ToContainTextAsync("SELL_CALL");
        await Assertions.Expect(row).ToContainTextAsync("125.50");
        await page.SaveScreenshotAsync("reports.png");

        await page.GetByRole(AriaRole.Tab, new() { Name = "Risk event history" }).ClickAsync();
        var risk = page.GetByTestId("risk-table").Locator("tr", new() { HasText = trigger });
        await Assertions.Expect(risk).ToContainTextAsync("circuit_breaker_triggered");
        await Assertions.Expect(risk).ToContainTextAsync("halt_new_orders");
    }

}
