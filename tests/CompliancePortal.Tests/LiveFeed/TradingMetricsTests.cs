using System.Net;
using System.Text.Json;
using CompliancePortal.Core.Dashboard;
using CompliancePortal.Tests.Infrastructure;

namespace CompliancePortal.Tests.LiveFeed;

/// <summary>The dashboard's SQL against a seeded ledger, checked with numbers worked out by hand.</summary>
[Collection(PostgresCollection.Name)]
public sealed class TradingMetricsTests(PostgresFixture postgres) : IAsyncLifetime
{
    // 10:32 with an hour of 5-minute buckets: 09:35–10:35, twelve buckets.
    private static readonly DateTimeOffset Now = DateTimeOffset.Parse("2024-10-08T10:32:00Z");
    private static readonly MetricsWindow Hour = MetricsWindow.Ending(Now, TimeSpan.FromHours(1), TimeSpan.FromMinutes(5));
    private PortalFactory _portal = null!;
    private TestDatabase _db = null!;

    public async Task InitializeAsync()
    {
        _db = await postgres.CreateDatabaseAsync();
        _portal = new PortalFactory(_db);
        var key = await _portal.CreateKeyAsync("ops", ["TRADE", "SYSTEM", "RISK"]);
        var events = new List<object>();
        // API calls: 10..100 ms in the 10:00 bucket, 110..200 ms in the 10:30 bucket.
        for (var i = 1; i <= 20; i++)
            events.Add(Event(i <= 10 ? "10:01:00" : "10:31:00", "SYSTEM", "api_call", "INFO", ("latency_ms", i * 10)));
        events.Add(Event("09:00:00", "SYSTEM", "api_call", "INFO", ("latency_ms", 9999)));        // before the window
        events.Add(Event("10:02:00", "SYSTEM", "api_call", "INFO", ("latency_ms", "fast")));      // not a number: ignored
        // Errors: 3 ERROR at 09:36, 2 CRITICAL at 10:33; WARNING and an ERROR before the window do not count.
        for (var i = 0; i < 3; i++) events.Add(Event("09:36:00", "SYSTEM", "api_call", "ERROR", ("status_code", 503)));
        for (var i = 0; i < 2; i++) events.Add(Event("10:33:00", "RISK", "circuit_breaker_triggered", "CRITICAL"));
        events.Add(Event("10:10:00", "RISK", "limit_exceeded", "WARNING"));
        events.Add(Event("09:20:00", "TRADE", "trade_failed", "ERROR"));                           // before the window, within the day
        // Trades in the window: 9 executed, 1 failed (its ERROR counts at 10:20).
        for (var i = 0; i < 9; i++) events.Add(Event("10:15:00", "TRADE", "trade_executed", "INFO"));
        events.Add(Event("10:20:00", "TRADE", "trade_failed", "ERROR"));
        // Earlier in the day: 5 executed, 4 failed; and one failed more than a day before the window's end.
        for (var i = 0; i < 5; i++) events.Add(Event("10:40:00", "TRADE", "trade_executed", "INFO", day: 7));
        for (var i = 0; i < 4; i++) events.Add(Event("12:00:00", "TRADE", "trade_failed", "ERROR", day: 7));
        events.Add(Event("09:00:00", "TRADE", "trade_failed", "ERROR", day: 7));

        using var http = _portal.CreateClient();
        var response = await http.PostJsonAsync(JsonSerializer.Serialize(events), key);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    public async Task DisposeAsync() => await _portal.DisposeAsync();

    [Fact]
    public void Ending_At1032_IsTwelveFiveMinuteBucketsFrom0935()
    {
        Assert.Equal(DateTimeOffset.Parse("2024-10-08T09:35:00Z"), Hour.From);
        Assert.Equal(DateTimeOffset.Parse("2024-10-08T10:35:00Z"), Hour.To);
        Assert.Equal(12, Hour.BucketCount);
    }

    [Fact]
    public async Task GetAsync_SeededHour_MatchesHandComputedLatencyPercentiles()
    {
        await using var ds = _db.AppDataSource();

        var snapshot = await new TradingMetrics(ds).GetAsync(Hour);

        var all = Enumerable.Range(1, 20).Select(i => i * 10.0).ToArray();
        AssertLatency(Percentiles(all), snapshot.Latency);
        // By hand for 10..200 (n = 20, rank (n-1)p): p50 = 100 + .5·10, p95 = 190 + .05·10, p99 = 190 + .81·10.
        AssertLatency((105, 190.5, 198.1, 20), snapshot.Latency);
        AssertLatency((55, 95.5, 99.1, 10), snapshot.LatencyPerBucket[5]);     // 10:00
        AssertLatency((155, 195.5, 199.1, 10), snapshot.LatencyPerBucket[11]); // 10:30
        Assert.Equal(10, snapshot.LatencyPerBucket.Count(b => b is null));
    }

    [Fact]
    public async Task GetAsync_SeededHour_CountsErrorsPerBucketAndExecutionRates()
    {
        await using var ds = _db.AppDataSource();

        var snapshot = await new TradingMetrics(ds).GetAsync(Hour);

        long[] expected = [3, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 2];   // 09:35, …, 10:20 (failed trade), …, 10:30
        Assert.Equal(expected, snapshot.ErrorsPerBucket);
        Assert.Equal(6, snapshot.Errors);
        Assert.Equal(new ExecutionCounts(9, 1), snapshot.Execution);
        Assert.Equal(0.9, snapshot.Execution.SuccessRate!.Value, 10);
        // Last 24 h before 10:35: 9 + 5 executed; 1 + 1 (09:20) + 4 failed.
        Assert.Equal(new ExecutionCounts(14, 6), snapshot.ExecutionLastDay);
        Assert.Equal(0.7, snapshot.ExecutionLastDay.SuccessRate!.Value, 10);
    }

    [Fact]
    public async Task GetAsync_EmptyWindow_HasNoLatencyAndNoRate()
    {
        await using var ds = _db.AppDataSource();

        var snapshot = await new TradingMetrics(ds).GetAsync(
            MetricsWindow.Ending(DateTimeOffset.Parse("2030-01-01T00:00:00Z"), TimeSpan.FromHours(1), TimeSpan.FromMinutes(5)));

        Assert.Null(snapshot.Latency);
        Assert.All(snapshot.ErrorsPerBucket, c => Assert.Equal(0, c));
        Assert.Null(snapshot.Execution.SuccessRate);
    }

    private static Dictionary<string, object> Event(string time, string logType, string name, string level,
        (string Key, object Value)? field = null, int day = 8)
    {
        var e = new Dictionary<string, object>
        {
            ["timestamp"] = $"2024-10-{day:D2}T{time}.000000Z",
            ["log_type"] = logType,
            ["event"] = name,
            ["level"] = level,
        };
        if (field is { } f) e[f.Key] = f.Value;
        return e;
    }

    /// <summary>PostgreSQL's percentile_cont: linear interpolation at rank (n − 1)·p of the sorted values.</summary>
    private static (double, double, double, long) Percentiles(double[] values)
    {
        var sorted = values.Order().ToArray();
        double At(double p)
        {
            var rank = (sorted.Length - 1) * p;
            var low = (int)Math.Floor(rank);
            return low + 1 < sorted.Length ? sorted[low] + (rank - low) * (sorted[low + 1] - sorted[low]) : sorted[low];
        }
        return (At(0.5), At(0.95), At(0.99), sorted.Length);
    }

    private static void AssertLatency((double P50, double P95, double P99, long Calls) expected, LatencyPercentiles? actual)
    {
        Assert.NotNull(actual);
        Assert.Equal(expected.P50, actual.P50, 6);
        Assert.Equal(expected.P95, actual.P95, 6);
        Assert.Equal(expected.P99, actual.P99, 6);
        Assert.Equal(expected.Calls, actual.Calls);
    }
}
