using Bunit;
using CompliancePortal.Core.Search;
using CompliancePortal.Search.Pages;
using CompliancePortal.Tests.Infrastructure;
using Microsoft.AspNetCore.Components;

namespace CompliancePortal.Tests.Search;

/// <summary>One page of results: the count line, the rows with their links, the summary cut at 160 characters, paging.</summary>
public sealed class SearchResultsTests
{
    private static readonly DateTimeOffset At = new(2024, 10, 8, 10, 32, 45, 123, TimeSpan.Zero);

    private static AuditRow Row(long seq, string data = """{"asset":"QQQ"}""", string? user = "pm") =>
        new(seq, At.AddMinutes(-seq), At.AddMinutes(-seq), "TRADE", "trade_executed", user, "key:trading", data, new string('a', 64));

    private static IRenderedComponent<SearchResults> Render(BunitContext ctx, AuditPage page, long? total, bool capped = false,
        int pageNumber = 1, bool hasPrevious = false, Action? next = null, Action? previous = null) =>
        ctx.Render<SearchResults>(p => p
            .Add(r => r.Page, page)
            .Add(r => r.Total, total)
            .Add(r => r.TotalCapped, capped)
            .Add(r => r.PageNumber, pageNumber)
            .Add(r => r.HasPrevious, hasPrevious)
            .Add(r => r.OnNext, EventCallback.Factory.Create(new object(), next ?? (() => { })))
            .Add(r => r.OnPrevious, EventCallback.Factory.Create(new object(), previous ?? (() => { })))
            .Add(r => r.ExportHref, "/api/v1/search/export?type=TRADE"));

    [Theory]
    [InlineData(null, false, "")]
    [InlineData(1L, false, "1 event")]
    [InlineData(0L, false, "0 events")]
    [InlineData(1234L, false, "1,234 events")]
    [InlineData(10_000L, true, "More than 10,000 events")]
    public async Task CountLine_SaysHowManyMatched(long? total, bool capped, string expected)
    {
        await using var ctx = PortalBunit.NewContext();

        var cut = Render(ctx, new AuditPage([Row(1)], null, total, capped), total, capped);

        Assert.Equal(expected, cut.Find("[data-testid=result-count]").TextContent.Trim());
    }

    [Fact]
    public async Task Rows_LinkToTheirEvent_ShowTheColumns_AndCutLongData()
    {
        await using var ctx = PortalBunit.NewContext();
        var longData = "{\"note\":\"" + new string('x', 200) + "\"}";

        var cut = Render(ctx, new AuditPage([Row(7), Row(5, longData, user: null)], null, 2, false), 2);

        var rows = cut.FindAll("[data-testid=results] tbody tr");
        Assert.Equal(["7", "5"], rows.Select(r => r.GetAttribute("data-seq")));
        var cells = rows[0].QuerySelectorAll("td").Select(td => td.TextContent.Trim()).ToList();
        Assert.Equal(["7", "2024-10-08T10:25:45.123000Z", "TRADE", "trade_executed", "pm", """{"asset":"QQQ"}"""], cells);
        Assert.Equal("/events/7", rows[0].QuerySelector("a")!.GetAttribute("href"));
        var cut160 = rows[1].QuerySelector("td.search-data")!.TextContent;
        Assert.Equal(160, cut160.Length);
        Assert.Equal(longData[..157] + "...", cut160);
        Assert.Empty(cut.FindAll("[data-testid=no-results]"));
        Assert.Equal("/api/v1/search/export?type=TRADE", cut.Find("[data-testid=export-csv]").GetAttribute("href"));
    }

    [Fact]
    public async Task NoRows_SaysNothingMatches_AndBothPagingButtonsAreOff()
    {
        await using var ctx = PortalBunit.NewContext();

        var cut = Render(ctx, new AuditPage([], null, 0, false), 0);

        Assert.Equal("No events match.", cut.Find("[data-testid=no-results]").TextContent.Trim());
        Assert.Empty(cut.FindAll("[data-testid=results]"));
        Assert.True(cut.Find("button[data-testid=next-page]").HasAttribute("disabled"));
        Assert.True(cut.FindAll("button").Single(b => b.TextContent.Contains("Newer page")).HasAttribute("disabled"));
    }

    [Fact]
    public async Task Paging_NextAndNewerAskThePage_WhenThereIsSuchAPage()
    {
        await using var ctx = PortalBunit.NewContext();
        var (nexts, previouses) = (0, 0);
        var page = new AuditPage([Row(3)], new AuditCursor(At, 3), null, false);

        var cut = Render(ctx, page, null, pageNumber: 2, hasPrevious: true, next: () => nexts++, previous: () => previouses++);
        cut.Find("button[data-testid=next-page]").Click();
        cut.FindAll("button").Single(b => b.TextContent.Contains("Newer page")).Click();

        Assert.Equal((1, 1), (nexts, previouses));
        Assert.Contains("Page 2", cut.Markup);
    }
}
