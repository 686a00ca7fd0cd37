using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
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
    /// <summary>
    /// Starts the portal, posts the warm-up events (in rounds, until a round leaves the JIT
    /// nearly idle) and then, on the same running portal, the measured events.
    /// </summary>
    /// <returns>The measured run, how many other events went into the ledger (warm-up before it, the
    /// checkpoint's probe after it), and how long one checkpoint took after it.</returns>
    public static async Task<(BenchResult Measured, int OtherEvents, double CheckpointMs)> RunAsync(
        PortalConnections database, IReadOnlyList<BenchEvent> warmup, IReadOnlyList<BenchEvent> events, IngestBenchmarkOptions options,
        string benchFolder, ResourceMeter meter, TextWriter output, CancellationToken ct)
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
            await app.Services.GetRequiredService<ApiKeyStore>().UpsertAsync("bench", key, [.. LogTypes.All], canVerify: false, ct);
            var address = new Uri(app.Urls.First());
            var warmed = 0;
            for (var start = 0; start < warmup.Count; start += IngestBenchmarkOptions.WarmupRound)
            {
                var jitBefore = System.Runtime.JitInfo.GetCompiledMethodCount();
                var round = await PostAllAsync(address, key, BenchEvents.NdJsonBatches(
                    [.. warmup.Skip(start).Take(IngestBenchmarkOptions.WarmupRound)], options.Batch), options.Clients, meter, ct);
                var compiled = System.Runtime.JitInfo.GetCompiledMethodCount() - jitBefore;
                warmed += round.Events;
                output.WriteLine($"warm-up: {round.Events} events in {round.Elapsed.TotalSeconds:F2} s ({round.EventsPerSecond:F0}/s, " +
                                 $"app cpu {round.Used.Process.TotalMicroseconds / round.Events:F1} us/event, {compiled} methods compiled); not counted");
                if (compiled < IngestBenchmarkOptions.QuietJitMethods) break;
            }
            var measured = await PostAllAsync(address, key, BenchEvents.NdJsonBatches(events, options.Batch), options.Clients, meter, ct);
            var lastAck = Stopwatch.StartNew();
            var (checkpointMs, probes) = await CheckpointMillisecondsAsync(app.Services, address, key, ct);
            // The full-text index follows the ledger: the portal runs until its indexer has every entry.
            await using (var connection = new NpgsqlConnection(database.App))
            {
                await connection.OpenAsync(ct);
                if (await LedgerChecks.WaitForIndexerAsync(connection, TimeSpan.FromMinutes(5), ct) is { } behind) throw new InvalidOperationException(behind);
            }
            output.WriteLine($"full-text index: level with the ledger {lastAck.Elapsed.TotalSeconds:F1} s after the last acknowledgement");
            return (measured, warmed + probes, checkpointMs);
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
            await PostAsync(http, body, count, ct);
            await writer.CatchUpAsync(ct);
            var clock = Stopwatch.StartNew();
            if (await writer.CheckpointAsync(ct) is not null) return (clock.Elapsed.TotalMilliseconds, attempt + 1);
        }
        throw new InvalidOperationException("no checkpoint could be timed: the running writer signed every time first");
    }

    private static async Task<BenchResult> PostAllAsync(Uri address, string key, (byte[] Body, int Count)[] batches, int clients, ResourceMeter meter, CancellationToken ct)
    {
        using var handler = new SocketsHttpHandler { MaxConnectionsPerServer = clients, UseProxy = false };
        using var http = new HttpClient(handler) { BaseAddress = address, Timeout = TimeSpan.FromMinutes(2) };
        http.DefaultRequestHeaders.Add("X-Api-Key", key);
        // Open the connections (and warm the routing) before the clock starts; this stores nothing.
        await Task.WhenAll(Enumerable.Range(0, clients).Select(_ => http.GetAsync("/healthz", ct)));

        var acks = new double[batches.Length];
        var next = -1;
        var before = await meter.ReadAsync(ct);
        var total = Stopwatch.StartNew();
        await Task.WhenAll(Enumerable.Range(0, clients).Select(_ => Task.Run(async () =>
        {
            int i;
            while ((i = Interlocked.Increment(ref next)) < batches.Length)
            {
                var began = Stopwatch.GetTimestamp();
                await PostAsync(http, batches[i].Body, batches[i].Count, ct);
                acks[i] = Stopwatch.GetElapsedTime(began).TotalMilliseconds;
            }
        }, ct)));
        var elapsed = total.Elapsed;
        var used = await meter.ReadAsync(ct) - before;
        return new BenchResult("portal: HTTP NDJSON -> ledger", batches.Sum(b => b.Count), elapsed, acks)
        {
            Used = used,
        };
    }

    /// <summary>
    /// Posts one batch until it is acknowledged; a 503 (writer queue full, or the full-text index too
    /// far behind) is retried as a real client would, for up to five minutes.
    /// </summary>
    private static async Task PostAsync(HttpClient http, byte[] body, int count, CancellationToken ct)
    {
        var deadline = Stopwatch.StartNew();
        while (true)
        {
            using var content = new ByteArrayContent(body);
            content.Headers.ContentType = new MediaTypeHeaderValue("application/x-ndjson");
            using var response = await http.PostAsync("/api/v1/events", content, ct);
            var answer = await response.Content.ReadAsByteArrayAsync(ct);
            if (response.StatusCode == HttpStatusCode.ServiceUnavailable && deadline.Elapsed < TimeSpan.FromMinutes(5))
            {
                await Task.Delay(TimeSpan.FromMilliseconds(20), ct);
                continue;
            }
            if (response.StatusCode != HttpStatusCode.OK)
                throw new InvalidOperationException($"the portal answered {(int)response.StatusCode}: {System.Text.Encoding.UTF8.GetString(answer)}");
            var accepted = ReadAccepted(answer);
            if (accepted != count)
                throw new InvalidOperationException($"the portal accepted {accepted} of {count} events");
            return;
        }
    }

    /// <summary>The response's top-level "accepted" count, read without building the receipts.</summary>
    private static int ReadAccepted(byte[] json)
    {
        var reader = new Utf8JsonReader(json);
        while (reader.Read())
        {
            if (reader.TokenType == JsonTokenType.PropertyName && reader.CurrentDepth == 1 && reader.ValueTextEquals("accepted"u8))
            {
                reader.Read();
                return reader.GetInt32();
            }
        }
        return -1;
    }
}
