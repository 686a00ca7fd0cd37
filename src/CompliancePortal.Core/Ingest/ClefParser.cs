using System.Buffers;
using System.Globalization;
using System.Text.Json;
using CompliancePortal.Core.Ledger;
using Serilog.Events;
using Serilog.Parsing;

namespace CompliancePortal.Core.Ingest;

/// <summary>
/// CLEF, Serilog's compact JSON log format (what Seq takes): one object per line with the reified
/// fields <c>@t</c> (time, required), <c>@mt</c> (message template) or <c>@m</c> (rendered message),
/// <c>@l</c> (level, Information when absent), <c>@x</c> (exception), <c>@i</c> (event type),
/// <c>@r</c> (renderings), <c>@tr</c>/<c>@sp</c> (trace and span), and the event's properties
/// beside them (a property whose name starts with @ is written @@name).
/// <para>
/// Each line is translated into the portal's own event (the envelope and data of
/// <see cref="EventParser"/>), which then validates and builds it, so a CLEF event and a JSON
/// event are held to the same rules: the log type from a <c>log_type</c> property or the API
/// key's default; the event name from an <c>event</c> property, else the template (cut to the
/// event name's limit; the whole template is kept); the rendered message kept beside the
/// template as <c>message</c>; the level as the seed's name.
/// </para>
/// </summary>
public static class ClefParser
{
    public const string MediaType = "application/vnd.serilog.clef";

    // Where each reified field goes in the stored event's data (@t goes to the envelope).
    private static readonly (string Clef, string Stored)[] Reified =
    [
        ("@mt", "message_template"), ("@x", "exception"), ("@i", "event_type"),
        ("@r", "renderings"), ("@tr", "trace_id"), ("@sp", "span_id"),
    ];

    private static readonly HashSet<string> Reserved =
        ["timestamp", "level", "message", .. Reified.Select(r => r.Stored)];

    private static readonly MessageTemplateParser Templates = new();

    public static ParseResult Parse(ReadOnlyMemory<byte> body, string? defaultLogType, DateTimeOffset receivedAt)
    {
        var translated = new ArrayBufferWriter<byte>(body.Length + body.Length / 2);
        var errors = new List<IngestError>();
        var written = 0;
        foreach (var (line, text) in EventParser.Lines(body))
        {
            // Blank lines keep each event on its own line number, so errors name the line as sent.
            for (; written < line - 1; written++) translated.Write("\n"u8);
            var error = Translate(text, defaultLogType, translated);
            if (error is not null) errors.Add(new IngestError(line, null, error));
            translated.Write("\n"u8);
            written++;
        }
        return EventParser.Parse(translated.WrittenMemory, BodyFormat.NdJson, receivedAt, errors);
    }

    /// <summary>
    /// Writes the line as a portal event, or returns why it is refused (writing nothing). A line that is
    /// not a JSON object within the limits is written as it is: the event parser gives its usual error.
    /// </summary>
    private static string? Translate(ReadOnlyMemory<byte> text, string? defaultLogType, IBufferWriter<byte> output)
    {
        JsonDocument doc;
        try
        {
            if (text.Length > IngestLimits.MaxEventBytes) throw new JsonException();
            doc = JsonDocument.Parse(text, EventParser.EventOptions);
        }
        catch (JsonException)
        {
            output.Write(text.Span);
            return null;
        }
        using (doc)
        {
            var record = doc.RootElement;
            if (record.ValueKind != JsonValueKind.Object)
            {
                output.Write(text.Span);
                return null;
            }
            var problem = Check(record, defaultLogType, out var logType, out var level);
            if (problem is not null) return problem;

            using var writer = new Utf8JsonWriter(output, CanonicalEntry.WriterOptions);
            writer.WriteStartObject();
            writer.WritePropertyName("timestamp");
            record.GetProperty("@t").WriteTo(writer);
            if (!record.TryGetProperty("log_type", out _)) writer.WriteString("log_type", logType);
            if (!record.TryGetProperty("event", out _)) writer.WriteString("event", EventName(record));
            writer.WriteString("level", level);
            var message = Message(record);
            if (message is not null) writer.WriteString("message", message);
            foreach (var property in record.EnumerateObject())
            {
                var name = property.Name;
                if (name is "@t" or "@l" or "@m") continue;
                var stored = name.StartsWith("@@", StringComparison.Ordinal) ? name[1..]
                    : Reified.FirstOrDefault(r => r.Clef == name).Stored ?? name;
                writer.WritePropertyName(stored);
                property.Value.WriteTo(writer);
            }
            writer.WriteEndObject();
            return null;
        }
    }

    private static string? Check(JsonElement record, string? defaultLogType, out string? logType, out string? level)
    {
        logType = defaultLogType;
        level = "INFO";
        if (!record.TryGetProperty("@t", out var time))
            return "@t (the event's time) is required in CLEF";
        if (time.ValueKind != JsonValueKind.String)
            return "@t must be an ISO-8601 string";
        if (record.TryGetProperty("@l", out var l))
        {
            var text = l.ValueKind == JsonValueKind.String ? l.GetString()! : l.ToString();
            level = l.ValueKind == JsonValueKind.String ? LogLevels.Canonical(text) : null;
            if (level is null)
                return $"unknown level '{EventParser.Truncate(text)}' in @l; expected Verbose, Debug, Information, Warning, Error, Fatal, or {LogLevels.Expected}";
        }
        if (!record.TryGetProperty("log_type", out _) && logType is null)
            return "log_type is required: add a log_type property to the events " +
                   "(with Serilog, .Enrich.WithProperty(\"log_type\", \"TRADE\")) or give the API key a default log type";
        if (!record.TryGetProperty("event", out _) && !record.TryGetProperty("@mt", out _) && !record.TryGetProperty("@m", out _))
            return "the event has no name: send an event property, @mt (the message template) or @m (the message)";
        var taken = record.EnumerateObject().Select(p => p.Name).FirstOrDefault(Reserved.Contains);
        if (taken is not null)
            return $"the property '{taken}' is where the portal keeps a CLEF field; rename it";
        return null;
    }

    /// <summary>The seed's event name: an event property, else the template (or message) cut to the name's limit.</summary>
    private static string EventName(JsonElement record)
    {
        var source = record.TryGetProperty("@mt", out var mt) ? mt : record.GetProperty("@m");
        var name = source.ValueKind == JsonValueKind.String ? source.GetString()! : source.ToString();
        return name.Length <= IngestLimits.MaxEventNameLength ? name : name[..(IngestLimits.MaxEventNameLength - 1)] + "…";
    }

    /// <summary>@m as sent, else the template rendered by Serilog's own parser with the event's properties.</summary>
    private static string? Message(JsonElement record)
    {
        if (record.TryGetProperty("@m", out var m)) return m.ValueKind == JsonValueKind.String ? m.GetString() : m.ToString();
        if (!record.TryGetProperty("@mt", out var mt) || mt.ValueKind != JsonValueKind.String) return null;

        var properties = new Dictionary<string, LogEventPropertyValue>();
        foreach (var property in record.EnumerateObject())
            if (!property.Name.StartsWith('@') || property.Name.StartsWith("@@", StringComparison.Ordinal))
                properties[property.Name.StartsWith('@') ? property.Name[1..] : property.Name] = ValueOf(property.Value);
        // @r holds, in template order, what the sender rendered for each property token with a format.
        var renderings = record.TryGetProperty("@r", out var r) && r.ValueKind == JsonValueKind.Array
            ? r.EnumerateArray().Select(x => x.ToString()).ToList() : [];

        var output = new StringWriter(CultureInfo.InvariantCulture);
        var next = 0;
        foreach (var token in Templates.Parse(mt.GetString()!).Tokens)
        {
            if (token is PropertyToken { Format: not null } && next < renderings.Count) output.Write(renderings[next++]);
            else token.Render(properties, output, CultureInfo.InvariantCulture);
        }
        return output.ToString();
    }

    private static LogEventPropertyValue ValueOf(JsonElement value) => value.ValueKind switch
    {
        JsonValueKind.String => new ScalarValue(value.GetString()),
        JsonValueKind.Number => value.TryGetInt64(out var i) ? new ScalarValue(i)
            : value.TryGetDecimal(out var d) ? new ScalarValue(d) : new ScalarValue(value.GetDouble()),
        JsonValueKind.True => new ScalarValue(true),
        JsonValueKind.False => new ScalarValue(false),
        JsonValueKind.Array => new SequenceValue(value.EnumerateArray().Select(ValueOf)),
        JsonValueKind.Object => new StructureValue(
            value.EnumerateObject().Where(p => p.Name != "$type" && !string.IsNullOrWhiteSpace(p.Name)).Select(p => new LogEventProperty(p.Name, ValueOf(p.Value))),
            value.TryGetProperty("$type", out var type) ? type.ToString() : null),
        _ => new ScalarValue(null),
    };
}
