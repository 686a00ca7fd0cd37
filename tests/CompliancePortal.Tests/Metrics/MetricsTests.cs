using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using CompliancePortal.Tests.Infrastructure;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;

namespace CompliancePortal.Tests.Metrics;

/// <summary>One sample of a scrape, as the Prometheus client's parser read it.</summary>
public sealed record Sample(string Name, IReadOnlyDictionary<string, string> Labels, double Value);

/// <summary>GET /metrics with a scrape token: the seed's trading metrics made from the ledger, and the portal's own.</summary>
[Collection(PostgresCollection.Name)]
public sealed class MetricsTests(PostgresFixture postgres) : PortalTest(postgres)
{
    private const string Token = "scrape-token-0123456789";

    protected override void Configure(IWebHostBuilder builder) => builder.UseSetting("Metrics:BearerToken", Token);

    /// <summary>Scrapes as Prometheus would and parses the text with python3's prometheus_client (tests/run.sh installs it).</summary>
    internal static async Task<(List<Sample> Samples, Dictionary<string, string> Types)> ScrapeAsync(HttpResponseMessage response)
    {
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.StartsWith("text/plain; version=0.0.4", response.Content.Headers.ContentType?.ToString());
        var folder = Directory.CreateTempSubdirectory("cp-metrics-").FullName;
        var file = Path.Combine(folder, "scrape.txt");
        await File.WriteAllTextAsync(file, await response.Content.ReadAsStringAsync());
        var script = Path.Combine(RepositoryRoot.Path, "tests", "CompliancePortal.Tests", "Metrics", "parse_metrics.py");
        var (exit, output) = await ExternalProgram.RunAsync(folder, "/usr/bin/python3", [script, file]);
        Assert.True(exit == 0, output);
        var samples = new List<Sample>();
        var types = new Dictionary<string, string>();
        foreach (var line in output.Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            var json = JsonDocument.Parse(line).RootElement;
            if (json.TryGetProperty("family", out var family)) types[family.GetString()!] = json.GetProperty("type").GetString()!;
            else
                samples.Add(new Sample(json.GetProperty("name").GetString()!,
                    json.GetProperty("labels").EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetString()!),
                    json.GetProperty("value").GetDouble()));
        }
        return (samples, types);
    }

    private Task<HttpResponseMessage> GetMetricsAsync(string? token)
    {
        var request = new HttpRequestMessage(HttpMethod.Get, "/metrics");
        if (token is not null) request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return Client.SendAsync(request);
    }

    private static double Value(List<Sample> samples, string name, params (string Label, string Value)[] labels) =>
        samples.Single(s => s.Name == name && labels.All(l => s.Labels.GetValueOrDefault(l.Label) == l.Value)).Value;

    private static string Trade(string id, string asset, string action, string at, string filled, double navAfter) => JsonSerializer.Serialize(new
    {
        timestamp = at, log_type = "TRADE", @event = "trade_executed", trade_id = id, asset, action,
        fill_timestamp = filled, portfolio_nav_after = navAfter,
    });

    [Fact]
    public async Task AScrape_CountsTheSeedsTradingMetricsFromTheLedger_AndThePortalsOwn()
    {
        var response = await Client.PostNdJsonAsync([
            Trade("T-1", "QQQ", "SELL_PUT", "2024-10-08T10:32:45.000000Z", "2024-10-08T10:32:47.500000Z", 156596.87),
            Trade("T-2", "QQQ", "SELL_PUT", "2024-10-08T10:40:00.000000Z", "2024-10-08T10:40:00.500000Z", 157000.10),
            Trade("T-3", "SPY", "BUY_CALL", "2024-10-08T10:41:00.000000Z", "2024-10-08T10:41:01.000000Z", 157100.00),
            """{"log_type":"TRADE","event":"trade_failed","level":"ERROR","trade_id":"T-4","asset":"SPY","error":"timeout"}""",
            """{"log_type":"SYSTEM","event":"api_error","level":"CRITICAL","endpoint":"/v2/orders"}""",
            """{"log_type":"SYSTEM","event":"api_call","endpoint":"/v2/orders","latency_ms":145}""",
            """{"log_type":"NAV","event":"nav_calculated","nav":156789.45}""",
        ], Key);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);

        // The metrics follow the ledger as the live feed does: wait for the last entry to reach them.
        List<Sample> samples = [];
        Dictionary<string, string> types = [];
        for (var tries = 0; tries < 100; tries++)
        {
            (samples, types) = await ScrapeAsync(await GetMetricsAsync(Token));
            // The alert rules' own alert_raised entries go through the same writer: wait for its queue to empty too.
            if (samples.Any(s => s.Name == "compliance_portal_events_committed_total" && s.Labels["log_type"] == "NAV")
                && samples.Any(s => s.Name == "compliance_portal_writer_queued_events" && s.Value == 0)) break;
            await Task.Delay(100);
        }

        Assert.Equal(2, Value(samples, "trades_total", ("asset", "QQQ"), ("action", "SELL_PUT")));
        Assert.Equal(1, Value(samples, "trades_total", ("asset", "SPY"), ("action", "BUY_CALL")));
        Assert.Equal(3, Value(samples, "trade_latency_seconds_count"));
        Assert.Equal(4.0, Value(samples, "trade_latency_seconds_sum"), 6);
        // 0.5 s and 1 s are in the bucket up to 1 s; the 2.5 s one is above it.
        Assert.Equal(2, samples.Single(s => s.Name == "trade_latency_seconds_bucket" && double.TryParse(s.Labels["le"], System.Globalization.CultureInfo.InvariantCulture, out var le) && le == 1).Value);
        Assert.Equal(156789.45, Value(samples, "portfolio_nav"));   // the nav_calculated after the trades
        Assert.Equal(1, Value(samples, "errors_total", ("error_type", "trade_failed")));
        Assert.Equal(1, Value(samples, "errors_total", ("error_type", "api_error")));
        Assert.Equal(4, Value(samples, "compliance_portal_events_committed_total", ("log_type", "TRADE")));
        Assert.Equal(1, Value(samples, "compliance_portal_ingest_batch_events_count"));
        Assert.Equal(7, Value(samples, "compliance_portal_ingest_batch_events_sum"));
        Assert.Equal(0.145, Value(samples, "api_latency_seconds_sum", ("endpoint", "/v2/orders")), 9);
        Assert.Equal(1, Value(samples, "compliance_portal_ingest_commit_seconds_count"));
        Assert.Equal(0, Value(samples, "compliance_portal_ingest_held_seconds_count"));   // nothing waited at the vectors' bound
        Assert.Equal(0, Value(samples, "compliance_portal_writer_queued_events"));
        Assert.True(Value(samples, "compliance_portal_live_feed_subscribers") >= 1);
        Assert.Contains(samples, s => s.Name == "compliance_portal_index_lag_entries");
        Assert.Equal(["gin", "vectors"], samples.Where(s => s.Name == "compliance_portal_indexer_stage_held").Select(s => s.Labels["stage"]).Order());
        // Open alerts, one series per severity (the rules may not have run yet: their counts are not asserted).
        Assert.Equal(["critical", "high", "low", "medium"], samples.Where(s => s.Name == "compliance_portal_alerts_open").Select(s => s.Labels["severity"]).Order());
        // The Grafana dashboard in docs/ asks only for series this scrape has.
        using var dashboard = JsonDocument.Parse(await File.ReadAllTextAsync(Path.Combine(RepositoryRoot.Path, "docs", "grafana-trading-operations.json")));
        var panels = dashboard.RootElement.GetProperty("panels").EnumerateArray().ToList();
        Assert.Equal(["Live Trade Feed (last 50 trades)", "Error Rate (last hour)", "API Latency (p50, p95, p99)", "Execution Success Rate", "Recent Alerts"],
            panels.Select(p => p.GetProperty("title").GetString()));
        var asked = panels.SelectMany(p => p.GetProperty("targets").EnumerateArray())
            .SelectMany(t => System.Text.RegularExpressions.Regex.Matches(t.GetProperty("expr").GetString()!, @"\b([a-z_][a-z0-9_]*)(?=\{|\[)").Select(m => m.Groups[1].Value))
            .Distinct().Order().ToList();
        Assert.Equal(["api_latency_seconds_bucket", "compliance_portal_alerts_open", "errors_total", "trades_total"], asked);
        Assert.All(asked, name => Assert.Contains(samples, s => s.Name == name));
        Assert.Equal(["counter", "histogram", "gauge", "counter"], new[] { "trades", "trade_latency_seconds", "portfolio_nav", "errors" }.Select(n => types[n]));
    }

    [Theory]
    [InlineData(null)]
    [InlineData("not-the-scrape-token")]
    public async Task AScrapeWithoutTheToken_IsRefused(string? token)
    {
        var response = await GetMetricsAsync(token);

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.DoesNotContain("trades_total", await response.Content.ReadAsStringAsync());
    }
}

/// <summary>Without a token, /metrics answers this machine only, and not through a proxy.</summary>
[Collection(PostgresCollection.Name)]
public sealed class MetricsWithoutTokenTests(PostgresFixture postgres) : PortalTest(postgres)
{
    protected override void Configure(IWebHostBuilder builder) => TestClientAddress.AddTo(builder);

    [Theory]
    [InlineData("127.0.0.1", false, 200)]
    [InlineData("::1", false, 200)]
    [InlineData("127.0.0.1", true, 403)]     // a reverse proxy on this machine forwards others' requests
    [InlineData("192.0.2.10", false, 403)]
    public async Task OnlyThisMachine_MayScrape(string address, bool forwarded, int status)
    {
        var request = new HttpRequestMessage(HttpMethod.Get, "/metrics");
        request.Headers.Add(TestClientAddress.Header, address);
        if (forwarded) request.Headers.Add("X-Forwarded-For", "198.51.100.7");

        var response = await Client.SendAsync(request);

        Assert.Equal(status, (int)response.StatusCode);
        if (status == 200) Assert.Contains((await MetricsTests.ScrapeAsync(response)).Samples, s => s.Name == "compliance_portal_writer_queued_events");
    }
}
