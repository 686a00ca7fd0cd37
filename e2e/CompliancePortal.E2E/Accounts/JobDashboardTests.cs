using CompliancePortal.Core.Accounts;
using CompliancePortal.E2E.Infrastructure;
using Microsoft.Playwright;

namespace CompliancePortal.E2E.Accounts;

[Collection(BrowserCollection.Name)]
public sealed class JobDashboardTests(BrowserFixture browser)
{
    [Fact]
    public async Task JobDashboard_AdminTriggersLedgerVerification_JobIsEnqueued()
    {
        var page = await browser.NewPageAsync();
        await browser.SignInAsync(page, UserRoles.Admin);

        await page.GotoAsync("/admin/jobs/recurring");
        var row = page.Locator("tr", new() { HasText = "ledger-verification" });
        await row.Locator("input[type=checkbox]").CheckAsync();
        var trigger = await page.RunAndWaitForResponseAsync(() => page.GetByRole(AriaRole.Button, new() { Name = "Trigger now" }).ClickAsync(),
            r => r.Url.Contains("/recurring/trigger"));
        Assert.True(trigger.Ok, $"trigger answered {trigger.Status}");
        // Hangfire's page then reloads itself (which clears the selection): wait for that before leaving.
        await Assertions.Expect(row.Locator("input[type=checkbox]")).Not.ToBeCheckedAsync();
        await page.SaveScreenshotAsync("admin-jobs.png");

        // The test host runs no Hangfire server, so the triggered job waits in the queue.
        await page.GotoAsync("/admin/jobs/jobs/enqueued");
        await page.Locator("table a", new() { HasTextRegex = new System.Text.RegularExpressions.Regex("^#\\d+$") }).First.ClickAsync();
        await Assertions.Expect(page.Locator("body")).ToContainTextAsync("LedgerVerificationJob");
    }
}
