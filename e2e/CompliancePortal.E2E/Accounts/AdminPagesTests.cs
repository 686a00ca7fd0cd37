using System.Net;
using CompliancePortal.Core.Accounts;
using CompliancePortal.E2E.Infrastructure;
using CompliancePortal.Tests.Infrastructure;
using Microsoft.Playwright;

namespace CompliancePortal.E2E.Accounts;

[Collection(BrowserCollection.Name)]
public sealed class AdminPagesTests(BrowserFixture browser)
{
    [Fact]
    public async Task ApiKeys_AdminCreatesKey_ShowsItOnceAndTheKeyWorks()
    {
        var page = await browser.NewPageAsync();
        var errors = page.CollectErrors();
        await browser.SignInAsync(page, UserRoles.Admin);
        await page.GotoInteractiveAsync("/admin/keys");
        var name = "nav-engine-" + Guid.NewGuid().ToString("N")[..6];

        await page.GetByLabel("Key name (e.g. risk-engine)").FillAsync(name);
        await page.GetByTestId("key-types").ClickAsync();
        await page.GetByRole(AriaRole.Option, new() { Name = "NAV" }).ClickAsync();
        await page.Keyboard.PressAsync("Escape");
        await page.GetByTestId("create-key").ClickAsync();

        var shown = await page.GetByTestId("new-key").TextContentAsync();
        Assert.StartsWith("cpk_", shown);
        await Assertions.Expect(page.GetByTestId("keys-table")).ToContainTextAsync(name);
        await page.SaveScreenshotAsync("admin-api-keys.png");

        using var client = browser.Portal.CreateClient();
        var response = await client.PostJsonAsync("""{"log_type":"NAV","event":"nav_calculated","nav":156789.45}""", shown);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);

        await page.ReloadAsync();
        await Assertions.Expect(page.GetByTestId("new-key")).ToHaveCountAsync(0);
        Assert.Empty(errors);
    }

    [Fact]
    public async Task Users_AdminOpensPage_ListsUsersWithRoles()
    {
        var page = await browser.NewPageAsync();
        var admin = await browser.SignInAsync(page, UserRoles.Admin);
        await page.GotoInteractiveAsync("/admin/users");

        await Assertions.Expect(page.GetByTestId("users-table")).ToContainTextAsync(admin);
        await page.SaveScreenshotAsync("admin-users.png");
    }

    [Fact]
    public async Task AdminPage_OpenedByAnEmployee_IsRefused()
    {
        var page = await browser.NewPageAsync();
        await browser.SignInAsync(page, UserRoles.Employee);

        await page.GotoAsync("/admin/keys");

        await Assertions.Expect(page.GetByTestId("access-denied")).ToBeVisibleAsync();
        await Assertions.Expect(page.GetByTestId("keys-table")).ToHaveCountAsync(0);
    }
}
