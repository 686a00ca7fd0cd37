using System.Buffers;
using System.Globalization;
using System.Runtime.InteropServices;
using System.Text.Json;
using System.Text.RegularExpressions;
using CompliancePortal.Core.Ledger;

namespace CompliancePortal.Core.Ingest;

public enum BodyFormat { Json, NdJson }

/// <summary>One refused event: its NDJSON line (1-based) or array index (0-based) and why.</summary>
public sealed record IngestError(int? Line, int? Index, string Error, bool TooLarge = false);

public sealed record ParseResult(IReadOnlyList<LedgerEvent> Events, IReadOnlyList<IngestError> Errors);

/// <summary>
/// Turns a request body (one JSON object, a JSON array of objects, or NDJSON) into validated
/// ledger events. It reports every bad event, not just the first, and never partially accepts:
/// callers store nothing when <see cref="ParseResult.Errors"/> is not empty.
/// </summary>
public static partial class EventParser
{
    /// <summary>Top-level fields that form the envelope (<see cref="Field.Data"/> and <see cref="Field.Level"/>
    /// are the event's data). Matched on the UTF-8 name, so no string is made per property.</summary>
    private enum Field { Data, Level, LogType, Event, Timestamp, EventId, UserId, IpAddress, SessionId }

    private static Field FieldOf(JsonProperty property) =>
        property.NameEquals("log_type"u8) ? Field.LogType
        : property.NameEquals("event"u8) ? Field.Event
        : property.NameEquals("timestamp"u8) ? Field.Timestamp
        : property.NameEquals("event_id"u8) ? Field.EventId
        : property.NameEquals("user_id"u8) ? Field.UserId
        : property.NameEquals("ip_address"u8) ? Field.IpAddress
        : property.NameEquals("session_id"u8) ? Field.SessionId
        : property.NameEquals("level"u8) ? Field.Level
        : Field.Data;

    private static bool IsEnvelope(Field field) => field is not (Field.Data or Field.Level);

    internal static readonly JsonDocumentOptions EventOptions = new()
    {
        MaxDepth = IngestLimits.MaxDepth,
        AllowDuplicateProperties = false,
    };

    private static readonly JsonDocumentOptions ArrayOptions = new()
    {
        MaxDepth = IngestLimits.MaxDepth + 1,
        AllowDuplicateProperties = false,
    };

    public static ParseResult Parse(ReadOnlyMemory<byte> body, BodyFormat format, DateTimeOffset receivedAt) =>
        Parse(body, format, receivedAt, []);

    /// <summary>
    /// As <see cref="Parse(ReadOnlyMemory{byte}, BodyFormat, DateTimeOffset)"/>, for a body another format was
    /// translated into (NDJSON, one line per line of the original): <paramref name="earlier"/> holds what the
    /// translation refused (those lines left blank), reported in line order with the rest.
    /// </summary>
    internal static ParseResult Parse(ReadOnlyMemory<byte> body, BodyFormat format, DateTimeOffset receivedAt, IReadOnlyList<IngestError> earlier)
    {
        receivedAt = CanonicalEntry.ToMicroseconds(receivedAt);
        var events = new List<LedgerEvent>();
        var errors = new List<IngestError>();
        if (format == BodyFormat.NdJson) ParseNdJson(body, receivedAt, events, errors);
        else ParseJson(body, receivedAt, events, errors);
        if (earlier.Count > 0) errors = [.. errors.Concat(earlier).OrderBy(e => e.Line ?? int.MaxValue)];

        if (errors.Count == 0 && events.Count == 0)
            errors.Add(new IngestError(null, null, "the body holds no events"));
        if (errors.Count == 0) FindRepeatedEventIds(events, errors);
        return new ParseResult(errors.Count == 0 ? events : [], errors);
    }

    /// <summary>An NDJSON body's lines (numbered from 1, without their \n or \r\n), blank ones left out.</summary>
    internal static IEnumerable<(int Line, ReadOnlyMemory<byte> Text)> Lines(ReadOnlyMemory<byte> body)
    {
        var line = 0;
        var rest = body;
        while (!rest.IsEmpty)
        {
            line++;
            var end = rest.Span.IndexOf((byte)'\n');
            var text = end < 0 ? rest : rest[..end];
            rest = end < 0 ? ReadOnlyMemory<byte>.Empty : rest[(end + 1)..];
            if (!text.IsEmpty && text.Span[^1] == (byte)'\r') text = text[..^1];
            if (!text.Span.Trim(" \t"u8).IsEmpty) yield return (line, text);
        }
    }

    private static void ParseNdJson(ReadOnlyMemory<byte> body, DateTimeOffset receivedAt, List<LedgerEvent> events, List<IngestError> errors)
    {
        foreach (var (line, text) in Lines(body))
        {
            if (text.Length > IngestLimits.MaxEventBytes)
            {
                errors.Add(new IngestError(line, null, TooLargeMessage(text.Length), TooLarge: true));
                continue;
            }
            try
            {
                using var doc = JsonDocument.Parse(text, EventOptions);
                AddEvent(doc.RootElement, receivedAt, events, errors, line, null);
            }
            catch (JsonException ex)
            {
                errors.Add(new IngestError(line, null, DescribeJsonError(ex)));
            }
        }
    }

    private static void ParseJson(ReadOnlyMemory<byte> body, DateTimeOffset receivedAt, List<LedgerEvent> events, List<IngestError> errors)
    {
        JsonDocument doc;
        try
        {
            doc = JsonDocument.Parse(body, ArrayOptions);
        }
        catch (JsonException ex)
        {
            errors.Add(new IngestError(null, null, DescribeJsonError(ex)));
            return;
        }
        using (doc)
        {
            var root = doc.RootElement;
            if (root.ValueKind == JsonValueKind.Array)
            {
                var index = 0;
                foreach (var element in root.EnumerateArray())
                {
                    var size = JsonMarshal.GetRawUtf8Value(element).Length;
                    if (size > IngestLimits.MaxEventBytes)
                        errors.Add(new IngestError(null, index, TooLargeMessage(size), TooLarge: true));
                    else if (Depth(element) > IngestLimits.MaxDepth)
                        errors.Add(new IngestError(null, index, DepthMessage));
                    else
                        AddEvent(element, receivedAt, events, errors, null, index);
                    index++;
                }
            }
            else
            {
                var size = JsonMarshal.GetRawUtf8Value(root).Length;
                if (size > IngestLimits.MaxEventBytes)
                    errors.Add(new IngestError(null, null, TooLargeMessage(size), TooLarge: true));
                else if (Depth(root) > IngestLimits.MaxDepth)
                    errors.Add(new IngestError(null, null, DepthMessage));
                else
                    AddEvent(root, receivedAt, events, errors, null, null);
            }
        }
    }

    private static void AddEvent(JsonElement element, DateTimeOffset receivedAt, List<LedgerEvent> events,
        List<IngestError> errors, int? line, int? index)
    {
        var problem = TryBuildEvent(element, receivedAt, out var e);
        if (problem is null) events.Add(e!);
        else errors.Add(new IngestError(line, index, problem));
    }

    /// <summary>Returns why the element is not a valid event, or null and the event.</summary>
    private static string? TryBuildEvent(JsonElement element, DateTimeOffset receivedAt, out LedgerEvent? result)
    {
        result = null;
        if (element.ValueKind != JsonValueKind.Object)
            return $"an event must be a JSON object, not {Describe(element.ValueKind)}";

        var raw = JsonMarshal.GetRawUtf8Value(element);
        if (raw.IndexOf(@"\u0000"u8) >= 0 && ContainsNulCharacter(element))
            return "the event contains a \\u0000 character, which cannot be stored";

        string? logType = null, name = null, eventId = null, userId = null, ip = null, session = null, level = null;
        DateTimeOffset? timestamp = null;
        foreach (var property in element.EnumerateObject())
        {
            var problem = FieldOf(property) switch
            {
                Field.LogType => RequiredText(property, 50, out logType),
                Field.Event => RequiredText(property, IngestLimits.MaxEventNameLength, out name),
                Field.Timestamp => ParseTimestamp(property.Value, out timestamp),
                Field.EventId => OptionalText(property, IngestLimits.MaxIdLength, out eventId),
                Field.UserId => OptionalText(property, IngestLimits.MaxUserIdLength, out userId),
                Field.IpAddress => OptionalText(property, IngestLimits.MaxIpAddressLength, out ip),
                Field.SessionId => OptionalText(property, IngestLimits.MaxSessionIdLength, out session),
                Field.Level => ParseLevel(property.Value, out level),
                _ => null,
            };
            if (problem is not null) return problem;
        }
        if (logType is null)
            return $"log_type is required (one of {string.Join(", ", LogTypes.All)}): send it with each event, " +
                   "e.g. with structlog bind it once, log = structlog.get_logger(\"trading\").bind(log_type=\"TRADE\")";
        if (!LogTypes.IsKnown(logType))
            return $"unknown log_type '{logType}'; expected one of {string.Join(", ", LogTypes.All)}";
        if (name is null) return "event is required";
        if (logType == LogTypes.Communication && name == Communications.EmailArchive.ArchivedEvent
            && element.TryGetProperty("archive_key", out var key))
        {
            if (key.ValueKind != JsonValueKind.String) return $"archive_key must be a string, not {Describe(key.ValueKind)}";
            var sha = element.TryGetProperty("sha256", out var h) && h.ValueKind == JsonValueKind.String ? h.GetString() : null;
            if (Communications.EmailArchive.KeyProblem(key.GetString()!, sha, timestamp ?? receivedAt) is { } keyProblem) return keyProblem;
        }

        byte[] data;
        try
        {
            data = WriteData(element, level);
        }
        catch (Exception ex) when (ex is InvalidOperationException or ArgumentException)
        {
            return "the event contains text that is not valid Unicode (e.g. an unpaired surrogate escape)";
        }
        result = new LedgerEvent(logType, name, timestamp, eventId, userId, ip, session, data, receivedAt);
        return null;
    }

    /// <summary>
    /// The event minus its envelope, values written through exactly as received, but the level,
    /// which is stored as the seed's name (structlog's "info" as "INFO"), so one level is one
    /// value for search, alerts and reports.
    /// </summary>
    private static byte[] WriteData(JsonElement element, string? level)
    {
        var buffer = new ArrayBufferWriter<byte>(JsonMarshal.GetRawUtf8Value(element).Length);
        using (var writer = new Utf8JsonWriter(buffer, CanonicalEntry.WriterOptions))
        {
            writer.WriteStartObject();
            foreach (var property in element.EnumerateObject())
            {
                var field = FieldOf(property);
                if (IsEnvelope(field)) continue;
                if (field == Field.Level && level is not null) writer.WriteString(property.Name, level);
                else property.WriteTo(writer);
            }
            writer.WriteEndObject();
        }
        return buffer.WrittenSpan.ToArray();
    }

    private static string? RequiredText(JsonProperty property, int maxLength, out string? value)
    {
        value = null;
        if (property.Value.ValueKind != JsonValueKind.String)
            return $"{property.Name} must be a string, not {Describe(property.Value.ValueKind)}";
        value = property.Value.GetString()!;
        if (value.Length == 0 || string.IsNullOrWhiteSpace(value)) return $"{property.Name} must not be empty";
        if (value.Length > maxLength) return $"{property.Name} is longer than {maxLength} characters";
        return null;
    }

    private static string? OptionalText(JsonProperty property, int maxLength, out string? value)
    {
        value = null;
        if (property.Value.ValueKind == JsonValueKind.Null) return null;
        return RequiredText(property, maxLength, out value);
    }

    private static string? ParseLevel(JsonElement value, out string? level)
    {
        level = null;
        if (value.ValueKind != JsonValueKind.String)
            return $"level must be a string, not {Describe(value.ValueKind)}";
        var text = value.GetString()!;
        level = LogLevels.Canonical(text);
        return level is not null ? null
            : $"unknown level '{Truncate(text)}'; expected {LogLevels.Expected}";
    }

    // ISO 8601 as structlog's TimeStamper(fmt="iso") and Python's isoformat() write it: a T or a
    // space between date and time, an optional fraction, and a zone (Z, +HH:MM or +HHMM). A time
    // without a zone is refused: the ledger does not guess which zone a source meant.
    [GeneratedRegex(@"^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}:\d{2}(\.(\d{1,9}))?(Z|[+-]\d{2}:?\d{2})$")]
    private static partial Regex IsoTimestamp();

    private static string? ParseTimestamp(JsonElement value, out DateTimeOffset? timestamp)
    {
        timestamp = null;
        if (value.ValueKind == JsonValueKind.Null) return null;
        if (value.ValueKind != JsonValueKind.String)
            return $"timestamp must be an ISO-8601 string, not {Describe(value.ValueKind)}";
        var text = value.GetString()!;
        var match = IsoTimestamp().Match(text);
        if (!match.Success)
            return $"timestamp '{Truncate(text)}' is not ISO-8601 with a zone (e.g. 2024-10-08T10:32:45.123456Z)";
        // .NET parses at most 7 fraction digits; the ledger keeps 6 (microseconds).
        var fraction = match.Groups[2].Value;
        var normalized = fraction.Length > 7 ? text.Replace("." + fraction, "." + fraction[..7], StringComparison.Ordinal) : text;
        var zone = match.Groups[3].Value;
        normalized = $"{normalized[..10]}T{normalized[11..^zone.Length]}{(zone.Length == 5 ? zone[..3] + ":" + zone[3..] : zone)}";
        if (!DateTimeOffset.TryParse(normalized, CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal, out var parsed))
            return $"timestamp '{Truncate(text)}' is not a valid date and time";
        timestamp = CanonicalEntry.ToMicroseconds(parsed);
        return null;
    }

    private static void FindRepeatedEventIds(List<LedgerEvent> events, List<IngestError> errors)
    {
        var seen = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < events.Count; i++)
        {
            var id = events[i].EventId;
            if (id is not null && !seen.Add(id))
                errors.Add(new IngestError(null, i, $"event_id '{Truncate(id)}' appears more than once in this request"));
        }
    }

    private static bool ContainsNulCharacter(JsonElement element) => element.ValueKind switch
    {
        JsonValueKind.String => element.GetString()!.Contains('\0'),
        JsonValueKind.Object => element.EnumerateObject().Any(p => p.Name.Contains('\0') || ContainsNulCharacter(p.Value)),
        JsonValueKind.Array => element.EnumerateArray().Any(ContainsNulCharacter),
        _ => false,
    };

    private static int Depth(JsonElement element) => element.ValueKind switch
    {
        JsonValueKind.Object => 1 + element.EnumerateObject().Select(p => Depth(p.Value)).DefaultIfEmpty(0).Max(),
        JsonValueKind.Array => 1 + element.EnumerateArray().Select(Depth).DefaultIfEmpty(0).Max(),
        _ => 0,
    };

    private const string DepthMessage = "the event nests deeper than the limit of 32 levels";

    private static string TooLargeMessage(int size) =>
        $"the event is {size} bytes, over the limit of {IngestLimits.MaxEventBytes} bytes ({Formats.Size(IngestLimits.MaxEventBytes)}) per event";

    private static string DescribeJsonError(JsonException ex)
    {
        if (ex.Message.Contains("maximum configured depth", StringComparison.OrdinalIgnoreCase)) return DepthMessage;
        if (ex.Message.Contains("Duplicate", StringComparison.OrdinalIgnoreCase))
            return $"a property name appears twice in one object{Position(ex)}";
        return $"malformed JSON{Position(ex)}: {ex.Message.Split(" Path:", 2)[0].Split(" LineNumber:", 2)[0]}";
    }

    private static string Position(JsonException ex) =>
        ex.LineNumber is { } l ? $" at line {l + 1}, byte {ex.BytePositionInLine + 1}" : "";

    private static string Describe(JsonValueKind kind) => kind switch
    {
        JsonValueKind.Object => "an object",
        JsonValueKind.Array => "an array",
        JsonValueKind.String => "a string",
        JsonValueKind.Number => "a number",
        JsonValueKind.True or JsonValueKind.False => "a boolean",
        JsonValueKind.Null => "null",
        _ => "nothing",
    };

    internal static string Truncate(string text) => text.Length <= 60 ? text : text[..60] + "…";
}
