using CompliancePortal.Core.Accounts;
using CompliancePortal.E2E.Infrastructure;
using Microsoft.Playwright;

namespace CompliancePortal.E2E.Alerts;

[Collection(BrowserCollection.Name)]
public sealed class AlertsPageTests(BrowserFixture browser)
{
    [Fact]
    public async Task CircuitBreaker_AppearsOnTheOpenAlertsAndTheDashboard_AndTheOfficerAcknowledgesIt()
    {
        var officer = await browser.NewPageAsync();
        await browser.SignInAsync(officer, UserRoles.ComplianceOfficer);
        await officer.GotoAsync("/alerts");
        var trigger = "e2e-drawdown-" + Random.Shared.Next(10000, 99999);

        // Posted while the page is open: the row arrives without a reload.
        await browser.IngestAsync($$"""{"log_type": "RISK", "event": "circuit_breaker_triggered", "level": "CRITICAL", "trigger": "{{trigger}}"}""");
        var row = officer.GetByTestId("alert-table").Locator("tr", new() { HasText = trigger });
        await Assertions.Expect(row).ToContainTextAsync("trading_halted");
        await Assertions.Expect(row.GetByTestId("alert-severity")).ToHaveTextAsync("critical");
        await officer.SaveScreenshotAsync("alerts.png");

        var manager = await browser.NewPageAsync();
        await browser.SignInAsync(manager, UserRoles.PortfolioManager);
        await manager.GotoAsync("/dashboard");
        await Assertions.Expect(manager.GetByTestId("panel-alerts")).ToContainTextAsync(trigger);

        // Without a note nothing changes; with one the alert leaves the open list and shows who handled it.
        await row.GetByRole(AriaRole.Button, new() { Name = "Acknowledge" }).ClickAsync();
        await Assertions.Expect(officer.GetByTestId("ack-error")).ToContainTextAsync("note is required");
        await row.GetByLabel("What was done").FillAsync("Desk confirmed the halt; limits reviewed.");
        await row.GetByRole(AriaRole.Button, new() { Name = "Acknowledge" }).ClickAsync();
        await Assertions.Expect(row).ToHaveCountAsync(0);
        await officer.GetByText("Open only").ClickAsync();
        await Assertions.Expect(row.GetByTestId("alert-handling")).ToContainTextAsync("Desk confirmed the halt; limits reviewed.");
    }

}
