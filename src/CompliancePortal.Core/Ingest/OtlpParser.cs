using System.Buffers;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using CompliancePortal.Core.Ledger;
using Google.Protobuf;
using OpenTelemetry.Proto.Collector.Logs.V1;
using OpenTelemetry.Proto.Common.V1;
using OpenTelemetry.Proto.Logs.V1;

namespace CompliancePortal.Core.Ingest;

/// <summary>
/// OTLP/HTTP logs (an ExportLogsServiceRequest in protobuf or OTLP's JSON), decoded by the types
/// generated from OpenTelemetry's published .proto files (Ingest/Otlp). Each log record becomes
/// the portal's own event, validated by <see cref="EventParser"/> like any other: the log type
/// from a <c>log_type</c> attribute (the record's, else its resource's) or the key's default; the
/// event name from the record's event_name, an <c>event</c> attribute or a string body (cut to the
/// name's limit); the severity as the seed's level; attributes as data, the resource's and the
/// scope's beside them. Errors name the record by its <c>index</c> in the request (0-based, across
/// resources and scopes).
/// </summary>
public static class OtlpParser
{
    public const string ProtobufMediaType = "application/x-protobuf";
    public const string JsonMediaType = "application/json";

    // Where the portal keeps a record's own fields in the stored event's data.
    private static readonly HashSet<string> Reserved =
        ["timestamp", "level", "message", "body", "severity_text", "trace_id", "span_id", "resource", "scope", "observed_timestamp"];

    private static readonly JsonParser Json = new(JsonParser.Settings.Default.WithIgnoreUnknownFields(true));

    public static ParseResult Parse(ReadOnlyMemory<byte> body, bool json, string? defaultLogType, DateTimeOffset receivedAt)
    {
        ExportLogsServiceRequest request;
        try
        {
            request = json ? ParseJson(body) : ExportLogsServiceRequest.Parser.ParseFrom(body.Span);
        }
        catch (Exception ex) when (ex is InvalidProtocolBufferException or InvalidJsonException or JsonException or FormatException)
        {
            var what = json ? "OTLP JSON" : "OTLP protobuf (an ExportLogsServiceRequest)";
            return new ParseResult([], [new IngestError(null, null, $"the body is not {what}: {ex.Message.Split(Environment.NewLine)[0]}")]);
        }

        var translated = new ArrayBufferWriter<byte>(body.Length * 2 + 64);
        var errors = new List<IngestError>();
        var index = 0;
        foreach (var resource in request.ResourceLogs)
            foreach (var scope in resource.ScopeLogs)
                foreach (var record in scope.LogRecords)
                {
                    var error = Translate(record, resource, scope, defaultLogType, translated);
                    if (error is not null) errors.Add(new IngestError(index + 1, null, error));
                    translated.Write("\n"u8);
                    index++;
                }
        var parsed = EventParser.Parse(translated.WrittenMemory, BodyFormat.NdJson, receivedAt, errors);
        // The translation is one line a record: report the record's index, not a line the sender never wrote.
        return parsed with { Errors = [.. parsed.Errors.Select(e => e.Line is { } line ? e with { Line = null, Index = line - 1 } : e)] };
    }

    /// <summary>OTLP's JSON is protobuf's JSON mapping but for trace and span ids, which are hex rather than base64.</summary>
    private static ExportLogsServiceRequest ParseJson(ReadOnlyMemory<byte> body)
    {
        var root = JsonNode.Parse(body.Span, documentOptions: new JsonDocumentOptions { MaxDepth = IngestLimits.MaxDepth * 2 })
            ?? throw new FormatException("the body is null");
        HexIdsToBase64(root);
        return Json.Parse<ExportLogsServiceRequest>(root.ToJsonString());
    }

    private static void HexIdsToBase64(JsonNode node)
    {
        if (node is JsonArray array)
            foreach (var item in array) { if (item is not null) HexIdsToBase64(item); }
        if (node is not JsonObject obj) return;
        foreach (var (name, value) in obj.ToList())
        {
            if (name is "traceId" or "spanId" or "trace_id" or "span_id" && value is JsonValue v && v.TryGetValue<string>(out var hex) && hex.Length > 0)
                obj[name] = Convert.ToBase64String(Convert.FromHexString(hex));
            else if (value is not null) HexIdsToBase64(value);
        }
    }

    /// <summary>Writes the record as a portal event, or returns why it is refused (writing nothing).</summary>
    private static string? Translate(LogRecord record, ResourceLogs resource, ScopeLogs scope, string? defaultLogType, IBufferWriter<byte> output)
    {
        var logType = Text(record.Attributes, "log_type") ?? Text(resource.Resource?.Attributes, "log_type") ?? defaultLogType;
        if (logType is null)
            return "log_type is required: add a log_type attribute to the records or their resource " +
                   "(e.g. ResourceBuilder.AddAttributes([new(\"log_type\", \"TRADE\")])) or give the API key a default log type";
        var name = NonEmpty(record.EventName) ?? Text(record.Attributes, "event") ?? (record.Body?.ValueCase == AnyValue.ValueOneofCase.StringValue ? NonEmpty(record.Body.StringValue) : null);
        if (name is null) return "the record has no name: send event_name, an event attribute or a string body";
        var level = Level(record, out var problem);
        if (problem is not null) return problem;
        var taken = record.Attributes.Select(a => a.Key).FirstOrDefault(Reserved.Contains);
        if (taken is not null) return $"the attribute '{taken}' is where the portal keeps a field of the log record; rename it";

        using var writer = new Utf8JsonWriter(output, CanonicalEntry.WriterOptions);
        writer.WriteStartObject();
        var time = record.TimeUnixNano != 0 ? record.TimeUnixNano : record.ObservedTimeUnixNano;
        if (time != 0) writer.WriteString("timestamp", Iso(time));
        writer.WriteString("log_type", logType);
        if (Text(record.Attributes, "event") is null) writer.WriteString("event", name.Length <= IngestLimits.MaxEventNameLength ? name : name[..(IngestLimits.MaxEventNameLength - 1)] + "…");
        if (level is not null) writer.WriteString("level", level);
        if (NonEmpty(record.SeverityText) is { } severity) writer.WriteString("severity_text", severity);
        if (record.Body is { } body)
        {
            if (body.ValueCase == AnyValue.ValueOneofCase.StringValue) writer.WriteString("message", body.StringValue);
            else { writer.WritePropertyName("body"); WriteValue(writer, body); }
        }
        if (!record.TraceId.IsEmpty) writer.WriteString("trace_id", Convert.ToHexStringLower(record.TraceId.Span));
        if (!record.SpanId.IsEmpty) writer.WriteString("span_id", Convert.ToHexStringLower(record.SpanId.Span));
        if (record.ObservedTimeUnixNano != 0 && record.TimeUnixNano != 0) writer.WriteString("observed_timestamp", Iso(record.ObservedTimeUnixNano));
        foreach (var attribute in record.Attributes.Where(a => a.Key != "log_type"))
        {
            writer.WritePropertyName(attribute.Key);
            WriteValue(writer, attribute.Value);
        }
        if (resource.Resource is { Attributes.Count: > 0 } r)
        {
            writer.WritePropertyName("resource");
            WriteAttributes(writer, r.Attributes);
        }
        if (scope.Scope is { } s && (s.Name.Length > 0 || s.Version.Length > 0))
        {
            writer.WriteStartObject("scope");
            if (s.Name.Length > 0) writer.WriteString("name", s.Name);
            if (s.Version.Length > 0) writer.WriteString("version", s.Version);
            writer.WriteEndObject();
        }
        writer.WriteEndObject();
        return null;
    }

    /// <summary>The seed's level for the record's severity number, else for its severity text; null when it has neither.</summary>
    private static string? Level(LogRecord record, out string? problem)
    {
        problem = null;
        var number = (int)record.SeverityNumber;
        if (number is >= 1 and <= 24)
            return number switch { <= 8 => "DEBUG", <= 12 => "INFO", <= 16 => "WARNING", <= 20 => "ERROR", _ => "CRITICAL" };
        if (number != 0)
        {
            problem = $"severity_number {number} is not one of OTLP's (1-24)";
            return null;
        }
        if (NonEmpty(record.SeverityText) is not { } text) return null;
        var level = LogLevels.Canonical(text);
        if (level is null) problem = $"unknown severity_text '{EventParser.Truncate(text)}'; expected {LogLevels.Expected}, or a severity_number";
        return level;
    }

    private static string Iso(ulong unixNanos) =>
        DateTimeOffset.UnixEpoch.AddTicks((long)(unixNanos / 100)).ToString("yyyy-MM-dd'T'HH:mm:ss.fffffff'Z'", CultureInfo.InvariantCulture);

    private static string? NonEmpty(string value) => string.IsNullOrWhiteSpace(value) ? null : value;

    private static string? Text(IEnumerable<KeyValue>? attributes, string key) =>
        attributes?.FirstOrDefault(a => a.Key == key)?.Value is { ValueCase: AnyValue.ValueOneofCase.StringValue } v ? NonEmpty(v.StringValue) : null;

    private static void WriteAttributes(Utf8JsonWriter writer, IEnumerable<KeyValue> attributes)
    {
        writer.WriteStartObject();
        foreach (var attribute in attributes)
        {
            writer.WritePropertyName(attribute.Key);
            WriteValue(writer, attribute.Value);
        }
        writer.WriteEndObject();
    }

    private static void WriteValue(Utf8JsonWriter writer, AnyValue? value)
    {
        switch (value?.ValueCase)
        {
            case AnyValue.ValueOneofCase.StringValue: writer.WriteStringValue(value.StringValue); break;
            case AnyValue.ValueOneofCase.BoolValue: writer.WriteBooleanValue(value.BoolValue); break;
            case AnyValue.ValueOneofCase.IntValue: writer.WriteNumberValue(value.IntValue); break;
            // JSON has no NaN or infinity: those are kept as their names.
            case AnyValue.ValueOneofCase.DoubleValue when double.IsFinite(value.DoubleValue): writer.WriteNumberValue(value.DoubleValue); break;
            case AnyValue.ValueOneofCase.DoubleValue: writer.WriteStringValue(value.DoubleValue.ToString(CultureInfo.InvariantCulture)); break;
            case AnyValue.ValueOneofCase.BytesValue: writer.WriteBase64StringValue(value.BytesValue.Span); break;
            case AnyValue.ValueOneofCase.ArrayValue:
                writer.WriteStartArray();
                foreach (var item in value.ArrayValue.Values) WriteValue(writer, item);
                writer.WriteEndArray();
                break;
            case AnyValue.ValueOneofCase.KvlistValue: WriteAttributes(writer, value.KvlistValue.Values); break;
            default: writer.WriteNullValue(); break;
        }
    }
}
