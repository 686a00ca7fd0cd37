using CompliancePortal.Core.Accounts;
using CompliancePortal.E2E.Infrastructure;
using Microsoft.Playwright;

namespace CompliancePortal.E2E.Retention;

[Collection(BrowserCollection.Name)]
public sealed class RetentionPageTests(BrowserFixture browser)
{
    [Fact]
    public async Task Officer_PlacesAndReleasesAHold_AdminSeesSettingsAndHoldsReadOnly()
    {
        var officer = await browser.NewPageAsync();
        await browser.SignInAsync(officer, UserRoles.ComplianceOfficer);
        await officer.GotoAsync("/retention");
        var matter = "SEC inquiry " + Random.Shared.Next(1000, 9999);

        // Without a reason the hold is refused and nothing is listed.
        await officer.GetByTestId("hold-place").ClickAsync();
        await Assertions.Expect(officer.GetByTestId("hold-error")).ToContainTextAsync("reason");

        await officer.GetByLabel("Asset (optional)").FillAsync("qqq");
        await officer.GetByLabel("Reason (matter, request or case)").FillAsync(matter);
        await officer.GetByTestId("hold-place").ClickAsync();
        var row = officer.GetByTestId("hold-table").Locator("tr", new() { HasText = matter });
        await Assertions.Expect(row).ToContainTextAsync("asset QQQ");
        await Assertions.Expect(row).ToContainTextAsync("in force");
        await Assertions.Expect(officer.GetByTestId("retention-settings")).ToContainTextAsync("730 days, then archive only");
        await officer.EvaluateAsync("window.scrollTo(0, 0)");
        await officer.SaveScreenshotAsync("retention.png");

        var admin = await browser.NewPageAsync();
        await browser.SignInAsync(admin, UserRoles.Admin);
        await admin.GotoAsync("/retention");
        await Assertions.Expect(admin.GetByTestId("retention-settings")).ToContainTextAsync("COMPLIANCE");
        await Assertions.Expect(admin.GetByTestId("hold-table").Locator("tr", new() { HasText = matter })).ToBeVisibleAsync();
        await Assertions.Expect(admin.GetByTestId("hold-place")).ToHaveCountAsync(0);
        await Assertions.Expect(admin.GetByRole(AriaRole.Button, new() { Name = "Release" })).ToHaveCountAsync(0);

        await row.GetByLabel("Why release").FillAsync("inquiry closed");
        await row.GetByRole(AriaRole.Button, new() { Name = "Release" }).ClickAsync();
        await Assertions.Expect(row).ToContainTextAsync("inquiry closed");
        await Assertions.Expect(row).Not.ToContainTextAsync("in force");
    }
}
