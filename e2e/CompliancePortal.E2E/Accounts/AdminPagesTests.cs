using System.Net;
using CompliancePortal.Core.Accounts;
using CompliancePortal.E2E.Infrastructure;
using CompliancePortal.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
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
        await page.GotoAsync("/admin/keys");
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
        await page.GotoAsync("/admin/users");

        await Assertions.Expect(page.GetByTestId("users-table")).ToContainTextAsync(admin);
        await page.SaveScreenshotAsync("admin-users.png");
    }

    [Fact]
    public async Task Users_TypedTheMomentThePageOpens_AreCreatedAndChangedAsTyped()
    {
        var page = await browser.NewPageAsync();
        await browser.SignInAsync(page, UserRoles.Admin);
        var name = "e2e-user-" + Random.Shared.Next(1000, 9999);

        await page.GotoAsync("/admin/users");
        await page.GetByLabel("User name").FillAsync(name);
        await page.GetByLabel("Display name").FillAsync("Dana Whitfield");
        await page.GetByLabel("Initial password").FillAsync("Correct-Horse-42");
        await page.GetByTestId("save-user").ClickAsync();

        var row = page.GetByTestId("users-table").Locator("tr", new() { HasText = name });
        await Assertions.Expect(row).ToContainTextAsync("Dana Whitfield");
        await Assertions.Expect(page.GetByLabel("User name")).ToHaveValueAsync("");   // the form is fresh for the next user
        Assert.Equal(("Dana Whitfield", UserRoles.Employee), await StoredAsync(name));

        await page.GotoAsync("/admin/users");
        await page.GetByTestId("users-table").Locator("tr", new() { HasText = name }).GetByRole(AriaRole.Button, new() { Name = "Edit" }).ClickAsync();
        // As a person does, type once the form shows the user clicked (it replaces the new-user form).
        await Assertions.Expect(page.GetByText($"Edit {name}")).ToBeVisibleAsync();
        await page.GetByLabel("Display name").FillAsync("Dana Whitfield-Ng");
        await page.GetByTestId("role").ClickAsync();
        await page.GetByRole(AriaRole.Option, new() { Name = UserRoles.PortfolioManager }).ClickAsync();
        await page.GetByTestId("save-user").ClickAsync();

        await Assertions.Expect(row).ToContainTextAsync(UserRoles.PortfolioManager);
        Assert.Equal(("Dana Whitfield-Ng", UserRoles.PortfolioManager), await StoredAsync(name));
    }

    private async Task<(string DisplayName, string? Role)> StoredAsync(string userName)
    {
        using var scope = browser.Portal.Services.CreateScope();
        var user = (await scope.ServiceProvider.GetRequiredService<UserAdministration>().ListAsync()).Single(u => u.UserName == userName);
        return (user.DisplayName, user.Role);
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
