using Bunit.TestDoubles;
using CompliancePortal.Components.Layout;
using CompliancePortal.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace CompliancePortal.Tests.Components.Layout;

/// <summary>An anonymous visitor is sent to the sign-in page, with the page they asked for to return to.</summary>
public sealed class RedirectToLoginTests
{
    [Theory]
    [InlineData("/materials/7?tab=versions", "http://localhost/account/login?returnUrl=%2Fmaterials%2F7%3Ftab%3Dversions")]
    [InlineData("/", "http://localhost/account/login?returnUrl=%2F")]
    public async Task Render_NavigatesToTheSignInPage_WithTheRequestedPageEscaped_AsAFullLoad(string requested, string expected)
    {
        await using var ctx = PortalBunit.NewContext();
        var navigation = ctx.Services.GetRequiredService<BunitNavigationManager>();
        navigation.NavigateTo(requested);

        ctx.Render<RedirectToLogin>();

        Assert.Equal(expected, navigation.Uri);
        var last = navigation.History.First();
        Assert.True(last.Options.ForceLoad);
        Assert.Equal(2, navigation.History.Count);
    }
}
