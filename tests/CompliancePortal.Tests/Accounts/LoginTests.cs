using Bunit;
using CompliancePortal.Accounts.Pages;
using CompliancePortal.Tests.Infrastructure;
using Microsoft.AspNetCore.Components;
using Microsoft.Extensions.DependencyInjection;

namespace CompliancePortal.Tests.Accounts;

/// <summary>The sign-in page: the refusal only after a failed attempt, and the return address carried into the post.</summary>
public sealed class LoginTests
{
    private static IRenderedComponent<Login> RenderAt(BunitContext ctx, string url)
    {
        ctx.Services.GetRequiredService<NavigationManager>().NavigateTo(url);
        return ctx.Render<Login>();
    }

    [Fact]
    public async Task Render_FirstVisit_ShowsNoErrorAndPostsTheReturnAddress()
    {
        await using var ctx = PortalBunit.NewContext();

        var cut = RenderAt(ctx, "/account/login?returnUrl=%2Fmaterials%2F7");

        Assert.Empty(cut.FindAll("[data-testid=signin-error]"));
        var form = cut.Find("form");
        Assert.Equal("post", form.GetAttribute("method"));
        Assert.Equal("/account/login", form.GetAttribute("action"));
        Assert.Equal("/materials/7", cut.Find("input[name=returnUrl]").GetAttribute("value"));
        Assert.Equal("password", cut.Find("input[name=password]").GetAttribute("type"));
        Assert.NotNull(cut.Find("input[name=userName]"));
    }

    [Fact]
    public async Task Render_AfterAFailedAttempt_SaysSoWithoutSayingWhichPartWasWrong()
    {
        await using var ctx = PortalBunit.NewContext();

        var cut = RenderAt(ctx, "/account/login?error=1&returnUrl=%2F");

        Assert.Equal("The user name or password is not right, or the account is locked.", cut.Find("[data-testid=signin-error]").TextContent.Trim());
        Assert.Equal("/", cut.Find("input[name=returnUrl]").GetAttribute("value"));
    }
}
