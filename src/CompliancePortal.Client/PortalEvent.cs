using System.Text.Json;
using System.Text.Json.Nodes;

namespace CompliancePortal.Client;

/// <summary>
/// One event for the ledger, in the seed's shape: log_type, event, the event time, and the
/// event's own fields. <see cref="EventId"/> is the idempotency id: the client fills it in when
/// empty, so a resend after a lost answer or a restart is stored once.
/// </summary>
public sealed record PortalEvent(string LogType, string Event, IReadOnlyDictionary<string, object?>? Data = null)
{
    public DateTimeOffset? Timestamp { get; init; }
    public string? EventId { get; init; }
    public string? UserId { get; init; }

    /// <summary>The NDJSON line the ingest API takes; the event's own fields keep their names, the envelope its.</summary>
    internal string ToLine(string eventId, DateTimeOffset now)
    {
        var line = new JsonObject();
        if (Data is not null)
            foreach (var (name, value) in Data)
                line[name] = JsonSerializer.SerializeToNode(value);
        line["log_type"] = LogType;
        line["event"] = Event;
        line["timestamp"] = (Timestamp ?? now).UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.ffffff'Z'", System.Globalization.CultureInfo.InvariantCulture);
        line["event_id"] = eventId;
        if (UserId is not null) line["user_id"] = UserId;
        return line.ToJsonString();
    }
}
