using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;

namespace CompliancePortal.Search;

/// <summary>Indents stored JSON for reading, keeping every value's text (400.00 stays 400.00).</summary>
public static class EventJson
{
    private static readonly JsonWriterOptions Indented = new() { Indented = true, Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    public static string Pretty(string json)
    {
        try
        {
            using var doc = JsonDocument.Parse(json);
            using var buffer = new MemoryStream();
            using (var writer = new Utf8JsonWriter(buffer, Indented)) doc.RootElement.WriteTo(writer);
            return Encoding.UTF8.GetString(buffer.ToArray());
        }
        catch (JsonException)
        {
            return json;
        }
    }
}
