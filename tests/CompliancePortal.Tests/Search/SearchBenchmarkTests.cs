using System.Text.Json;
using CompliancePortal.Bench;
using CompliancePortal.Tests.Infrastructure;

namespace CompliancePortal.Tests.Search;

[Collection(PostgresCollection.Name)]
public sealed class SearchBenchmarkTests(PostgresFixture postgres)
{
    [Fact]
    public async Task Run_TinyLedger_PrintsOneJsonLineWithEveryQuery()
    {
        var output = new StringWriter();

        var result = await SearchBenchmark.RunAsync(postgres.Cluster, new SearchBenchmark.Options(Events: 3000, Runs: 2, Unindexed: 1000, Unvectorized: 400), output);

        var last = output.ToString().TrimEnd().Split('\n')[^1];
        using var json = JsonDocument.Parse(last);
        Assert.Equal(3000, json.RootElement.GetProperty("events").GetInt32());
        var queries = json.RootElement.GetProperty("queries");
        Assert.Equal(["trades_asset_date_range", "fulltext_spy_assignment", "fulltext_common_term", "fulltext_rare_term", "circuit_breakers", "premium_since_date", "trade_blotter_day"],
            queries.EnumerateObject().Select(q => q.Name));
        foreach (var q in queries.EnumerateObject())
            foreach (var key in new[] { "p50_ms", "p95_ms", "seed_p95_ms" })
                Assert.True(q.Value.GetProperty(key).GetDouble() > 0, $"{q.Name}.{key}");
        // All but the newest 1,000 entries were indexed and all but the newest 400 vectorized, as an indexer that far behind leaves them.
        Assert.Contains(output.ToString().Split('\n'), l => l.StartsWith("full-text index: 2,600 vectors stored and 2,000 of them moved into the GIN index", StringComparison.Ordinal) && l.Contains("1,000 left out of the GIN index") && l.Contains("400 of them without a vector"));
        // The generated data holds what the queries look for.
        Assert.All(result.Queries, q => Assert.True(q.Rows > 0, q.Name));
    }
}
