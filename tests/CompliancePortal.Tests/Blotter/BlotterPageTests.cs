using Bunit;
using CompliancePortal.Blotter.Pages;
using CompliancePortal.Core;
using CompliancePortal.Core.Accounts;
using CompliancePortal.Core.Audit;
using CompliancePortal.Core.Blotter;
using CompliancePortal.Search;
using CompliancePortal.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace CompliancePortal.Tests.Blotter;

/// <summary>The blotters page over the real archive: every stored blotter for an officer, the granted days only for an auditor.</summary>
[Collection(PostgresCollection.Name)]
public sealed class BlotterPageTests(PostgresFixture postgres) : PortalTest(postgres)
{
    private DateOnly _day, _earlier;

    public override async Task InitializeAsync()
    {
        await base.InitializeAsync();
        _day = BlotterJobTests.LastBusinessDay();
        _earlier = _day.AddDays(-1);
        while (!ShippedCalendar.Instance.IsBusinessDay(_earlier)) _earlier = _earlier.AddDays(-1);
        var response = await Client.PostNdJsonAsync(
        [
            BlotterJobTests.Trade(_earlier, "10:00:00", "T-0", ""","asset":"SPY","action":"BUY","quantity":10,"price":402.10"""),
            BlotterJobTests.Trade(_day, "09:30:00", "T-1", ""","asset":"QQQ","action":"SELL_PUT","quantity":5,"fill_price":8.52"""),
            BlotterJobTests.Trade(_day, "10:00:00", "T-2", ""","asset":"IWM","action":"BUY","quantity":100,"price":221.5"""),
        ], Key);
        response.EnsureSuccessStatusCode();
        var blotters = Portal.Services.GetRequiredService<BlotterArchive>();
        await blotters.GenerateAsync(_earlier, new Actor("job:trade-blotter"));
        await blotters.GenerateAsync(_day, new Actor("cco"));
    }

    private async Task<IRenderedComponent<BlotterPage>> OpenAsync(BunitContext ctx)
    {
        var cut = ctx.Render<BlotterPage>();
        cut.WaitForElement("[data-testid=blotters]");
        return await Task.FromResult(cut);
    }

    private BunitContext NewContext(string userName, string role) =>
        PortalPages.NewContext(Portal, userName, role, typeof(BlotterArchive), typeof(RecordReaders));

    [Fact]
    public async Task Officer_SeesEveryBlotterNewestFirst_WithItsHashAndDownload()
    {
        var name = await Portal.CreateUserAsync(UserRoles.ComplianceOfficer);
        await using var ctx = NewContext(name, UserRoles.ComplianceOfficer);

        var cut = await OpenAsync(ctx);

        var rows = cut.FindAll("[data-testid=blotters] tbody tr");
        Assert.Equal([$"blotter-{Formats.Day(_day)}", $"blotter-{Formats.Day(_earlier)}"], rows.Select(r => r.GetAttribute("data-testid")));
        var cells = rows[0].QuerySelectorAll("td").Select(td => td.TextContent.Trim()).ToList();
        Assert.Equal(_day.ToString("yyyy-MM-dd ddd"), cells[0]);
        Assert.Equal("2", cells[1]);
        Assert.Equal(await Db.ScalarAsync($"SELECT \"Sha256\" FROM trade_blotters WHERE \"Day\" = '{Formats.Day(_day)}'"), cells[2]);
        Assert.Contains("by cco (ledger #", cells[3]);
        var download = rows[0].QuerySelector("a")!;
        Assert.Equal($"/api/v1/blotters/{Formats.Day(_day)}", download.GetAttribute("href"));
        Assert.Equal($"blotter_{Formats.Day(_day)}.csv", download.GetAttribute("download"));
        Assert.Contains("by job:trade-blotter", rows[1].TextContent);
        Assert.Empty(cut.FindAll("[data-testid=granted-period]"));
    }

    [Fact]
    public async Task Auditor_SeesTheGrantedDaysOnly_AndIsToldSo()
    {
        var name = await Portal.CreateUserAsync(UserRoles.Auditor, _earlier, _earlier);
        await using var ctx = NewContext(name, UserRoles.Auditor);

        var cut = await OpenAsync(ctx);

        var row = Assert.Single(cut.FindAll("[data-testid=blotters] tbody tr"));
        Assert.Equal($"blotter-{Formats.Day(_earlier)}", row.GetAttribute("data-testid"));
        Assert.Contains((string)(await Db.ScalarAsync($"SELECT \"Sha256\" FROM trade_blotters WHERE \"Day\" = '{Formats.Day(_earlier)}'"))!, row.TextContent);
        Assert.Contains($"{Formats.Day(_earlier)}..{Formats.Day(_earlier)}", cut.Find("[data-testid=granted-period]").TextContent);
    }

    [Theory]
    [InlineData(UserRoles.Auditor)]          // without a granted period
    [InlineData(UserRoles.PortfolioManager)] // not a record reader
    public async Task OthersSeeNoBlotter(string role)
    {
        var name = await Portal.CreateUserAsync(role);
        await using var ctx = NewContext(name, role);

        var cut = await OpenAsync(ctx);

        Assert.Equal("No blotter yet.", Assert.Single(cut.FindAll("[data-testid=blotters] tbody tr")).TextContent.Trim());
    }
}
