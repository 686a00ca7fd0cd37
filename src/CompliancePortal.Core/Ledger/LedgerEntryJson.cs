using System.Text.Json;

namespace CompliancePortal.Core.Ledger;

/// <summary>How the portal serializes the data of the entries it writes itself: snake_case keys, text kept as it is (no \u escapes).</summary>
public static class LedgerEntryJson
{
    public static readonly JsonSerializerOptions Options = new(JsonSerializerDefaults.Web)
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    public static byte[] Serialize(object data) => JsonSerializer.SerializeToUtf8Bytes(data, Options);
}
