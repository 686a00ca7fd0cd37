using System.Net;
using System.Text.RegularExpressions;
using CompliancePortal.Tests.Infrastructure;

namespace CompliancePortal.Tests.Hosting;

/// <summary>
/// wwwroot/ and appsettings.json live at the repository root, not in the host project: the root
/// wwwroot/ is served by UseStaticFiles, the framework's and MudBlazor's assets by MapStaticAssets.
/// </summary>
[Collection(PostgresCollection.Name)]
public sealed partial class RootFolderLayoutTests(PostgresFixture postgres) : IAsyncLifetime
{
    private PortalFactory _portal = null!;
    private HttpClient _client = null!;

    public async Task InitializeAsync()
    {
        _portal = new PortalFactory(await postgres.CreateDatabaseAsync());
        _client = _portal.CreateClient();
    }

    public async Task DisposeAsync() => await _portal.DisposeAsync();

    [Fact]
    public async Task Get_PortalCssFromRootWwwroot_ServesTheRootFile()
    {
        var response = await _client.GetAsync("/css/portal.css");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/css", response.Content.Headers.ContentType?.MediaType);
        var expected = await File.ReadAllTextAsync(Path.Combine(RepositoryRoot.Path, "wwwroot", "css", "portal.css"));
        Assert.Equal(expected, await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task Get_MudBlazorStylesheetLinkedFromHomePage_ServesCss()
    {
        var html = await _client.GetStringAsync("/");
        // MapStaticAssets fingerprints the file name (MudBlazor.min.<hash>.css): take the page's own link.
        var href = MudBlazorStylesheet().Match(html);
        Assert.True(href.Success, "no MudBlazor stylesheet <link> in the home page");

        var response = await _client.GetAsync("/" + href.Groups["href"].Value);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/css", response.Content.Headers.ContentType?.MediaType);
        Assert.Contains(".mud-main-content", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Get_Favicon_ServesSvg()
    {
        var response = await _client.GetAsync("/favicon.svg");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("image/svg+xml", response.Content.Headers.ContentType?.MediaType);
        Assert.StartsWith("<svg", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [GeneratedRegex("""<link[^>]+href="(?<href>_content/MudBlazor/MudBlazor\.min[^"]*\.css)"[^>]*>""")]
    private static partial Regex MudBlazorStylesheet();
}
