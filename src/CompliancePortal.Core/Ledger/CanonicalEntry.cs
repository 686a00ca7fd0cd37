using System.Buffers;
using System.Globalization;
using System.Text.Encodings.Web;
using System.Text.Json;

namespace CompliancePortal.Core.Ledger;

/// <summary>
/// The exact bytes that are hashed and stored for each entry (format version 1): compact UTF-8
/// JSON with the envelope in a fixed order and the event's data last. The README documents it
/// so anyone can re-implement verification.
/// </summary>
public static class CanonicalEntry
{
    public const int FormatVersion = 1;

    /// <summary>Timestamps: UTC, always six fraction digits, as PostgreSQL keeps them.</summary>
    public const string TimeFormat = "yyyy-MM-dd'T'HH:mm:ss.ffffff'Z'";

    internal static readonly JsonWriterOptions WriterOptions = new()
    {
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        Indented = false,
        SkipValidation = false,
    };

    public static string FormatTime(DateTimeOffset value) =>
        value.UtcDateTime.ToString(TimeFormat, CultureInfo.InvariantCulture);

    /// <summary>PostgreSQL keeps microseconds: drop the rest so stored and hashed times agree.</summary>
    public static DateTimeOffset ToMicroseconds(DateTimeOffset value) =>
        new(value.UtcTicks - value.UtcTicks % 10, TimeSpan.Zero);

    public static byte[] Build(long seq, string source, LedgerEvent e)
    {
        var buffer = new ArrayBufferWriter<byte>(256 + e.DataJson.Length);
        using (var writer = new Utf8JsonWriter(buffer, WriterOptions))
        {
            writer.WriteStartObject();
            writer.WriteNumber("v", FormatVersion);
            writer.WriteNumber("seq", seq);
            writer.WriteString("received_at", FormatTime(e.ReceivedAt));
            writer.WriteString("timestamp", FormatTime(e.Timestamp ?? e.ReceivedAt));
            writer.WriteString("log_type", e.LogType);
            writer.WriteString("event", e.Event);
            writer.WriteString("source", source);
            WriteNullable(writer, "event_id", e.EventId);
            WriteNullable(writer, "user_id", e.UserId);
            WriteNullable(writer, "ip_address", e.IpAddress);
            WriteNullable(writer, "session_id", e.SessionId);
            writer.WritePropertyName("data");
            writer.WriteRawValue(e.DataJson, skipInputValidation: true);
            writer.WriteEndObject();
        }
        return buffer.WrittenSpan.ToArray();
    }

    private static void WriteNullable(Utf8JsonWriter writer, string name, string? value)
    {
        if (value is null) writer.WriteNull(name);
        else writer.WriteString(name, value);
    }
}
