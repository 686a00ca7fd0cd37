using CompliancePortal.Core.Accounts;
using CompliancePortal.Core.Ledger.Checkpoints;
using CompliancePortal.E2E.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;

namespace CompliancePortal.E2E.Search;

[Collection(BrowserCollection.Name)]
public sealed class AuditSearchPageTests(BrowserFixture browser)
{
    [Fact]
    public async Task Search_AssetQqqAsComplianceOfficer_OpensResultAndVerifiesIt()
    {
        var page = await browser.NewPageAsync();
        var errors = page.CollectErrors();
        await browser.SignInAsync(page, UserRoles.ComplianceOfficer);
        // A marker of this test's own events: the portal is shared with the suite's other tests.
        var run = Guid.NewGuid().ToString("N")[..8];
        await browser.IngestAsync($$"""
            [
              {"timestamp":"2024-10-08T10:32:45.123456Z","log_type":"TRADE","event":"trade_executed","trade_id":"TRD-{{run}}-1","asset":"QQQ","action":"SELL_PUT","quantity":5,"strike":400.00,"fill_price":8.52,"run":"{{run}}"},
              {"timestamp":"2024-10-08T10:33:02.654321Z","log_type":"TRADE","event":"trade_executed","trade_id":"TRD-{{run}}-2","asset":"SPY","action":"SELL_CALL","quantity":2,"strike":575.00,"fill_price":3.10,"run":"{{run}}"},
              {"timestamp":"2024-10-08T10:40:00.000000Z","log_type":"POSITION","event":"position_opened","trade_id":"TRD-{{run}}-1","asset":"QQQ","quantity":-5,"run":"{{run}}"}
            ]
            """);

        // The checkpoint job signs every 10 s; sign now so the entry page can prove this run's entries.
        var checkpoints = browser.Portal.Services.GetRequiredService<CheckpointWriter>();
        await checkpoints.CatchUpAsync();
        await checkpoints.CheckpointAsync();

        await page.GotoAsync("/search");
        await page.GetByRole(AriaRole.Button, new() { Name = "Add field filter" }).ClickAsync();
        await page.GetByLabel("Field 1", new() { Exact = true }).FillAsync("asset");
        await page.GetByLabel("Value 1", new() { Exact = true }).FillAsync("QQQ");
        await page.GetByLabel("Full text", new() { Exact = true }).FillAsync(run);
        await page.GetByRole(AriaRole.Button, new() { Name = "Search", Exact = true }).ClickAsync();

        // The query is in the URL, and the two QQQ events of this run are the result, newest first.
        await page.WaitForURLAsync(url => url.Contains("f=asset%3AQQQ") && url.Contains("q=" + run));
        var rows = page.Locator("[data-testid=results] tbody tr");
        await Assertions.Expect(rows).ToHaveCountAsync(2);
        await Assertions.Expect(page.GetByTestId("result-count")).ToHaveTextAsync("2 events");
        await Assertions.Expect(rows.Nth(0)).ToContainTextAsync("position_opened");
        await page.SaveScreenshotAsync("audit-search.png");

        // Reopening the URL shows the same results.
        var url = page.Url;
        await page.GotoAsync(url);
        await Assertions.Expect(rows).ToHaveCountAsync(2);

        await rows.Nth(1).GetByRole(AriaRole.Link).ClickAsync();
        await page.WaitForURLAsync(u => u.Contains("/events/"));
        await Assertions.Expect(page.GetByTestId("current-hash")).ToHaveTextAsync(new System.Text.RegularExpressions.Regex("^[0-9a-f]{64}$"));
        await Assertions.Expect(page.GetByTestId("event-json")).ToContainTextAsync("\"strike\": 400.00");
        await Assertions.Expect(page.GetByTestId("related")).ToContainTextAsync("position_opened");
        await page.GetByTestId("verify-entry").ClickAsync();
        await Assertions.Expect(page.GetByTestId("verify-result")).ToContainTextAsync("Verified");
        await Assertions.Expect(page.GetByTestId("inclusion-result")).ToContainTextAsync("In the signed checkpoint");
        await page.SaveScreenshotAsync("event-detail.png");

        Assert.Empty(errors);
        await page.Context.CloseAsync();
    }
}
