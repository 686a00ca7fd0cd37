using System.Text.Json;
using Bunit;
using CompliancePortal.Core.LiveFeed;
using CompliancePortal.LiveFeed.Pages;
using CompliancePortal.Tests.Infrastructure;

namespace CompliancePortal.Tests.LiveFeed;

/// <summary>A feed row's cells, level colour and highlight, and the feed table's order, highlights and empty text.</summary>
public sealed class FeedComponentsTests
{
    private static readonly DateTimeOffset At = new(2026, 12, 3, 14, 30, 15, 123, TimeSpan.Zero);

    private static FeedEntry Entry(long seq, string @event = "trade_executed", string? level = "INFO", string data = "{}", string logType = "TRADE") => new(
        seq, At, At.AddMilliseconds(seq), logType, @event, level,
        JsonSerializer.Deserialize<Dictionary<string, JsonElement>>(data)!, new string('a', 64));

    private static IReadOnlyList<string> Cells(AngleSharp.Dom.IElement row) => [.. row.QuerySelectorAll("td").Select(td => td.TextContent.Trim())];

    [Fact]
    public async Task Row_OfATrade_ShowsItsFields_SlippageAsAPercentage()
    {
        await using var ctx = PortalBunit.NewContext();

        var cut = ctx.Render<FeedTable>(p => p.Add(t => t.Rows, [Entry(7, data: """{"trade_id":"TRD-7","asset":"AAPL","action":"BUY","quantity":100,"fill_price":187.250,"slippage_pct":0.0024}""")]));

        var row = cut.Find("[data-testid=feed-row]");
        Assert.Equal("7", row.GetAttribute("data-seq"));
        // The source's digits are kept (187.250); slippage is a fraction shown in percent.
        Assert.Equal(["14:30:15.130", "trade_executed", "TRD-7", "AAPL", "BUY", "100", "187.250", "0.24 %"], Cells(row));
        Assert.Equal(At.AddMilliseconds(7).ToString("O"), row.QuerySelector("td")!.GetAttribute("title"));
        Assert.Equal("feed-row", row.ClassName);
        Assert.Contains("mud-chip-color-default", row.QuerySelector(".mud-chip")!.ClassName);
    }

    [Fact]
    public async Task Row_OfAnotherLogType_LeavesTheTradeColumnsEmpty()
    {
        await using var ctx = PortalBunit.NewContext();

        var cut = ctx.Render<FeedTable>(p => p.Add(t => t.Rows, [Entry(8, "api_call", data: """{"endpoint":"/orders","slippage_pct":"n/a"}""", logType: "API")]));

        Assert.Equal(["api_call", "", "", "", "", "", ""], Cells(cut.Find("[data-testid=feed-row]")).Skip(1));
    }

    [Theory]
    [InlineData("CRITICAL", "error")]
    [InlineData("ERROR", "error")]
    [InlineData("WARNING", "warning")]
    [InlineData(null, "default")]
    public async Task Row_ColoursTheEventByLevel(string? level, string colour)
    {
        await using var ctx = PortalBunit.NewContext();

        var cut = ctx.Render<FeedTable>(p => p.Add(t => t.Rows, [Entry(9, "risk_limit", level)]));

        Assert.Contains($"mud-chip-color-{colour}", cut.Find("[data-testid=feed-row] .mud-chip").ClassName);
    }

    [Fact]
    public async Task Table_ShowsRowsInTheGivenOrder_HighlightingOnlyFreshOnes()
    {
        await using var ctx = PortalBunit.NewContext();

        var cut = ctx.Render<FeedTable>(p => p.Add(t => t.Rows, [Entry(12), Entry(11), Entry(10)]).Add(t => t.Fresh, new HashSet<long> { 12 }));

        var rows = cut.FindAll("[data-testid=feed-row]");
        Assert.Equal(["12", "11", "10"], rows.Select(r => r.GetAttribute("data-seq")));
        Assert.Equal(["feed-row feed-row-new", "feed-row", "feed-row"], rows.Select(r => r.ClassName));
        Assert.Empty(cut.FindAll("[data-testid=feed-empty]"));
    }

    [Fact]
    public async Task Table_WithoutRows_ShowsTheEmptyText()
    {
        await using var ctx = PortalBunit.NewContext();

        var cut = ctx.Render<FeedTable>(p => p.Add(t => t.Rows, Array.Empty<FeedEntry>()).Add(t => t.EmptyText, "No trades match the filter."));

        Assert.Equal("No trades match the filter.", cut.Find("[data-testid=feed-empty]").TextContent.Trim());
        Assert.Empty(cut.FindAll("[data-testid=feed-row]"));
    }
}
