using System.Text.Json;
using Bunit;
using CompliancePortal.Core.LiveFeed;
using CompliancePortal.LiveFeed.Pages;
using CompliancePortal.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using MudBlazor;

namespace CompliancePortal.Tests.LiveFeed;

public sealed class LiveTradeFeedTests
{
    private readonly LedgerFeed _feed = new(NullLogger<LedgerFeed>.Instance);
    private readonly FakeHistory _history = new();

    private BunitContext NewContext()
    {
        var ctx = PortalBunit.NewContext(services: services => services.AddSingleton(_feed).AddSingleton<IFeedHistory>(_history));
        ctx.Render<MudPopoverProvider>();   // the filters' selects need it
        return ctx;
    }

    [Fact]
    public async Task Render_WithRecentTrades_ShowsTradeColumnsNewestFirst()
    {
        _history.Entries.AddRange([Trade(1, "QQQ"), Trade(2, "SPY", slippage: 0.0024)]);
        await using var ctx = NewContext();

        var cut = ctx.Render<LiveTradeFeed>();

        Assert.Equal("TRADE", _history.LastLogType);
        var rows = cut.FindAll("[data-testid=feed-row]");
        Assert.Equal(["2", "1"], rows.Select(r => r.GetAttribute("data-seq")));
        Assert.Equal(["Time (UTC)", "Event", "Trade ID", "Asset", "Action", "Quantity", "Fill price", "Slippage"],
            cut.FindAll("th").Select(th => th.TextContent.Trim()));
        string Cell(string field) => rows[0].QuerySelector($"[data-field={field}]")!.TextContent.Trim();
        Assert.Equal("TRD-0002", Cell("trade_id"));
        Assert.Equal("SPY", Cell("asset"));
        Assert.Equal("SELL_PUT", Cell("action"));
        Assert.Equal("5", Cell("quantity"));
        Assert.Equal("8.52", Cell("fill_price"));
        Assert.Equal("0.24 %", Cell("slippage_pct"));
        Assert.Equal("10:32:45.123", rows[0].QuerySelector("td")!.TextContent.Trim());
    }

    [Fact]
    public async Task Publish_WhileRunning_ShowsNewTradeOnTopHighlightedAndSkipsOtherLogTypes()
    {
        _history.Entries.Add(Trade(1, "QQQ"));
        await using var ctx = NewContext();
        var cut = ctx.Render<LiveTradeFeed>();

        await _feed.PublishAsync([Trade(1, "QQQ"), Entry(2, "SYSTEM", "api_call", "INFO"), Trade(3, "IWM")]);

        cut.WaitForAssertion(() => Assert.Equal(["3", "1"], cut.FindAll("[data-testid=feed-row]").Select(r => r.GetAttribute("data-seq"))));
        Assert.Contains("feed-row-new", cut.Find("[data-seq='3']").ClassList);
        Assert.DoesNotContain("feed-row-new", cut.Find("[data-seq='1']").ClassList);
    }

    [Fact]
    public async Task Pause_WhenTradesArrive_HoldsAndCountsThemAndResumeShowsThem()
    {
        _history.Entries.Add(Trade(1, "QQQ"));
        await using var ctx = NewContext();
        var cut = ctx.Render<LiveTradeFeed>();

        cut.Find("[data-testid=feed-pause]").Click();
        await _feed.PublishAsync([Trade(2, "SPY"), Trade(3, "QQQ")]);

        cut.WaitForAssertion(() => Assert.Equal("2 waiting", cut.Find("[data-testid=feed-waiting]").TextContent.Trim()));
        Assert.Single(cut.FindAll("[data-testid=feed-row]"));

        cut.Find("[data-testid=feed-resume]").Click();

        Assert.Equal(["3", "2", "1"], cut.FindAll("[data-testid=feed-row]").Select(r => r.GetAttribute("data-seq")));
        Assert.Empty(cut.FindAll("[data-testid=feed-waiting]"));
        Assert.Contains("feed-row-new", cut.Find("[data-seq='2']").ClassList);
        Assert.NotEmpty(cut.FindAll("[data-testid=feed-pause]"));
    }

    [Fact]
    public async Task Filters_AssetAndLevel_HideNonMatchingRows()
    {
        _history.Entries.AddRange([Trade(1, "QQQ"), Trade(2, "SPY"), Trade(3, "SPY", level: "ERROR", failed: true)]);
        await using var ctx = NewContext();
        var cut = ctx.Render<LiveTradeFeed>();
        var filters = cut.FindComponent<FeedFilters>();

        await cut.InvokeAsync(() => filters.Instance.AssetChanged.InvokeAsync("spy"));

        Assert.Equal(["3", "2"], cut.FindAll("[data-testid=feed-row]").Select(r => r.GetAttribute("data-seq")));

        await cut.InvokeAsync(() => filters.Instance.LevelChanged.InvokeAsync("ERROR"));

        Assert.Equal(["3"], cut.FindAll("[data-testid=feed-row]").Select(r => r.GetAttribute("data-seq")));

        await cut.InvokeAsync(() => filters.Instance.AssetChanged.InvokeAsync("QQQ"));

        Assert.Empty(cut.FindAll("[data-testid=feed-row]"));
        Assert.NotNull(cut.Find("[data-testid=feed-empty]"));
    }

    [Fact]
    public async Task LogTypeFilter_Changed_ReloadsHistoryOfThatType()
    {
        _history.Entries.AddRange([Trade(1, "QQQ"), Entry(2, "SYSTEM", "api_call", "INFO")]);
        await using var ctx = NewContext();
        var cut = ctx.Render<LiveTradeFeed>();

        await cut.InvokeAsync(() => cut.FindComponent<FeedFilters>().Instance.LogTypeChanged.InvokeAsync("SYSTEM"));

        Assert.Equal("SYSTEM", _history.LastLogType);
        Assert.Equal(["2"], cut.FindAll("[data-testid=feed-row]").Select(r => r.GetAttribute("data-seq")));
    }

    [Fact]
    public async Task Dispose_AfterRender_EndsItsSubscription()
    {
        await using var ctx = NewContext();
        ctx.Render<LiveTradeFeed>();
        Assert.Equal(1, _feed.SubscriberCount);

        await ctx.DisposeComponentsAsync();

        Assert.Equal(0, _feed.SubscriberCount);
    }

    private static FeedEntry Trade(long seq, string asset, double slippage = 0.001, string level = "INFO", bool failed = false)
    {
        var data = new Dictionary<string, object>
        {
            ["trade_id"] = $"TRD-{seq:D4}", ["asset"] = asset, ["action"] = "SELL_PUT", ["quantity"] = 5,
        };
        if (!failed)
        {
            data["fill_price"] = 8.52m;
            data["slippage_pct"] = slippage;
        }
        return Entry(seq, "TRADE", failed ? "trade_failed" : "trade_executed", level, data);
    }

    private static FeedEntry Entry(long seq, string logType, string name, string level, Dictionary<string, object>? data = null) =>
        new(seq, DateTimeOffset.Parse("2024-10-08T10:32:45.123456Z"), DateTimeOffset.Parse("2024-10-08T10:32:45.123456Z"),
            logType, name, level,
            (data ?? []).ToDictionary(p => p.Key, p => JsonSerializer.SerializeToElement(p.Value)),
            new string('a', 64));

    private sealed class FakeHistory : IFeedHistory
    {
        public List<FeedEntry> Entries { get; } = [];

        public string? LastLogType { get; private set; }

        public Task<IReadOnlyList<FeedEntry>> RecentAsync(int count, string? logType, CancellationToken ct = default)
        {
            LastLogType = logType;
            return Task.FromResult<IReadOnlyList<FeedEntry>>(
                [.. Entries.Where(e => logType is null || e.LogType == logType).TakeLast(count)]);
        }

        public Task<IReadOnlyList<FeedEntry>> SinceAsync(long seq, int limit, CancellationToken ct = default) =>
            Task.FromResult<IReadOnlyList<FeedEntry>>([.. Entries.Where(e => e.Seq > seq).Take(limit)]);
    }
}
