using System.Text.Json;

namespace CompliancePortal.Core.Alerts;

/// <summary>
/// A committed ledger entry as alert conditions see it: the envelope (log_type, event, user_id,
/// source) and every top-level field of the event's data by its own name. JSON numbers are
/// numbers, strings strings, true/false booleans, null and absent fields null, objects and
/// arrays their JSON text. The data is parsed only when a condition first asks for one of its
/// fields: most entries are ruled out by log_type or event alone.
/// </summary>
public sealed class AlertSubject
{
    private readonly byte[] _dataJson;
    private readonly string? _userId;
    private Dictionary<string, object?>? _data;

    public AlertSubject(long seq, DateTimeOffset receivedAt, string logType, string @event, string? userId, string source, byte[] dataJson)
    {
        Seq = seq;
        ReceivedAt = receivedAt;
        LogType = logType;
        Event = @event;
        Source = source;
        _userId = userId;
        _dataJson = dataJson;
    }

    public long Seq { get; }

    /// <summary>The server's receive time (created_at): what repeat rules count by.</summary>
    public DateTimeOffset ReceivedAt { get; }
    public string LogType { get; }
    public string Event { get; }
    public string Source { get; }

    /// <summary>A field's value, or null when the entry has none.</summary>
    public object? this[string name] => name switch
    {
        // The envelope wins over a data field of the same name (the ingest API takes these out of the data).
        "log_type" => LogType,
        "event" => Event,
        "user_id" => _userId,
        "source" => Source,
        _ => Data.GetValueOrDefault(name),
    };

    private Dictionary<string, object?> Data
    {
        get
        {
            if (_data is not null) return _data;
            var values = new Dictionary<string, object?>(StringComparer.Ordinal);
            using (var data = JsonDocument.Parse(_dataJson))
                foreach (var property in data.RootElement.EnumerateObject())
                    values[property.Name] = ValueOf(property.Value);
            return _data = values;
        }
    }

    private static object? ValueOf(JsonElement value) => value.ValueKind switch
    {
        JsonValueKind.String => value.GetString(),
        JsonValueKind.Number => value.TryGetDecimal(out var d) ? d : value.GetDouble(),
        JsonValueKind.True => true,
        JsonValueKind.False => false,
        JsonValueKind.Null or JsonValueKind.Undefined => null,
        _ => value.GetRawText(),
    };
}
