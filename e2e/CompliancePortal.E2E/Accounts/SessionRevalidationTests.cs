using System.Text.RegularExpressions;
using CompliancePortal.Core.Accounts;
using CompliancePortal.Core.Audit;
using CompliancePortal.E2E.Infrastructure;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;

namespace CompliancePortal.E2E.Accounts;

/// <summary>#18, item 3: a user disabled while a page is open loses it without anyone reloading (SignIn:RevalidateSeconds, 2 here).</summary>
[Collection(BrowserCollection.Name)]
public sealed class SessionRevalidationTests(BrowserFixture browser)
{
    [Fact]
    public async Task AnAdminDisabledWhileOnThePage_IsSentToSignIn_AndCannotComeBack()
    {
        var page = await browser.NewPageAsync();
        var admin = await browser.SignInAsync(page, UserRoles.Admin);
        await page.GotoAsync("/admin/keys");
        await Assertions.Expect(page.GetByTestId("keys-table")).ToBeVisibleAsync();

        await using (var scope = browser.Portal.Services.CreateAsyncScope())
        {
            var user = (await scope.ServiceProvider.GetRequiredService<UserManager<PortalUser>>().FindByNameAsync(admin))!;
            Assert.Null(await scope.ServiceProvider.GetRequiredService<UserAdministration>().UpdateAsync(new Actor("root-admin"), user.Id,
                new UserChange(admin, user.DisplayName, UserRoles.Admin, null, null, IsDisabled: true)));
        }

        // The open circuit turns anonymous and sends the page to sign-in; the cookie is refused there.
        await Assertions.Expect(page).ToHaveURLAsync(new Regex("/account/login"));
        await page.GotoAsync("/admin/keys");
        await Assertions.Expect(page).ToHaveURLAsync(new Regex("/account/login"));
        await Assertions.Expect(page.GetByTestId("keys-table")).Not.ToBeVisibleAsync();
    }
}
