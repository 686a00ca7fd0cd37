using Bunit;
using CompliancePortal.Components.Layout;
using CompliancePortal.Tests.Infrastructure;
using MudBlazor;
using MudBlazor.Extensions;

namespace CompliancePortal.Tests.Components.Layout;

public sealed class MainLayoutTests
{
    private const string DarkModeButton = "button[aria-label='toggle dark mode']";

    [Fact]
    public async Task Render_WithBody_ShowsTitleLedgerLinkAndBody()
    {
        await using var ctx = PortalBunit.NewContext();

        var cut = ctx.Render<MainLayout>(p => p.Add(l => l.Body, "<p id='body'>page body</p>"));

        Assert.Contains("CompliancePortal", cut.Find(".mud-appbar").TextContent);
        var ledger = cut.Find("a.mud-nav-link");
        Assert.Equal("Ledger", ledger.TextContent.Trim());
        Assert.Equal("/", ledger.GetAttribute("href"));
        Assert.Equal("page body", cut.Find("#body").TextContent);
        Assert.Equal("true", cut.Find(".mud-layout").GetAttribute("data-interactive"));
    }

    [Fact]
    public async Task DarkModeButton_Clicked_FlipsPressedStateIconAndTheme()
    {
        await using var ctx = PortalBunit.NewContext();
        var cut = ctx.Render<MainLayout>(p => p.Add(l => l.Body, "body"));
        var lightIcon = cut.Find(DarkModeButton).InnerHtml;
        Assert.Equal("false", cut.Find(DarkModeButton).GetAttribute("aria-pressed"));

        cut.Find(DarkModeButton).Click();

        Assert.Equal("true", cut.Find(DarkModeButton).GetAttribute("aria-pressed"));
        Assert.NotEqual(lightIcon, cut.Find(DarkModeButton).InnerHtml);
        Assert.True(cut.FindComponent<MudThemeProvider>().Instance.GetState(x => x.IsDarkMode));

        cut.Find(DarkModeButton).Click();

        Assert.Equal("false", cut.Find(DarkModeButton).GetAttribute("aria-pressed"));
        Assert.Equal(lightIcon, cut.Find(DarkModeButton).InnerHtml);
    }
}
