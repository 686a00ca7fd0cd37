using System.Text.Json;
using CompliancePortal.Bench;
using CompliancePortal.Tests.Infrastructure;

namespace CompliancePortal.Tests.Bench;

/// <summary>
/// Runs `bench ingest`'s whole code path (own cluster, in-process portal, both seed baselines,
/// chain and full-text checks) on a tiny workload, so the command cannot silently rot.
/// </summary>
public sealed class IngestBenchmarkTests
{
    private static readonly string[] SummaryKeys =
        ["events", "events_per_s", "ack_p50_ms", "ack_p99_ms", "events_per_s_sustained", "offered_per_s", "ack_p50_ms_at_load", "ack_p99_ms_at_load",
         "index_lag_p50_ms", "index_lag_p99_ms", "vector_lag_p99_ms", "busy_answers", "busy_answers_at_load", "gated_at_load", "gate_wait_ms_mean_at_load",
         "server_cpu_us_per_event", "indexer_cpu_us_per_event",
         "seed_copy_per_s", "seed_insert_per_s", "vs_seed_copy", "vs_seed_insert", "sustained_vs_seed_copy",
         "ingest_cpu_us_per_event", "checkpoint_ms", "tree_append_us_per_event", "tree_share_of_ingest", "chain_guard_us_per_event", "chain_guard_share_of_ingest"];

    [Fact]
    public async Task BenchIngest_TinyRun_PassesItsChecksAndEndsWithTheSummaryJson()
    {
        var output = new StringWriter();
        var options = new IngestBenchmarkOptions
        {
            Events = 2_000, Clients = 2, Batch = 250, InsertEvents = 300, SearchSample = 200, Warmup = 500,
            LoadRate = 500, LoadSeconds = 2, LoadBatch = 50, LoadStep = 1_000_000, // the fixed load, and no step above it
            ContentRoot = RepositoryRoot.Path,
        };

        var exit = await IngestBenchmark.RunAsync(options, output);

        var lines = output.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        Assert.True(exit == 0, output.ToString());
        using var summary = JsonDocument.Parse(lines[^1]);
        Assert.Equal(SummaryKeys, summary.RootElement.EnumerateObject().Select(p => p.Name));
        Assert.Equal(2_000, summary.RootElement.GetProperty("events").GetInt32());
        // The 503s and the requests held at the vectors' bound may be 0 (a tiny run seldom fills a bound); every other figure is measured.
        string[] mayBeZero = ["busy_answers", "busy_answers_at_load", "gated_at_load", "gate_wait_ms_mean_at_load"];
        foreach (var key in SummaryKeys)
            Assert.True(mayBeZero.Contains(key) ? summary.RootElement.GetProperty(key).GetDouble() >= 0 : summary.RootElement.GetProperty(key).GetDouble() > 0, key);
        Assert.Contains(lines, l => l.StartsWith("full-text check: 200 of 200", StringComparison.Ordinal));
        // The warm-up's events go into the same ledger first, so the chain holds both.
        Assert.Contains(lines, l => l.StartsWith("warm-up: 500 events", StringComparison.Ordinal));
        Assert.Contains("fixed load: 500/s offered for 2 s: held", lines);
        Assert.Contains(lines, l => System.Text.RegularExpressions.Regex.IsMatch(l, @"^portal's GC at the fixed load: \d+ collections \(\d+ of gen1, \d+ of gen2\), paused \d+ ms in all$"));
        Assert.Equal(500, summary.RootElement.GetProperty("offered_per_s").GetInt32());
        // The warm-up's 500, the measured 2,000, the fixed load's 1,000 and the checkpoint's probe (one, or more when the running writer signed first).
        Assert.Contains(lines, l => System.Text.RegularExpressions.Regex.IsMatch(l, "^chain check: intact=True, posted entries=350[1-9],"));
        Assert.Contains(lines, l => l.StartsWith("merkle tree: ", StringComparison.Ordinal) && l.Contains("of ingest cpu (target < 5 %)"));
        Assert.Contains(lines, l => l.StartsWith("chain guard: ", StringComparison.Ordinal) && l.Contains(" head moves of 250:") && l.Contains("of ingest cpu (target < 10 %)"));
    }

    [Fact]
    public async Task BenchIngest_Ablation_DropsTheIndexesAndPassesSettingsToThePortal_AndProfilesStatements()
    {
        var output = new StringWriter();
        var options = IngestBenchmarkOptions.Parse(["--events", "1000", "--clients", "2", "--batch", "250", "--insert-events", "100",
            "--warmup", "0", "--load-rate", "500", "--load-seconds", "1", "--load-step", "1000000", "--statements", "40",
            "--without", "indexes", "--Alerts:Enabled=false", "--content-root", RepositoryRoot.Path]);

        var exit = await IngestBenchmark.RunAsync(options, output);

        var lines = output.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        Assert.True(exit == 0, output.ToString());
        var dropped = Assert.Single(lines, l => l.StartsWith("ablation: dropped ", StringComparison.Ordinal));
        Assert.Contains("audit_fts_vector_idx", dropped);
        Assert.Contains("audit_log_trade_id_idx", dropped);
        Assert.DoesNotContain("audit_log_pkey", dropped);
        Assert.Contains("full-text check: skipped (ablation run)", lines);
        // --statements: the fixed load's statements from pg_stat_statements, the head's move among them.
        var profile = lines.SkipWhile(l => !l.StartsWith("statements at the fixed load (pg_stat_statements, the 40 ", StringComparison.Ordinal)).Skip(2).TakeWhile(l => char.IsDigit(l[0])).ToList();
        Assert.InRange(profile.Count, 5, 40);
        Assert.Contains(profile, l => l.Contains("UPDATE ledger_head", StringComparison.Ordinal));
        // Alerts:Enabled=false reached the portal: no alert rule added entries of its own.
        Assert.Contains(lines, l => System.Text.RegularExpressions.Regex.IsMatch(l, "^chain check: intact=True, posted entries=150[1-9], all entries=150[1-9],"));
    }

    [Fact]
    public void Options_AcceptBothFlagForms()
    {
        var options = IngestBenchmarkOptions.Parse(["--events", "5000", "--clients=3", "--warmup", "0"]);
        Assert.Equal(5_000, options.Events);
        Assert.Equal(3, options.Clients);
        Assert.Equal(0, options.Warmup);
        Assert.Equal(500, options.Batch);
        Assert.Equal(10_000, options.LoadRate);
        Assert.Equal(60, options.LoadSeconds);
        Assert.Equal(2_000, IngestBenchmarkOptions.Parse(["--load-rate=2000"]).LoadRate);
        Assert.Throws<ArgumentException>(() => IngestBenchmarkOptions.Parse(["--events", "-1"]));
        Assert.Throws<ArgumentException>(() => IngestBenchmarkOptions.Parse(["--bogus", "1"]));
        Assert.Throws<ArgumentException>(() => IngestBenchmarkOptions.Parse(["--without", "wal"]));

        var ablation = IngestBenchmarkOptions.Parse(["--without=full-text", "--Alerts:Enabled=false"]);
        Assert.Equal(Ablation.FullText, ablation.Without);
        Assert.Equal(["--Alerts:Enabled=false"], ablation.PortalSettings);
    }

    [Theory]
    [InlineData(1000, 1.0, 4999, true)]    // every request indexed within 5 s, the offered rate met
    [InlineData(1000, 1.0, 5000, false)]   // one request 5 s behind the index
    [InlineData(1000, 1.2, 100, false)]    // the portal acknowledged under 95 % of the offered rate
    [InlineData(0, 1.0, 100, false)]       // not a fixed-load run
    public void AFixedLoadIsHeld_OnlyWhenAcknowledgedAndIndexedInTime(int rate, double secondsPerThousand, double worstLag, bool held)
    {
        var run = new BenchResult("portal", 1000, TimeSpan.FromSeconds(secondsPerThousand), [1, 2, 3])
        {
            OfferedRate = rate,
            IndexLagMilliseconds = [10, 20, worstLag],
        };
        Assert.Equal(held, run.Held);
        Assert.False((run with { IndexLagMilliseconds = [10, 20] }).Held); // a request never seen in the index
    }
}
