using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using Npgsql;

namespace CompliancePortal.Bench;

/// <summary>
/// What one load run posts: <see cref="Events"/> generated events (ids and tags starting with
/// <see cref="IdPrefix"/>) in requests of <see cref="Batch"/>, either as fast as
/// <see cref="Clients"/> concurrent clients get acknowledgements (<see cref="Rate"/> 0) or at a
/// fixed offered load of <see cref="Rate"/> events a second, each request sent at its time
/// whether or not earlier ones were answered. <see cref="Skip"/> leaves out the first events of
/// the generated sequence (a warm-up round takes the next slice).
/// </summary>
public sealed record LoadPlan(int Events, string IdPrefix, int Batch, int Clients, int Rate = 0, int Skip = 0);

/// <summary>What a load run measured: one entry per request, in the order they were planned (<see cref="Busy"/>: the 503 answers it got first).</summary>
public sealed record LoadResult(double Seconds, double CpuMilliseconds, double[] AckMilliseconds, long[] AckedAtMicroseconds, long[] LastSeq, int[] Busy);

/// <summary>
/// The benchmark's HTTP clients, in a process of their own (`bench load`), so their CPU is not
/// the server's: the parent starts it, reads its meters when the child is ready, says go, follows
/// the full-text index's watermark while the child posts, and reads the child's result file.
/// </summary>
public static class LoadClients
{
    private const int MaxInFlight = 256;   // an open-loop run's requests waiting for an answer at once

    /// <summary>Runs <paramref name="plan"/> against the portal at <paramref name="address"/> from a child process.</summary>
    public static async Task<BenchResult> RunAsync(Uri address, string key, LoadPlan plan, string contestant, string appConnectionString,
        ResourceMeter meter, CancellationToken ct)
    {
        var outFile = Path.Combine(Path.GetTempPath(), $"cp-load-{Guid.NewGuid():N}.json");
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardInput = true, RedirectStandardOutput = true, UseShellExecute = false,
        };
        foreach (var arg in (string[])[typeof(LoadClients).Assembly.Location, "bench", "load", "--url", address.ToString(), "--key", key,
                     "--events", Text(plan.Events), "--id-prefix", plan.IdPrefix, "--batch", Text(plan.Batch), "--clients", Text(plan.Clients),
                     "--rate", Text(plan.Rate), "--skip", Text(plan.Skip), "--out", outFile])
            start.ArgumentList.Add(arg);
        using var child = Process.Start(start) ?? throw new InvalidOperationException("the load process did not start");
        try
        {
            await ExpectAsync(child, "ready", ct);
            var before = await meter.ReadAsync(ct);
            using var stopWatching = CancellationTokenSource.CreateLinkedTokenSource(ct);
            var watermarks = new WatermarkWatch(appConnectionString, stopWatching.Token);
            await child.StandardInput.WriteLineAsync("go");
            await child.StandardInput.FlushAsync(ct);
            await ExpectAsync(child, "done", ct);
            var used = await meter.ReadAsync(ct) - before;
            await child.WaitForExitAsync(ct);
            var result = JsonSerializer.Deserialize<LoadResult>(await File.ReadAllBytesAsync(outFile, ct))!;
            var lastSeq = result.LastSeq.Max();
            // Watched until the index holds the last entry (or a minute more), for every request's lag.
            var watch = Stopwatch.StartNew();
            while (watermarks.Current < lastSeq && watch.Elapsed < TimeSpan.FromMinutes(1)) await Task.Delay(20, ct);
            await stopWatching.CancelAsync();
            var samples = await watermarks.Samples;
            return new BenchResult(contestant, plan.Events, TimeSpan.FromSeconds(result.Seconds), result.AckMilliseconds)
            {
                Used = used with { Clients = TimeSpan.FromMilliseconds(result.CpuMilliseconds) },
                IndexLagMilliseconds = Lags(result, samples, s => s.Watermark),
                VectorLagMilliseconds = Lags(result, samples, s => s.Vectorized),
                OfferedRate = plan.Rate,
                BusyAnswers = result.Busy.Sum(),
            };
        }
        finally
        {
            if (!child.HasExited) child.Kill(entireProcessTree: true);
            File.Delete(outFile);
        }
    }

    /// <summary>One reading of the full-text indexer's two marks.</summary>
    private readonly record struct IndexMarks(long AtMicroseconds, long Watermark, long Vectorized);

    /// <summary>
    /// Each request's lag to one of the indexer's marks: from its acknowledgement to the first
    /// reading at or after it whose <paramref name="mark"/> covers its last entry (readings every
    /// 10 ms, so lags are rounded up to that).
    /// </summary>
    private static double[] Lags(LoadResult result, IReadOnlyList<IndexMarks> samples, Func<IndexMarks, long> mark)
    {
        var lags = new List<double>(result.LastSeq.Length);
        for (var i = 0; i < result.LastSeq.Length; i++)
        {
            var acked = result.AckedAtMicroseconds[i];
            var seen = samples.FirstOrDefault(s => s.AtMicroseconds >= acked && mark(s) >= result.LastSeq[i]);
            if (seen != default) lags.Add((seen.AtMicroseconds - acked) / 1000.0);
        }
        return [.. lags];
    }

    /// <summary>Reads the index's marks every 10 ms until cancelled: the samples, and the latest watermark.</summary>
    private sealed class WatermarkWatch
    {
        private long _current;

        public WatermarkWatch(string appConnectionString, CancellationToken ct) =>
            Samples = Task.Run(() => RunAsync(appConnectionString, ct), CancellationToken.None);

        public long Current => Interlocked.Read(ref _current);

        public Task<List<IndexMarks>> Samples { get; }

        private async Task<List<IndexMarks>> RunAsync(string appConnectionString, CancellationToken ct)
        {
            var samples = new List<IndexMarks>();
            await using var connection = new NpgsqlConnection(appConnectionString);
            await connection.OpenAsync(CancellationToken.None);
            await using var cmd = new NpgsqlCommand("SELECT watermark, vectorized FROM fts_position", connection);
            while (!ct.IsCancellationRequested)
            {
                long watermark, vectorized;
                await using (var reader = await cmd.ExecuteReaderAsync(CancellationToken.None))
                {
                    await reader.ReadAsync(CancellationToken.None);
                    (watermark, vectorized) = (reader.GetInt64(0), reader.GetInt64(1));
                }
                Interlocked.Exchange(ref _current, watermark);
                samples.Add(new IndexMarks(UnixMicroseconds(), watermark, vectorized));
                await Task.Delay(10, CancellationToken.None);
            }
            return samples;
        }
    }

    private static async Task ExpectAsync(Process child, string word, CancellationToken ct)
    {
        var line = await child.StandardOutput.ReadLineAsync(ct);
        if (line != word) throw new InvalidOperationException($"the load process said '{line}' instead of '{word}'");
    }

    /// <summary>`bench load …`: the child's side. Prints ready, waits for go on its input, posts, writes the result file, prints done.</summary>
    public static async Task<int> MainAsync(IReadOnlyList<string> args)
    {
        string Arg(string name) => args[args.ToList().IndexOf(name) + 1];
        int Number(string name) => int.Parse(Arg(name), CultureInfo.InvariantCulture);
        var plan = new LoadPlan(Number("--events"), Arg("--id-prefix"), Number("--batch"), Number("--clients"), Number("--rate"), Number("--skip"));
        var batches = BenchEvents.NdJsonBatches(BenchEvents.Generate(plan.Skip + plan.Events, plan.IdPrefix)[plan.Skip..], plan.Batch);

        using var handler = new SocketsHttpHandler { MaxConnectionsPerServer = plan.Rate == 0 ? plan.Clients : MaxInFlight, UseProxy = false };
        using var http = new HttpClient(handler) { BaseAddress = new Uri(Arg("--url")), Timeout = TimeSpan.FromMinutes(10) };
        http.DefaultRequestHeaders.Add("X-Api-Key", Arg("--key"));
        // Open the connections (and warm the routing) before the clock starts; this stores nothing.
        await Task.WhenAll(Enumerable.Range(0, plan.Clients).Select(_ => http.GetAsync("/healthz")));
        Console.WriteLine("ready");
        if (await Console.In.ReadLineAsync() != "go") return 1;

        var acks = new double[batches.Length];
        var ackedAt = new long[batches.Length];
        var lastSeq = new long[batches.Length];
        var busy = new int[batches.Length];
        using var self = Process.GetCurrentProcess();
        var cpuBefore = self.TotalProcessorTime;
        var clock = Stopwatch.StartNew();
        async Task Post(int i, TimeSpan due)
        {
            (lastSeq[i], busy[i]) = await PostAsync(http, batches[i].Body, batches[i].Count, CancellationToken.None);
            ackedAt[i] = UnixMicroseconds();
            acks[i] = (clock.Elapsed - due).TotalMilliseconds;
        }
        if (plan.Rate == 0)
        {
            var next = -1;
            await Task.WhenAll(Enumerable.Range(0, plan.Clients).Select(_ => Task.Run(async () =>
            {
                int i;
                while ((i = Interlocked.Increment(ref next)) < batches.Length) await Post(i, clock.Elapsed);
            })));
        }
        else
        {
            // Open loop: request i is due at i * batch / rate seconds, and its latency counts from then.
            using var inFlight = new SemaphoreSlim(MaxInFlight);
            var posts = new List<Task>(batches.Length);
            for (var i = 0; i < batches.Length; i++)
            {
                var due = TimeSpan.FromSeconds((double)i * plan.Batch / plan.Rate);
                if (due > clock.Elapsed) await Task.Delay(due - clock.Elapsed);
                await inFlight.WaitAsync();
                var index = i;
                posts.Add(Task.Run(async () =>
                {
                    try { await Post(index, due); }
                    finally { inFlight.Release(); }
                }));
            }
            await Task.WhenAll(posts);
        }
        var seconds = clock.Elapsed.TotalSeconds;
        self.Refresh();
        var result = new LoadResult(seconds, (self.TotalProcessorTime - cpuBefore).TotalMilliseconds, acks, ackedAt, lastSeq, busy);
        await File.WriteAllBytesAsync(Arg("--out"), JsonSerializer.SerializeToUtf8Bytes(result));
        Console.WriteLine("done");
        return 0;
    }

    /// <summary>
    /// Posts one batch until it is acknowledged and returns the seq of its last entry and the 503
    /// answers (writer queue full, or the full-text index too far behind) it got first. A 503 is
    /// sent again after 20 ms, for up to five minutes: sooner than its Retry-After, so the run
    /// measures the portal, and the count says how often a source would have waited.
    /// </summary>
    public static async Task<(long LastSeq, int Busy)> PostAsync(HttpClient http, byte[] body, int count, CancellationToken ct)
    {
        var deadline = Stopwatch.StartNew();
        for (var busy = 0; ; busy++)
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
            var (accepted, last) = ReadReceipts(answer);
            if (accepted != count)
                throw new InvalidOperationException($"the portal accepted {accepted} of {count} events");
            return (last, busy);
        }
    }

    /// <summary>The response's "accepted" count and the highest receipt seq, read without building the receipts.</summary>
    private static (int Accepted, long LastSeq) ReadReceipts(byte[] json)
    {
        var reader = new Utf8JsonReader(json);
        var (accepted, last) = (-1, 0L);
        while (reader.Read())
        {
            if (reader.TokenType != JsonTokenType.PropertyName) continue;
            if (reader.CurrentDepth == 1 && reader.ValueTextEquals("accepted"u8))
            {
                reader.Read();
                accepted = reader.GetInt32();
            }
            else if (reader.CurrentDepth == 3 && reader.ValueTextEquals("seq"u8))
            {
                reader.Read();
                last = Math.Max(last, reader.GetInt64());
            }
        }
        return (accepted, last);
    }

    private static long UnixMicroseconds() => (DateTime.UtcNow.Ticks - DateTime.UnixEpoch.Ticks) / 10;

    private static string Text(int n) => n.ToString(CultureInfo.InvariantCulture);
}
