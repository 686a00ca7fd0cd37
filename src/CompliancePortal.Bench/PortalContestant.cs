using System.Diagnostics;
using CompliancePortal.Core.ApiKeys;
using CompliancePortal.Core.Database;
using CompliancePortal.Core.Ledger;
using Npgsql;

namespace CompliancePortal.Bench;

/// <summary>
/// The measured contestant: the real portal (the same composition Program runs) on Kestrel at a
/// free loopback port, fed NDJSON batches by concurrent HTTP clients through the public API.
/// </summary>
public static class PortalContestant
{
    /// <summary>The API key the load clients post with: its entries are the posted ones the chain check counts.</summary>
    public const string KeyName = "bench";

    /// <summary>What the portal's runs measured.</summary>
    /// <param name="Measured">As fast as the clients get acknowledgements.</param>
    /// <param name="AtLoad">At the fixed offered load.</param>
    /// <param name="Sustained">The highest offered load the portal held (see <see cref="BenchResult.Held"/>), 0 if not even the first.</param>
    /// <param name="OtherEvents">Events that went into the ledger besides the measured ones (warm-up, loads, the checkpoint's probes).</param>
    /// <param name="CheckpointMs">How long one checkpoint took after the runs.</param>
    public sealed record Runs(BenchResult Measured, BenchResult AtLoad, IReadOnlyList<BenchResult> Steps, double Sustained, int OtherEvents, double CheckpointMs);

    /// <summary>
    /// Starts the portal and, from a separate client process each time (<see cref="LoadClients"/>),
    /// posts the warm-up events (in rounds, until a round leaves the JIT nearly idle), the measured
    /// events as fast as acknowledgements come, then the fixed offered load, then higher loads in
    /// steps while the portal holds them, all on the same running portal.
    /// </summary>
    public static async Task<Runs> RunAsync(PortalConnections database, IngestBenchmarkOptions options,
        string benchFolder, ResourceMeter meter, StatementProfile? statements, TextWriter output, CancellationToken ct)
    {
        await using var app = await PortalApp.BuildAsync(
        [
            $"--contentRoot={options.ContentRoot}",
            $"--ConnectionStrings:Portal={database.App}",
            "--Urls=http://127.0.0.1:0",
            "--Demo:Enabled=false",
            $"--Checkpoints:SigningKey={CompliancePortal.Core.Ledger.Checkpoints.NoteSigner.Generate("bench.localhost/ledger")}",
            "--FileLog:Enabled=true",
            $"--FileLog:Folder={Path.Combine(benchFolder, "filelog")}",
            // The run's own archive store: checkpoints and day archives never reach the content root's.
            $"--Archive:Folder={Path.Combine(benchFolder, "archive")}",
            "--Logging:LogLevel:Default=Warning",
            .. options.PortalSettings,
        ]);
        await app.StartAsync(ct);
        try
        {
            var key = ApiKeyStore.NewKey();
            await app.Services.GetRequiredService<ApiKeyStore>().UpsertAsync(KeyName, key, [.. LogTypes.All], canVerify: false, ct);
            var address = new Uri(app.Urls.First());
            var held = app.Services.GetRequiredService<CompliancePortal.Metrics.PortalMetrics>().IngestHeldSeconds;
            async Task<BenchResult> Load(LoadPlan plan, string contestant)
            {
                var (waits, seconds) = (held.Count, held.Sum);
                var result = await LoadClients.RunAsync(address, key, plan, contestant, database.App, meter, ct);
                return result with { GateWaits = held.Count - waits, GateWaitMilliseconds = (held.Sum - seconds) * 1000 };
            }

            var other = 0;
            for (var start = 0; start < options.Warmup; start += IngestBenchmarkOptions.WarmupRound)
            {
                var jitBefore = System.Runtime.JitInfo.GetCompiledMethodCount();
                var round = await Load(new LoadPlan(Math.Min(IngestBenchmarkOptions.WarmupRound, options.Warmup - start), "warmup", options.Batch, options.Clients, Skip: start), "warm-up");
                var compiled = System.Runtime.JitInfo.GetCompiledMethodCount() - jitBefore;
                other += round.Events;
                output.WriteLine($"warm-up: {round.Events} events in {round.Elapsed.TotalSeconds:F2} s ({round.EventsPerSecond:F0}/s, " +
                                 $"app cpu {round.Used.Process.TotalMicroseconds / round.Events:F1} us/event, {compiled} methods compiled); not counted");
                if (compiled < IngestBenchmarkOptions.QuietJitMethods) break;
            }
            var measured = await Load(new LoadPlan(options.Events, "bench", options.Batch, options.Clients), "portal: saturated");

            var loadPlan = new LoadPlan(options.LoadRate * options.LoadSeconds, $"load{options.LoadRate}", options.LoadBatch, options.Clients, options.LoadRate);
            if (statements is not null) await statements.ResetAsync(ct);
            var gc = GcCounts.Now();
            var atLoad = await Load(loadPlan, $"portal: {options.LoadRate}/s offered");
            other += atLoad.Events;
            output.WriteLine($"fixed load: {options.LoadRate}/s offered for {options.LoadSeconds} s: {(atLoad.Held ? "held" : "not held")}");
            output.WriteLine($"portal's GC at the fixed load: {GcCounts.Now() - gc}");
            if (statements is not null) await statements.PrintAsync(output, atLoad.Events, ct);

            // Higher loads, a step at a time, while each is held (up to what the saturated run reached).
            var steps = new List<BenchResult>();
            var sustained = atLoad.Held ? atLoad.EventsPerSecond : 0;
            for (var rate = options.LoadRate + options.LoadStep; sustained > 0 && rate <= measured.EventsPerSecond * 1.1; rate += options.LoadStep)
            {
                var step = await Load(new LoadPlan(rate * options.StepSeconds, $"load{rate}", options.LoadBatch, options.Clients, rate), $"portal: {rate}/s offered");
                steps.Add(step);
                other += step.Events;
                output.WriteLine($"step: {rate}/s offered for {options.StepSeconds} s: {(step.Held ? "held" : "not held")}, " +
                                 $"index lag p99 {step.IndexLagP99:F0} ms, max {step.IndexLagMilliseconds.DefaultIfEmpty(double.NaN).Max():F0} ms");
                if (!step.Held) break;
                sustained = step.EventsPerSecond;
            }

            var lastAck = Stopwatch.StartNew();
            var (checkpointMs, probes) = await CheckpointMillisecondsAsync(app.Services, address, key, ct);
            // The full-text index follows the ledger: the portal runs until its indexer has every entry.
            await using (var connection = new NpgsqlConnection(database.App))
            {
                await connection.OpenAsync(ct);
                if (await LedgerChecks.WaitForIndexerAsync(connection, TimeSpan.FromMinutes(5), ct) is { } behind) throw new InvalidOperationException(behind);
            }
            output.WriteLine($"full-text index: level with the ledger {lastAck.Elapsed.TotalSeconds:F1} s after the last acknowledgement");
            return new Runs(measured, atLoad, steps, sustained, other + probes, checkpointMs);
        }
        finally
        {
            await app.StopAsync(CancellationToken.None);
        }
    }

    /// <summary>
    /// One checkpoint (sign, archive, record) of a tree that just grew: one more event, the tree
    /// brought level, then the writer's own CheckpointAsync timed. Tried again when the running
    /// writer signed first.
    /// </summary>
    private static async Task<(double Milliseconds, int Posted)> CheckpointMillisecondsAsync(IServiceProvider services, Uri address, string key, CancellationToken ct)
    {
        var writer = services.GetRequiredService<CompliancePortal.Core.Ledger.Checkpoints.CheckpointWriter>();
        using var http = new HttpClient { BaseAddress = address };
        http.DefaultRequestHeaders.Add("X-Api-Key", key);
        for (var attempt = 0; attempt < 20; attempt++)
        {
            var (body, count) = BenchEvents.NdJsonBatches(BenchEvents.Generate(1, idPrefix: $"checkpoint-probe-{attempt}"), 1)[0];
            await LoadClients.PostAsync(http, body, count, ct);
            await writer.CatchUpAsync(ct);
            var clock = Stopwatch.StartNew();
            if (await writer.CheckpointAsync(ct) is not null) return (clock.Elapsed.TotalMilliseconds, attempt + 1);
        }
        throw new InvalidOperationException("no checkpoint could be timed: the running writer signed every time first");
    }
}

/// <summary>The portal process's garbage collections and their pauses, to tell a stall of the runtime from one of the database.</summary>
internal readonly record struct GcCounts(int Gen0, int Gen1, int Gen2, TimeSpan Paused)
{
    public static GcCounts Now() => new(GC.CollectionCount(0), GC.CollectionCount(1), GC.CollectionCount(2), GC.GetTotalPauseDuration());

    public static GcCounts operator -(GcCounts after, GcCounts before) =>
        new(after.Gen0 - before.Gen0, after.Gen1 - before.Gen1, after.Gen2 - before.Gen2, after.Paused - before.Paused);

    public override string ToString() => string.Create(System.Globalization.CultureInfo.InvariantCulture,
        $"{Gen0} collections ({Gen1} of gen1, {Gen2} of gen2), paused {Paused.TotalMilliseconds:F0} ms in all");
}
