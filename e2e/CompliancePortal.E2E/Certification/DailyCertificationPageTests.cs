using CompliancePortal.Core.Accounts;
using CompliancePortal.E2E.Infrastructure;
using Microsoft.Playwright;

namespace CompliancePortal.E2E.Certification;

[Collection(BrowserCollection.Name)]
public sealed class DailyCertificationPageTests(BrowserFixture browser)
{
    [Fact]
    public async Task Officer_GeneratesTheBlotter_CertifiesADay_AndItShowsAsCertified()
    {
        // The last finished business day (UTC); the portal is shared, so only this test's trades are asserted on.
        var day = DateOnly.FromDateTime(DateTime.UtcNow).AddDays(-1);
        while (day.DayOfWeek is DayOfWeek.Saturday or DayOfWeek.Sunday) day = day.AddDays(-1);
        var run = Guid.NewGuid().ToString("N")[..8];
        await browser.IngestAsync($$"""
            [
              {"timestamp":"{{day:yyyy-MM-dd}}T10:32:45.123456Z","log_type":"TRADE","event":"trade_executed","trade_id":"TRD-{{run}}-1","asset":"QQQ","action":"SELL_PUT","quantity":5,"fill_price":8.52,"commission":3.25,"broker":"alpaca"},
              {"timestamp":"{{day:yyyy-MM-dd}}T16:15:00.000000Z","log_type":"NAV","event":"nav_calculated","nav":156789.45}
            ]
            """);
        var page = await browser.NewPageAsync();
        var errors = page.CollectErrors();
        var officer = await browser.SignInAsync(page, UserRoles.ComplianceOfficer);

        await page.GotoAsync("/certification");
        var row = page.GetByTestId("open-days").GetByTestId($"day-{day:yyyy-MM-dd}");
        await Assertions.Expect(row).ToContainTextAsync("Open");
        await row.GetByRole(AriaRole.Link).ClickAsync();
        await page.WaitForURLAsync(url => url.EndsWith($"/certification/{day:yyyy-MM-dd}"));

        // Without a blotter the trades cannot be reconciled: the page says so and offers to generate it.
        await Assertions.Expect(page.GetByTestId("blotter-state")).ToHaveTextAsync("not generated");
        await Assertions.Expect(page.GetByTestId("certify")).ToBeDisabledAsync();
        await page.GetByTestId("generate-blotter").ClickAsync();
        await Assertions.Expect(page.GetByTestId("blotter-state")).ToContainTextAsync("matches");
        await Assertions.Expect(page.GetByTestId("nav-calculated")).ToHaveTextAsync("yes");
        await Assertions.Expect(page.GetByTestId("chain-verified")).ToContainTextAsync("yes");

        await page.GetByLabel("Note (required when there are exceptions)").FillAsync("Reviewed with the trading desk " + run);
        await page.GetByTestId("certify").ClickAsync();
        await Assertions.Expect(page.GetByTestId("certified")).ToContainTextAsync($"Certified by {officer}");
        await Assertions.Expect(page.GetByTestId("certified")).ToContainTextAsync("complete and accurate");
        await page.SaveScreenshotAsync("certification-day.png");

        await page.GotoAsync("/certification");
        await Assertions.Expect(page.GetByTestId("certified-days").GetByTestId($"day-{day:yyyy-MM-dd}")).ToContainTextAsync($"Certified by {officer}");
        await Assertions.Expect(page.GetByTestId("open-days").GetByTestId($"day-{day:yyyy-MM-dd}")).ToHaveCountAsync(0);
        await page.SaveScreenshotAsync("certification-days.png");

        // The generated blotter is listed for download with its hash.
        await page.GotoAsync("/blotters");
        await Assertions.Expect(page.GetByTestId($"blotter-{day:yyyy-MM-dd}")).ToContainTextAsync("Download CSV");
        await page.SaveScreenshotAsync("trade-blotters.png");

        Assert.Empty(errors);
        await page.Context.CloseAsync();
    }

}
