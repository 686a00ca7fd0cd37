using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;
using CompliancePortal.Core.Ledger;

namespace CompliancePortal.Core.LiveFeed;

/// <summary>
/// One committed ledger entry as the live feed shows it: the envelope, the level and the few
/// data fields the feed and dashboard display (<see cref="FeedFields"/>), never the whole event.
/// The JSON names are the hub's wire contract (README, "Live feed hub").
/// </summary>
public sealed record FeedEntry(
    [property: JsonPropertyName("seq")] long Seq,
    [property: JsonPropertyName("received_at")] DateTimeOffset ReceivedAt,
    [property: JsonPropertyName("timestamp")] DateTimeOffset Timestamp,
    [property: JsonPropertyName("log_type")] string LogType,
    [property: JsonPropertyName("event")] string Event,
    [property: JsonPropertyName("level")] string? Level,
    [property: JsonPropertyName("data")] IReadOnlyDictionary<string, JsonElement> Data,
    [property: JsonPropertyName("current_hash")] string CurrentHash)
{
    /// <summary>The feed's view of an entry handed over by the writer (the same projection the ledger queries make).</summary>
    public static FeedEntry From(CommittedEntry entry)
    {
        var e = entry.Event;
        using var data = JsonDocument.Parse(e.DataJson);
        var fields = new Dictionary<string, JsonElement>();
        string? level = null;
        foreach (var property in data.RootElement.EnumerateObject())
        {
            if (property.NameEquals("level"u8))
                level = property.Value.ValueKind == JsonValueKind.String ? property.Value.GetString() : property.Value.GetRawText();
            if (FeedFields.Contains(property.Name)) fields[property.Name] = property.Value.Clone();
        }
        var receivedAt = CanonicalEntry.ToMicroseconds(e.ReceivedAt);
        return new FeedEntry(entry.Seq, receivedAt, CanonicalEntry.ToMicroseconds(e.Timestamp ?? e.ReceivedAt),
            e.LogType, e.Event, level, fields, entry.CurrentHash);
    }

    /// <summary>A data field as text: strings as they are, numbers with the digits the source sent.</summary>
    public string? Text(string field) =>
        Data.TryGetValue(field, out var value)
            ? value.ValueKind switch
            {
                JsonValueKind.String => value.GetString(),
                JsonValueKind.Null or JsonValueKind.Undefined => null,
                _ => value.GetRawText(),
            }
            : null;

    /// <summary>A numeric data field, or null when it is absent or not a number.</summary>
    public double? Number(string field) =>
        Data.TryGetValue(field, out var value) && value.ValueKind == JsonValueKind.Number ? value.GetDouble()
        : Data.TryGetValue(field, out value) && value.ValueKind == JsonValueKind.String
          && double.TryParse(value.GetString(), NumberStyles.Float, CultureInfo.InvariantCulture, out var parsed) ? parsed
        : null;
}

/// <summary>
/// The data fields the live feed carries. A projection rather than the whole event: feed viewers
/// (portfolio managers) see trading activity, not e.g. the employee names of compliance records.
/// </summary>
public static class FeedFields
{
    public static readonly IReadOnlyList<string> All =
    [
        "trade_id", "asset", "action", "symbol", "quantity", "fill_price", "limit_price", "slippage_pct", "error",
        "api", "endpoint", "status_code", "latency_ms", "check", "severity", "trigger",
        // For the Prometheus metrics made from the ledger: a trade's execution time and the NAV.
        "fill_timestamp", "portfolio_nav_after", "nav",
    ];

    private static readonly HashSet<string> Set = [.. All];

    public static bool Contains(string field) => Set.Contains(field);
}
