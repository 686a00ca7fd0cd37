using System.Buffers;
using System.Text.Json.Serialization;
using CompliancePortal.Core;
using CompliancePortal.Core.ApiKeys;
using CompliancePortal.Core.Ingest;
using CompliancePortal.Core.Ledger;
using CompliancePortal.Core.Search;
using CompliancePortal.Metrics;
using Google.Protobuf;
using Microsoft.Extensions.Options;
using OpenTelemetry.Proto.Collector.Logs.V1;

namespace CompliancePortal.Ingest;

public sealed record IngestReceipt(
    [property: JsonPropertyName("seq")] long Seq,
    [property: JsonPropertyName("hash")] string Hash,
    [property: JsonPropertyName("event_id")] string? EventId,
    [property: JsonPropertyName("duplicate"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingDefault)] bool Duplicate)
{
    /// <summary>The entry's leaf in the ledger's Merkle tree: GET /api/v1/ledger/proof/inclusion?seq= proves it against a checkpoint.</summary>
    [JsonPropertyName("leaf_index")]
    public long LeafIndex => Seq - 1;
}

public sealed record IngestResponse(
    [property: JsonPropertyName("accepted")] int Accepted,
    [property: JsonPropertyName("receipts")] IReadOnlyList<IngestReceipt> Receipts);

/// <summary>
/// POST /api/v1/events: one JSON object, a JSON array or NDJSON; POST /api/v1/events/clef (and Seq's
/// /api/events/raw): Serilog's CLEF; POST /v1/logs (and /api/v1/otlp/v1/logs): OTLP/HTTP logs.
/// All-or-nothing per request;
/// the response comes after the events are committed. A retried event_id returns the original
/// receipt (marked "duplicate": true) and stores nothing.
/// </summary>
public static class IngestEndpoints
{
    public static void MapIngestApi(this IEndpointRouteBuilder app)
    {
        // Sources authenticate with their API key, not a user cookie.
        app.MapPost("/api/v1/events", PostEventsAsync).DisableAntiforgery().AllowAnonymous();
        app.MapPost("/api/v1/events/clef", PostClefAsync).DisableAntiforgery().AllowAnonymous();
        // Seq's ingestion path, so Serilog's Seq sink (and anything else that ships to Seq) can
        // point at the portal's address as it is.
        app.MapPost("/api/events/raw", PostClefAsync).DisableAntiforgery().AllowAnonymous();
        // OTLP/HTTP's default path, so an OpenTelemetry SDK or collector needs only the portal's address.
        app.MapPost("/v1/logs", PostOtlpAsync).DisableAntiforgery().AllowAnonymous();
        app.MapPost("/api/v1/otlp/v1/logs", PostOtlpAsync).DisableAntiforgery().AllowAnonymous();
    }

    private static Task<IResult> PostEventsAsync(HttpContext http, [AsParameters] IngestServices services) =>
        IngestAsync(http, services,
            FormatOf(http.Request.ContentType) is { } format ? (_, body, at) => EventParser.Parse(body, format, at) : null,
            "Send Content-Type application/json (one object or an array) or application/x-ndjson (one object per line).");

    private static Task<IResult> PostClefAsync(HttpContext http, [AsParameters] IngestServices services) =>
        IngestAsync(http, services,
            IsMediaType(http.Request.ContentType, ClefParser.MediaType) ? (key, body, at) => ClefParser.Parse(body, key.DefaultLogType, at) : null,
            $"Send Content-Type {ClefParser.MediaType} (CLEF: one Serilog compact JSON event per line).");

    private static Task<IResult> PostOtlpAsync(HttpContext http, [AsParameters] IngestServices services)
    {
        bool? json = IsMediaType(http.Request.ContentType, OtlpParser.JsonMediaType) ? true
            : IsMediaType(http.Request.ContentType, OtlpParser.ProtobufMediaType) ? false : null;
        return IngestAsync(http, services,
            json is { } j ? (key, body, at) => OtlpParser.Parse(body, j, key.DefaultLogType, at) : null,
            $"Send Content-Type {OtlpParser.ProtobufMediaType} or {OtlpParser.JsonMediaType} (an OTLP ExportLogsServiceRequest).",
            // OTLP says a success is an ExportLogsServiceResponse in the request's encoding: empty in
            // protobuf; in JSON the receipts, which an OTLP client ignores as unknown fields.
            json == false ? _ => Results.Bytes(new ExportLogsServiceResponse().ToByteArray(), OtlpParser.ProtobufMediaType) : null);
    }

    /// <summary>How a body of the request's content type becomes events.</summary>
    private delegate ParseResult BodyParser(ApiKey key, ReadOnlyMemory<byte> body, DateTimeOffset receivedAt);

    /// <summary>What every ingest endpoint uses.</summary>
    private sealed record IngestServices(ApiKeyStore Keys, ILedgerAppend Ledger, FullTextIndexer Index, VectorBacklogGate Vectors,
        IOptions<SearchOptions> Search, TimeProvider Time, PortalMetrics Metrics);

    /// <summary>
    /// Every ingest format's path: the key, the index's lag, the content type, the body's size, the events
    /// (all valid or nothing stored), the key's grants, room under the vectors' bound (waited for),
    /// then one commit, answered with the receipts.
    /// </summary>
    private static async Task<IResult> IngestAsync(HttpContext http, IngestServices services, BodyParser? parser, string formatsTaken,
        Func<IngestResponse, IResult>? answer = null)
    {
        var receivedAt = services.Time.GetUtcNow();
        var (key, problem) = await ApiKeyAuthentication.AuthenticateAsync(http, services.Keys);
        if (problem is not null) return problem;
        if (services.Index.TooFarBehind) return Problems.IndexBehind(http, services.Index, services.Search.Value);

        if (parser is null) return Problems.UnsupportedMediaType(formatsTaken);

        if (http.Request.ContentLength > IngestLimits.MaxRequestBytes)
            return Problems.TooLarge($"The request body is {http.Request.ContentLength} bytes, over the limit of {IngestLimits.MaxRequestBytes} bytes ({Formats.Size(IngestLimits.MaxRequestBytes)}) per request.");
        var (buffer, length) = await ReadBodyAsync(http);
        ParseResult parsed;
        try
        {
            if (length < 0)
                return Problems.TooLarge($"The request body is over the limit of {IngestLimits.MaxRequestBytes} bytes ({Formats.Size(IngestLimits.MaxRequestBytes)}) per request.");
            // The parsed events own copies of their data, so the body's buffer goes back to the pool here.
            parsed = parser(key!, buffer.AsMemory(0, length), receivedAt);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
        if (parsed.Errors.Count > 0)
            return Problems.InvalidEvents(parsed.Errors, parsed.Errors.Any(e => e.TooLarge) ? 413 : 400);

        var forbidden = parsed.Events.Select(e => e.LogType).Distinct().Where(t => !key!.LogTypes.Contains(t)).ToList();
        if (forbidden.Count > 0)
            return Problems.Forbidden($"This API key may not write log type(s) {string.Join(", ", forbidden)}; it may write {string.Join(", ", key!.LogTypes)}. Nothing was stored.");

        var gate = await services.Vectors.EnterAsync(http.RequestAborted);
        if (gate.Waited > TimeSpan.Zero) services.Metrics.IngestHeldSeconds.Observe(gate.Waited.TotalSeconds);
        if (!gate.Entered)
            return Problems.VectorsBehind(http, services.Index, services.Search.Value);
        IReadOnlyList<LedgerReceipt> receipts;
        try
        {
            var started = System.Diagnostics.Stopwatch.GetTimestamp();
            receipts = await services.Ledger.AppendAsync(key!.Source, parsed.Events);
            services.Metrics.IngestCommitSeconds.Observe(System.Diagnostics.Stopwatch.GetElapsedTime(started).TotalSeconds);
            services.Metrics.IngestBatchEvents.Observe(receipts.Count);
        }
        catch (LedgerBusyException)
        {
            return Problems.LedgerBusy(http, queueFull: true, "The ledger writer's queue is full. Nothing was stored; retry after the Retry-After delay.");
        }
        catch (LedgerUnavailableException)
        {
            return Problems.LedgerBusy(http, queueFull: false, "The ledger could not commit this request. Nothing was stored; retry with the same event_ids.");
        }
        catch (LedgerRejectedException ex)
        {
            return Problems.InvalidEvents([new IngestError(null, null, $"the database refused a value: {ex.Message}")]);
        }

        var response = new IngestResponse(receipts.Count, receipts.Select(r => new IngestReceipt(r.Seq, r.Hash, r.EventId, r.Duplicate)).ToList());
        return answer?.Invoke(response) ?? Results.Ok(response);
    }

    private static bool IsMediaType(string? contentType, string mediaType) =>
        string.Equals(contentType?.Split(';', 2)[0].Trim(), mediaType, StringComparison.OrdinalIgnoreCase);

    private static BodyFormat? FormatOf(string? contentType)
    {
        var mediaType = contentType?.Split(';', 2)[0].Trim().ToLowerInvariant();
        return mediaType switch
        {
            "application/json" => BodyFormat.Json,
            "application/x-ndjson" or "application/ndjson" or "application/jsonl" => BodyFormat.NdJson,
            _ => null,
        };
    }

    /// <summary>
    /// The whole body in a buffer rented from the shared pool (the caller returns it) and its length,
    /// or -1 when it is over the request limit. Pooling keeps request bodies (often hundreds of KB)
    /// off the large-object heap.
    /// </summary>
    private static async Task<(byte[] Buffer, int Length)> ReadBodyAsync(HttpContext http)
    {
        var buffer = ArrayPool<byte>.Shared.Rent((int)Math.Min(http.Request.ContentLength ?? 16 * 1024, IngestLimits.MaxRequestBytes) + 1);
        var length = 0;
        var stream = http.Request.Body;
        try
        {
            while (true)
            {
                if (length == buffer.Length)
                {
                    if (length > IngestLimits.MaxRequestBytes) return (buffer, -1);
                    var larger = ArrayPool<byte>.Shared.Rent(Math.Min(buffer.Length * 2, IngestLimits.MaxRequestBytes + 1));
                    buffer.AsSpan(0, length).CopyTo(larger);
                    ArrayPool<byte>.Shared.Return(buffer);
                    buffer = larger;
                }
                var read = await stream.ReadAsync(buffer.AsMemory(length), http.RequestAborted);
                if (read == 0) return (buffer, length);
                length += read;
                if (length > IngestLimits.MaxRequestBytes) return (buffer, -1);
            }
        }
        catch
        {
            ArrayPool<byte>.Shared.Return(buffer);
            throw;
        }
    }
}
