using Bunit;
using CompliancePortal.Core.Dashboard;
using CompliancePortal.Dashboard.Pages;
using CompliancePortal.Tests.Infrastructure;
using MudBlazor;

namespace CompliancePortal.Tests.Dashboard;

/// <summary>The dashboard's three number panels, given a snapshot: their text and the series they chart.</summary>
public sealed class DashboardComponentsTests
{
    // 10:32 with 5-minute buckets over an hour: 09:35-10:35, twelve buckets.
    private static readonly MetricsWindow Hour = MetricsWindow.Ending(new DateTimeOffset(2024, 10, 8, 10, 32, 0, TimeSpan.Zero), TimeSpan.FromHours(1), TimeSpan.FromMinutes(5));

    private static TradingSnapshot Snapshot(long[]? errors = null, LatencyPercentiles? latency = null, LatencyPercentiles?[]? perBucket = null,
        ExecutionCounts? execution = null, ExecutionCounts? lastDay = null) => new(
        Hour, errors ?? new long[12], latency, perBucket ?? new LatencyPercentiles?[12],
        execution ?? new ExecutionCounts(0, 0), lastDay ?? new ExecutionCounts(0, 0));

    [Fact]
    public async Task ErrorRate_SumsTheBuckets_AndChartsEachBucketUnderItsTime()
    {
        await using var ctx = PortalBunit.NewContext();
        long[] errors = [0, 2, 0, 0, 1, 0, 0, 0, 0, 0, 4, 0];

        var cut = ctx.Render<ErrorRatePanel>(p => p.Add(x => x.Snapshot, Snapshot(errors)));

        Assert.Equal("7 ERROR/CRITICAL events, 5-minute buckets", cut.Find("[data-testid=error-total]").TextContent.Trim());
        var chart = cut.FindComponent<MudChart<double>>().Instance;
        var series = Assert.Single(chart.ChartSeries);
        Assert.Equal(errors.Select(e => (double)e), series.Data.Values.Select(v => (double)v!));
        // Twelve buckets, every second one labelled.
        Assert.Equal(["09:35", "", "09:45", "", "09:55", "", "10:05", "", "10:15", "", "10:25", ""], chart.ChartLabels);
    }

    [Fact]
    public async Task Latency_WithCalls_ShowsThePercentilesInWholeMs_AndChartsBucketsWithoutCallsAsGaps()
    {
        await using var ctx = PortalBunit.NewContext();
        var perBucket = new LatencyPercentiles?[12];
        perBucket[3] = new(100, 300, 900, 10);
        perBucket[7] = new(140, 500, 960.4, 30);

        var cut = ctx.Render<LatencyPanel>(p => p.Add(x => x.Snapshot, Snapshot(latency: new(120.4, 480.4, 950.6, 40), perBucket: perBucket)));

        Assert.Equal("p50 120 ms · p95 480 ms · p99 951 ms over 40 calls", System.Text.RegularExpressions.Regex.Replace(cut.Find("[data-testid=latency-summary]").TextContent.Trim(), @"\s+", " "));
        var series = cut.FindComponent<MudChart<double>>().Instance.ChartSeries;
        Assert.Equal(["p50", "p95", "p99"], series.Select(s => s.Name));
        var p99 = Values(series[2]);
        Assert.Equal(12, p99.Count);
        Assert.Equal((900, 960.4), (p99[3], p99[7]));
        Assert.Null(p99[0]);
        Assert.Equal(300, Values(series[1])[3]);
    }

    /// <summary>A series' values, null where a bucket has none (a gap in the line).</summary>
    private static List<double?> Values(ChartSeries<double> series) => [.. series.Data.Points.Select(p => p.HasValue ? (double?)p.Y : null)];

    [Fact]
    public async Task Latency_WithoutCalls_SaysSo_AndDrawsNoChart()
    {
        await using var ctx = PortalBunit.NewContext();

        var cut = ctx.Render<LatencyPanel>(p => p.Add(x => x.Snapshot, Snapshot()));

        Assert.Equal("No API calls in this window.", cut.Find("[data-testid=latency-summary]").TextContent.Trim());
        Assert.Empty(cut.FindComponents<MudChart<double>>());
    }

    [Fact]
    public async Task Execution_ShowsTheRateToOneDecimal_AndADashWithoutTrades()
    {
        await using var ctx = PortalBunit.NewContext();

        var cut = ctx.Render<ExecutionPanel>(p => p
            .Add(x => x.Snapshot, Snapshot(execution: new(2, 1), lastDay: new(0, 0)))
            .Add(x => x.WindowName, "last 6 h"));

        var window = cut.Find("[data-testid=success-window]").TextContent;
        Assert.Contains("66.7 %", window);
        Assert.Contains("last 6 h: 2 executed, 1 failed", window);
        var day = cut.Find("[data-testid=success-day]").TextContent;
        Assert.Contains("–", day);
        Assert.DoesNotContain("%", day);
        Assert.Contains("last 24 h: 0 executed, 0 failed", day);

        cut.Render(p => p.Add(x => x.Snapshot, Snapshot(execution: new(3, 0), lastDay: new(19, 1))));
        Assert.Contains("100.0 %", cut.Find("[data-testid=success-window]").TextContent);
        Assert.Contains("95.0 %", cut.Find("[data-testid=success-day]").TextContent);
    }
}
