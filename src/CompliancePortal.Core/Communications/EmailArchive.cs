using System.Globalization;
using System.Security.Cryptography;
using CompliancePortal.Core.Archive;
using CompliancePortal.Core.Ingest;
using CompliancePortal.Core.Ledger;
using MimeKit;
using Npgsql;

namespace CompliancePortal.Core.Communications;

/// <summary>What the archive answers for one message.</summary>
public sealed record ArchivedEmail(long Seq, string Hash, string EventId, bool Duplicate, string Sha256, string ArchiveKey, long Size,
    string? MessageId, int Attachments);

/// <summary>A message the archive refuses, with the reason for the sender.</summary>
public sealed class InvalidEmailException(string message) : Exception(message);

/// <summary>
/// The seed's email archive (Rule 204-2 communications): the raw message is kept byte for byte in
/// the archive store as <c>compliance/emails/YYYY-MM-DD/&lt;sha256&gt;.eml</c> (the day of its Date
/// header, UTC; the receive day when it has none), read back and its SHA-256 checked, and only then
/// a COMMUNICATION <c>email_archived</c> ledger entry records its headers, text, attachments and that
/// SHA-256. The entry's event id is <c>email-&lt;sha256&gt;</c>, so the same bytes sent again are
/// stored once and get the first receipt.
/// </summary>
public sealed class EmailArchive(IArchiveStore store, ILedgerAppend ledger, NpgsqlDataSource db, TimeProvider time)
{
    public const string ArchivedEvent = "email_archived";

    /// <summary>The COMPLIANCE entry of each download attempt of an archived message.</summary>
    public const string DownloadedEvent = "archived_email_downloaded";

    /// <summary>Largest raw message taken (the usual mail server limit).</summary>
    public const int MaxMessageBytes = 25 * 1024 * 1024;

    /// <summary>The entry's data stays this far under the ledger's 64 KiB per event; the body text is cut to fit (the .eml keeps all of it).</summary>
    internal const int MaxEntryBytes = IngestLimits.MaxEventBytes - 4 * 1024;

    /// <summary>Most addresses per header and attachments listed in the entry; the rest are counted.</summary>
    internal const int MaxListed = 200;

    public static string Key(DateOnly day, string sha256) =>
        ArchiveKeys.Check($"compliance/emails/{Formats.Day(day)}/{sha256}.eml");

    /// <summary>Whether <paramref name="key"/> is where this archive keeps the message with that SHA-256 (on any day).</summary>
    public static bool IsKeyOf(string key, string sha256) =>
        sha256.Length == 64 && sha256.All(char.IsAsciiHexDigitLower) &&
        System.Text.RegularExpressions.Regex.IsMatch(key, $"^compliance/emails/[0-9]{{4}}-[0-9]{{2}}-[0-9]{{2}}/{sha256}\\.eml$");

    /// <summary>
    /// Why an <c>email_archived</c> entry of <paramref name="timestamp"/> may not name
    /// <paramref name="key"/>, or null when it may: the archive keeps a message under its own
    /// SHA-256 and the day of the entry's timestamp, so a key of another day would let an entry of
    /// one period pull in a message of another (into a package, past an auditor's period).
    /// </summary>
    public static string? KeyProblem(string key, string? sha256, DateTimeOffset timestamp)
    {
        if (sha256 is null || !IsKeyOf(key, sha256))
            return $"archive_key '{(key.Length > 100 ? key[..100] + "..." : key)}' is not where the email archive keeps a message with this entry's sha256 " +
                   "(compliance/emails/YYYY-MM-DD/<sha256>.eml)";
        var day = Formats.Day(timestamp);
        return key.Split('/')[2] == day ? null
            : $"archive_key names a message of {key.Split('/')[2]}, but this entry is of {day}: an email entry's message is of its own day";
    }

    /// <summary>The archived message's place when <paramref name="eventData"/> is an <c>email_archived</c> entry's data; else null.</summary>
    public static (DateOnly Day, string Sha256)? Locate(string eventData)
    {
        try
        {
            using var json = System.Text.Json.JsonDocument.Parse(eventData);
            if (json.RootElement.ValueKind != System.Text.Json.JsonValueKind.Object
                || !json.RootElement.TryGetProperty("archive_key", out var k) || k.ValueKind != System.Text.Json.JsonValueKind.String
                || !json.RootElement.TryGetProperty("sha256", out var h) || h.ValueKind != System.Text.Json.JsonValueKind.String)
                return null;
            var (key, sha) = (k.GetString()!, h.GetString()!);
            return IsKeyOf(key, sha) ? (DateOnly.ParseExact(key.Split('/')[2], "yyyy-MM-dd", CultureInfo.InvariantCulture), sha) : null;
        }
        catch (System.Text.Json.JsonException)
        {
            return null;
        }
    }

    /// <summary>Whether the ledger holds an <c>email_archived</c> entry of <paramref name="day"/> for the message with that SHA-256.</summary>
    public async Task<bool> IsRecordedAsync(DateOnly day, string sha256, CancellationToken ct = default)
    {
        if (sha256.Length != 64 || !sha256.All(char.IsAsciiHexDigitLower)) return false;
        var from = new DateTimeOffset(day.ToDateTime(TimeOnly.MinValue), TimeSpan.Zero);
        await using var cmd = db.CreateCommand(
            $"""
            SELECT EXISTS (SELECT 1 FROM audit_log WHERE event = '{ArchivedEvent}' AND "timestamp" >= $1 AND "timestamp" < $2
                           AND log_type = 'COMMUNICATION' AND event_data->>'archive_key' = $3 AND event_data->>'sha256' = $4)
            """);
        cmd.Parameters.Add(new() { Value = from });
        cmd.Parameters.Add(new() { Value = from.AddDays(1) });
        cmd.Parameters.Add(new() { Value = Key(day, sha256) });
        cmd.Parameters.Add(new() { Value = sha256 });
        return (bool)(await cmd.ExecuteScalarAsync(ct))!;
    }

    /// <summary>Archives one raw RFC 5322 message; throws <see cref="InvalidEmailException"/> for one that is not.</summary>
    public async Task<ArchivedEmail> ArchiveAsync(string source, ReadOnlyMemory<byte> raw, CancellationToken ct = default)
    {
        var receivedAt = CanonicalEntry.ToMicroseconds(time.GetUtcNow());
        var message = Parse(raw);
        var sha256 = Convert.ToHexStringLower(SHA256.HashData(raw.Span));
        // A missing or unreadable Date header (MimeKit gives MinValue) leaves the receive time.
        var sent = message.Headers.Contains(HeaderId.Date) && message.Date.Year >= 1970
            ? CanonicalEntry.ToMicroseconds(message.Date.ToUniversalTime()) : (DateTimeOffset?)null;
        var key = Key(DateOnly.FromDateTime((sent ?? receivedAt).UtcDateTime), sha256);

        await StoreAsync(key, raw, sha256, ct);

        var attachments = message.Attachments.Select(Describe).ToList();
        var eventId = "email-" + sha256;
        var entry = new LedgerEvent(LogTypes.Communication, ArchivedEvent, sent ?? receivedAt, eventId, null, null, null,
            EntryData(message, attachments, sha256, key, raw.Length, sent), receivedAt);
        var receipt = (await ledger.AppendAsync(source, [entry]))[0];
        return new ArchivedEmail(receipt.Seq, receipt.Hash, eventId, receipt.Duplicate, sha256, key, raw.Length, message.MessageId, attachments.Count);
    }

    private static MimeMessage Parse(ReadOnlyMemory<byte> raw)
    {
        if (raw.Length == 0) throw new InvalidEmailException("The body is empty: send the raw message (RFC 5322) as message/rfc822.");
        MimeMessage message;
        try
        {
            using var stream = Open(raw);
            message = MimeMessage.Load(stream);
        }
        catch (FormatException ex)
        {
            throw new InvalidEmailException($"The body is not an RFC 5322 message: {ex.Message}");
        }
        if (message.From.Count == 0)
            throw new InvalidEmailException("The message has no From header: send the raw message (RFC 5322) with its headers.");
        return message;
    }

    /// <summary>Writes the bytes once and checks what the store holds: a retry finds them there already.</summary>
    private async Task StoreAsync(string key, ReadOnlyMemory<byte> raw, string sha256, CancellationToken ct)
    {
        if (!await store.ExistsAsync(key, ct))
        {
            try
            {
                using var upload = Open(raw);
                await store.PutAsync(key, upload, "message/rfc822", ct: ct);
            }
            catch (ArchiveObjectExistsException)
            {
                // Another request stored it meanwhile: checked below like any existing object.
            }
        }
        var stored = await ArchiveHashes.OfObjectAsync(store, key, ct);
        if (stored != sha256)
            throw new InvalidOperationException($"{key} holds other bytes (sha256 {stored}); nothing was recorded");
    }

    /// <summary>The request's bytes as a read-only stream, without copying them (a message may be 25 MiB).</summary>
    private static MemoryStream Open(ReadOnlyMemory<byte> raw) =>
        System.Runtime.InteropServices.MemoryMarshal.TryGetArray(raw, out var segment)
            ? new MemoryStream(segment.Array!, segment.Offset, segment.Count, writable: false)
            : new MemoryStream(raw.ToArray(), writable: false);

    private static object Describe(MimeEntity entity)
    {
        using var content = new MemoryStream();
        if (entity is MimePart part) part.Content?.DecodeTo(content);
        else if (entity is MessagePart attached) attached.Message?.WriteTo(content);
        return new
        {
            file_name = (entity as MimePart)?.FileName ?? entity.ContentType.Name,
            content_type = entity.ContentType.MimeType,
            size = content.Length,
            sha256 = Convert.ToHexStringLower(SHA256.HashData(content.GetBuffer().AsSpan(0, (int)content.Length))),
        };
    }

    /// <summary>The entry's data: headers, attachments and as much of the text as fits under the per-event limit.</summary>
    private static byte[] EntryData(MimeMessage message, List<object> attachments, string sha256, string key, int size, DateTimeOffset? sent)
    {
        var body = message.TextBody ?? message.HtmlBody ?? "";
        byte[] Build(int bodyChars) => LedgerEntryJson.Serialize(new
        {
            message_id = message.MessageId,
            date = sent is { } d ? CanonicalEntry.FormatTime(d) : null,
            from = Addresses(message.From),
            to = Addresses(message.To),
            cc = Addresses(message.Cc),
            bcc = Addresses(message.Bcc),
            recipients_omitted = Omitted(message.To) + Omitted(message.Cc) + Omitted(message.Bcc),
            subject = Clip(message.Subject ?? "", 1000),
            body = body[..bodyChars],
            body_truncated = bodyChars < body.Length,
            attachments = attachments.Take(MaxListed),
            attachments_omitted = Math.Max(0, attachments.Count - MaxListed),
            size,
            sha256,
            archive_key = key,
        });

        var chars = body.Length;
        var data = Build(chars);
        // Each character is at least one byte, so cutting as many characters as there are bytes too many fits in one or two rounds.
        while (data.Length > MaxEntryBytes && chars > 0)
        {
            chars = Math.Max(0, chars - (data.Length - MaxEntryBytes));
            if (chars > 0 && char.IsHighSurrogate(body[chars - 1])) chars--;
            data = Build(chars);
        }
        return data;
    }

    private static List<string> Addresses(InternetAddressList list) =>
        [.. list.Mailboxes.Take(MaxListed).Select(m => Clip(m.ToString(), 320))];

    private static int Omitted(InternetAddressList list) => Math.Max(0, list.Mailboxes.Count() - MaxListed);

    private static string Clip(string text, int max) => text.Length <= max ? text : text[..max];
}
