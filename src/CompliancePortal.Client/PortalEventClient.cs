using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Threading.Channels;
using Polly;
using Polly.Retry;
using Polly.Timeout;

namespace CompliancePortal.Client;

/// <summary>
/// What applications use to send events to the portal (the seed's BatchLogger and AsyncLogger):
/// <see cref="Post"/> never blocks the caller; a background sender batches events into NDJSON
/// requests, retries a request the portal did not take (network errors, 503 with Retry-After,
/// 5xx; waits doubling) for <see cref="PortalClientOptions.RetryFor"/>, then writes it to the
/// local spool, which is sent again, oldest first, until the portal takes it. Every event gets
/// an event_id when posted, so a request sent again after a lost answer, a spool sent after a
/// restart, or a batch taken twice is stored once. Events the portal refuses as invalid (400 or
/// 413 naming their line) are written to rejected.ndjson with the reason, and the rest of their
/// request is sent on. Events still in memory when the process dies are lost: call
/// <see cref="FlushAsync"/> or dispose at shutdown.
/// </summary>
public sealed class PortalEventClient : IAsyncDisposable
{
    private const string OverflowFile = "spool-overflow.ndjson";

    /// <summary>Bytes per request, well under the portal's 8 MiB limit (events are up to 64 KiB each).</summary>
    private const int MaxBatchBytes = 4 * 1024 * 1024;

    private readonly PortalClientOptions _options;
    private readonly HttpClient _http;
    private readonly bool _ownsHttp;
    private readonly Channel<string> _queue;
    private readonly ResiliencePipeline<SendOutcome> _retry;
    private readonly Lock _spoolLock = new();
    private readonly CancellationTokenSource _stopping = new();
    private readonly Task _sender;
    private readonly Task _drainer;
    private long _queued, _stored, _spooled, _rejected;

    public PortalEventClient(PortalClientOptions options, HttpClient? http = null)
    {
        _options = options;
        _ownsHttp = http is null;
        _http = http ?? new HttpClient();
        Directory.CreateDirectory(options.SpoolFolder);
        _queue = Channel.CreateBounded<string>(new BoundedChannelOptions(options.MaxQueuedEvents) { SingleReader = true, FullMode = BoundedChannelFullMode.Wait });
        _retry = new ResiliencePipelineBuilder<SendOutcome>()
            .AddTimeout(options.RetryFor)
            .AddRetry(new RetryStrategyOptions<SendOutcome>
            {
                ShouldHandle = new PredicateBuilder<SendOutcome>()
                    .Handle<HttpRequestException>()
                    .Handle<TaskCanceledException>()
                    .HandleResult(o => o.Kind == OutcomeKind.Unavailable),
                MaxRetryAttempts = int.MaxValue,
                BackoffType = DelayBackoffType.Exponential,
                Delay = options.FirstRetryDelay,
                MaxDelay = TimeSpan.FromSeconds(5),
                UseJitter = true,
                // The portal's Retry-After (503 when its queue is full) wins over the computed wait.
                DelayGenerator = args => ValueTask.FromResult(args.Outcome.Result?.RetryAfter),
                OnRetry = args =>
                {
                    if (args.Outcome.Exception is { } ex) LastError = ex.Message;
                    return default;
                },
            })
            .Build();
        _sender = Task.Run(SendLoopAsync);
        _drainer = Task.Run(DrainLoopAsync);
    }

    /// <summary>Events the portal acknowledged (stored, or already stored before).</summary>
    public long Stored => Interlocked.Read(ref _stored);

    /// <summary>Events written to the spool (each counted once per time it was spooled).</summary>
    public long Spooled => Interlocked.Read(ref _spooled);

    /// <summary>Events the portal refused as invalid (kept in rejected.ndjson).</summary>
    public long Rejected => Interlocked.Read(ref _rejected);

    /// <summary>What the last failed attempt said, for a health page.</summary>
    public string? LastError { get; private set; }

    /// <summary>Queues an event and returns at once (to the spool when the memory queue is full); returns its event_id.</summary>
    public string Post(PortalEvent e)
    {
        var eventId = e.EventId ?? Guid.CreateVersion7().ToString("N");
        var line = e.ToLine(eventId, DateTimeOffset.UtcNow);
        Interlocked.Increment(ref _queued);
        if (!_queue.Writer.TryWrite(line))
        {
            Spool([line], OverflowFile);
            Interlocked.Decrement(ref _queued);
        }
        return eventId;
    }

    /// <summary>Waits until every event posted so far was acknowledged, spooled or rejected.</summary>
    public async Task FlushAsync(CancellationToken ct = default)
    {
        while (Interlocked.Read(ref _queued) > 0) await Task.Delay(20, ct);
    }

    /// <summary>Sends or spools what is queued, then stops; the spool is left for the next client.</summary>
    public async ValueTask DisposeAsync()
    {
        _queue.Writer.TryComplete();
        await _sender;
        await _stopping.CancelAsync();
        await _drainer;
        if (_ownsHttp) _http.Dispose();
        _stopping.Dispose();
    }

    private async Task SendLoopAsync()
    {
        var reader = _queue.Reader;
        while (await reader.WaitToReadAsync())
        {
            var batch = new List<string>();
            var bytes = 0;
            var deadline = DateTime.UtcNow + _options.Linger;
            while (batch.Count < _options.MaxBatchEvents && bytes < MaxBatchBytes)
            {
                if (reader.TryRead(out var line))
                {
                    batch.Add(line);
                    bytes += line.Length * 3;   // UTF-8 bytes at most
                    continue;
                }
                var left = deadline - DateTime.UtcNow;
                if (left <= TimeSpan.Zero || reader.Completion.IsCompleted) break;
                var more = reader.WaitToReadAsync().AsTask();
                if (await Task.WhenAny(more, Task.Delay(left)) != more) break;
            }
            if (!await DeliverAsync(batch, CancellationToken.None)) Spool(batch, null);
            Interlocked.Add(ref _queued, -batch.Count);
        }
    }

    /// <summary>Sends the spool files, oldest first, while the portal takes them.</summary>
    private async Task DrainLoopAsync()
    {
        while (!_stopping.IsCancellationRequested)
        {
            try
            {
                foreach (var file in SpoolFiles())
                {
                    var lines = (await File.ReadAllLinesAsync(file, _stopping.Token)).Where(l => l.Length > 0).ToList();
                    var sent = true;
                    foreach (var batch in Batches(lines))
                        if (!(sent = await DeliverAsync(batch, _stopping.Token))) break;
                    if (!sent) break;
                    File.Delete(file);
                }
                await Task.Delay(_options.SpoolRetryInterval, _stopping.Token);
            }
            catch (OperationCanceledException) when (_stopping.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                LastError = ex.Message;
                await Task.Delay(_options.SpoolRetryInterval, _stopping.Token).ContinueWith(_ => { }, CancellationToken.None);
            }
        }
    }

    /// <summary>Consecutive requests' worth of lines, within the event and byte limits of one request.</summary>
    private IEnumerable<List<string>> Batches(List<string> lines)
    {
        var batch = new List<string>();
        var bytes = 0;
        foreach (var line in lines)
        {
            if (batch.Count > 0 && (batch.Count >= _options.MaxBatchEvents || bytes + line.Length * 3 > MaxBatchBytes))
            {
                yield return batch;
                (batch, bytes) = ([], 0);
            }
            batch.Add(line);
            bytes += line.Length * 3;
        }
        if (batch.Count > 0) yield return batch;
    }

    /// <summary>The spool files in the order they were written; the overflow file is first renamed so new overflow starts a new one.</summary>
    private List<string> SpoolFiles()
    {
        lock (_spoolLock)
        {
            var overflow = Path.Combine(_options.SpoolFolder, OverflowFile);
            if (File.Exists(overflow)) File.Move(overflow, NewSpoolPath());
        }
        return [.. Directory.GetFiles(_options.SpoolFolder, "spool-*.ndjson").Where(f => Path.GetFileName(f) != OverflowFile).Order(StringComparer.Ordinal)];
    }

    /// <summary>
    /// Sends events until the portal took all of them (true) or cannot be reached for
    /// <see cref="PortalClientOptions.RetryFor"/> (false). Events it refuses as invalid go to
    /// rejected.ndjson and the rest is sent again.
    /// </summary>
    private async Task<bool> DeliverAsync(List<string> lines, CancellationToken ct)
    {
        while (lines.Count > 0)
        {
            SendOutcome outcome;
            try
            {
                outcome = await _retry.ExecuteAsync(async token => await SendOnceAsync(lines, token), ct);
            }
            catch (Exception ex) when (ex is TimeoutRejectedException or HttpRequestException or TaskCanceledException && !ct.IsCancellationRequested)
            {
                // The last attempt's own failure says more than the timeout that ended the retries.
                LastError = $"not taken within {_options.RetryFor.TotalSeconds:0.#} s; last: {LastError ?? ex.Message}";
                return false;
            }
            if (outcome.Kind == OutcomeKind.Stored)
            {
                Interlocked.Add(ref _stored, lines.Count);
                return true;
            }
            if (outcome.Kind == OutcomeKind.Unavailable) return false;
            var bad = outcome.Errors.Where(e => e.Line >= 1 && e.Line <= lines.Count).ToDictionary(e => e.Line - 1, e => e.Error);
            if (bad.Count == 0) return false;
            Reject([.. bad.Select(b => (lines[b.Key], b.Value))]);
            lines = [.. lines.Where((_, i) => !bad.ContainsKey(i))];
        }
        return true;
    }

    private async Task<SendOutcome> SendOnceAsync(List<string> lines, CancellationToken ct)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(_options.BaseAddress, "api/v1/events"))
        {
            Content = new StringContent(string.Join('\n', lines) + "\n", Encoding.UTF8),
        };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/x-ndjson");
        request.Headers.Add("X-Api-Key", _options.ApiKey);
        using var response = await _http.SendAsync(request, ct);
        if (response.StatusCode == HttpStatusCode.OK) return new SendOutcome(OutcomeKind.Stored, [], null);
        var body = await response.Content.ReadAsStringAsync(ct);
        LastError = $"{(int)response.StatusCode}: {body}";
        if (response.StatusCode is HttpStatusCode.BadRequest or HttpStatusCode.RequestEntityTooLarge && LinesOf(body) is { Count: > 0 } errors)
            return new SendOutcome(OutcomeKind.Rejected, errors, null);
        // Anything else (a wrong key, a full queue, a server error) is the portal's or the
        // configuration's to fix: the events wait, in memory and then in the spool.
        var retryAfter = response.Headers.RetryAfter?.Delta;
        return new SendOutcome(OutcomeKind.Unavailable, [], retryAfter);
    }

    /// <summary>The refused lines (1-based) of a problem response: {"errors": [{"line": n, "error": "..."}]}.</summary>
    private static List<(int Line, string Error)> LinesOf(string body)
    {
        try
        {
            using var problem = JsonDocument.Parse(body);
            if (!problem.RootElement.TryGetProperty("errors", out var errors) || errors.ValueKind != JsonValueKind.Array) return [];
            return [.. errors.EnumerateArray()
                .Where(e => e.TryGetProperty("line", out var line) && line.ValueKind == JsonValueKind.Number)
                .Select(e => (e.GetProperty("line").GetInt32(), e.TryGetProperty("error", out var error) ? error.ToString() : "refused"))];
        }
        catch (JsonException)
        {
            return [];
        }
    }

    private void Spool(IReadOnlyList<string> lines, string? fileName)
    {
        lock (_spoolLock)
        {
            var path = fileName is null ? NewSpoolPath() : Path.Combine(_options.SpoolFolder, fileName);
            using var file = new FileStream(path, FileMode.Append, FileAccess.Write, FileShare.Read);
            var bytes = Encoding.UTF8.GetBytes(string.Concat(lines.Select(l => l + "\n")));
            file.Write(bytes);
            file.Flush(flushToDisk: true);
        }
        Interlocked.Add(ref _spooled, lines.Count);
    }

    private void Reject(IReadOnlyList<(string Line, string Error)> refused)
    {
        lock (_spoolLock)
        {
            using var file = new FileStream(Path.Combine(_options.SpoolFolder, "rejected.ndjson"), FileMode.Append, FileAccess.Write, FileShare.Read);
            foreach (var (line, error) in refused)
            {
                using var refusedEvent = JsonDocument.Parse(line);
                file.Write(JsonSerializer.SerializeToUtf8Bytes(new { rejected_at = DateTimeOffset.UtcNow, error, @event = refusedEvent.RootElement }));
                file.Write("\n"u8);
            }
            file.Flush(flushToDisk: true);
        }
        Interlocked.Add(ref _rejected, refused.Count);
    }

    private string NewSpoolPath() =>
        Path.Combine(_options.SpoolFolder, $"spool-{DateTime.UtcNow:yyyyMMddHHmmssfffffff}-{Guid.NewGuid():N}.ndjson");

    private enum OutcomeKind { Stored, Rejected, Unavailable }

    private sealed record SendOutcome(OutcomeKind Kind, IReadOnlyList<(int Line, string Error)> Errors, TimeSpan? RetryAfter);
}
