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

    /// <summary>What every entry's bytes start with, before the seq's digits.</summary>
    private static ReadOnlySpan<byte> SeqPrefix => "{\"v\":1,\"seq\":"u8;

    public static byte[] Build(long seq, string source, LedgerEvent e) => Join(seq, BuildTail(source, e));

    /// <summary>
    /// Everything after the seq's digits. It does not depend on the entry's place in the chain,
    /// so request threads build it in parallel and the writer, holding the chain head, only
    /// joins it to the seq (<see cref="Join"/>) and hashes.
    /// </summary>
    public static byte[] BuildTail(string source, LedgerEvent e)
    {
        var whole = BuildWithSeq(0, source, e);
        return whole.AsSpan(SeqPrefix.Length + 1).ToArray();
    }

    /// <summary>The entry's bytes from its seq and the tail <see cref="BuildTail"/> made.</summary>
    public static byte[] Join(long seq, ReadOnlySpan<byte> tail)
    {
        Span<byte> digits = stackalloc byte[20];
        seq.TryFormat(digits, out var length, default, CultureInfo.InvariantCulture);
        var bytes = new byte[SeqPrefix.Length + length + tail.Length];
        SeqPrefix.CopyTo(bytes);
        digits[..length].CopyTo(bytes.AsSpan(SeqPrefix.Length));
        tail.CopyTo(bytes.AsSpan(SeqPrefix.Length + length));
        return bytes;
    }

    private static byte[] BuildWithSeq(long seq, string source, LedgerEvent e)
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
