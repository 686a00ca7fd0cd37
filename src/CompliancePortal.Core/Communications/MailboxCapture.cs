using System.Net;
using CompliancePortal.Core.Ledger;
using MailKit;
using MailKit.Net.Imap;
using MailKit.Search;
using MailKit.Security;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace CompliancePortal.Core.Communications;

/// <summary>Configuration section "Communications:Imap": the journal mailbox the capture job reads.</summary>
public sealed class ImapOptions : ISettings
{
    static string ISettings.Section => "Communications:Imap";

    public string? Problem()
    {
        if (!Enabled) return null;
        if (string.IsNullOrWhiteSpace(UserName)) return "Communications:Imap:UserName is required when Communications:Imap:Host is set";
        if (Port is < 1 or > 65535) return "Communications:Imap:Port must be 1-65535";
        // The mailbox password never crosses the network unencrypted.
        if (Security == ImapSecurity.None && !IsLoopback(Host))
            return "Communications:Imap:Security None is for a server on this machine only; use SslOnConnect or StartTls";
        return MaxMessagesPerRun < 1 ? "Communications:Imap:MaxMessagesPerRun must be at least 1" : null;
    }

    /// <summary>Capture runs only when a host is set.</summary>
    public bool Enabled => !string.IsNullOrWhiteSpace(Host);

    public string Host { get; set; } = "";
    public int Port { get; set; } = 993;
    public ImapSecurity Security { get; set; } = ImapSecurity.SslOnConnect;
    public string UserName { get; set; } = "";
    public string Password { get; set; } = "";
    public string Folder { get; set; } = "INBOX";

    /// <summary>Most messages one run archives; the next run goes on from there.</summary>
    public int MaxMessagesPerRun { get; set; } = 500;

    private static bool IsLoopback(string host) =>
        host == "localhost" || (IPAddress.TryParse(host, out var ip) && IPAddress.IsLoopback(ip));
}

public enum ImapSecurity { SslOnConnect, StartTls, None }

/// <summary>
/// The seed's EmailArchiver over IMAP: reads new messages of the journal mailbox (read-only, so
/// nothing in the mailbox changes) and archives each as POST /api/v1/communications/emails does
/// (<see cref="EmailArchive"/>: same object, same entry, stored once by SHA-256). After each message
/// it records the UID reached (with the folder's UIDVALIDITY), so a restart goes on from the next
/// one; a crash between the archive and that record only archives the same bytes again, which the
/// archive answers as a duplicate. A message the archive cannot take (over 25 MiB, not RFC 5322)
/// is not stored: an <c>email_capture_refused</c> entry records which one and why, and capture goes on.
/// </summary>
public sealed class MailboxCapture(ImapOptions options, EmailArchive archive, ILedgerAppend ledger, NpgsqlDataSource db, TimeProvider time,
    ILogger<MailboxCapture> logger)
{
    public const string RefusedEvent = "email_capture_refused";

    /// <summary>The mailbox as the state table and entries name it.</summary>
    public string Mailbox => $"{options.UserName}@{options.Host}:{options.Port}/{options.Folder}";

    /// <summary>The ledger source of what the capture archives.</summary>
    public string Source => "imap:" + Mailbox;

    /// <summary>Archives the messages after the last UID reached (at most <see cref="ImapOptions.MaxMessagesPerRun"/>); returns how many it took.</summary>
    public async Task<int> CaptureAsync(CancellationToken ct)
    {
        if (!options.Enabled) return 0;
        using var client = new ImapClient();
        await client.ConnectAsync(options.Host, options.Port, options.Security switch
        {
            ImapSecurity.StartTls => SecureSocketOptions.StartTls,
            ImapSecurity.None => SecureSocketOptions.None,
            _ => SecureSocketOptions.SslOnConnect,
        }, ct);
        await client.AuthenticateAsync(options.UserName, options.Password, ct);
        var folder = await client.GetFolderAsync(options.Folder, ct);
        await folder.OpenAsync(FolderAccess.ReadOnly, ct);

        var (validity, last) = await ReadPlaceAsync(ct);
        if (validity != folder.UidValidity)
        {
            // The server renumbered the folder: every message is looked at again, and those already
            // archived are recognised by their SHA-256.
            if (validity is not null) logger.LogWarning("{Mailbox}: UIDVALIDITY changed from {Old} to {New}; reading the folder again", Mailbox, validity, folder.UidValidity);
            last = 0;
        }
        // "n:*" always names the newest message, even below n: keep only the UIDs past the last.
        var found = await folder.SearchAsync(SearchQuery.Uids(new UniqueIdRange(new UniqueId(folder.UidValidity, (uint)last + 1), UniqueId.MaxValue)), ct);
        var next = found.Where(u => u.Id > last).OrderBy(u => u.Id).Take(options.MaxMessagesPerRun).ToList();
        if (next.Count == 0)
        {
            if (validity != folder.UidValidity) await SavePlaceAsync(folder.UidValidity, 0, ct);
            return 0;
        }
        var sizes = (await folder.FetchAsync(next, MessageSummaryItems.UniqueId | MessageSummaryItems.Size, ct))
            .ToDictionary(s => s.UniqueId.Id, s => (long)(s.Size ?? 0));
        foreach (var uid in next)
        {
            var size = sizes.GetValueOrDefault(uid.Id);
            if (size > EmailArchive.MaxMessageBytes)
                await RefuseAsync(folder.UidValidity, uid.Id, size,
                    $"the message is {size} bytes, over the archive's limit of {EmailArchive.MaxMessageBytes} bytes ({Formats.Size(EmailArchive.MaxMessageBytes)})", ct);
            else
            {
                var raw = new MemoryStream();
                await using (var stream = await folder.GetStreamAsync(uid, ct)) await stream.CopyToAsync(raw, ct);
                try
                {
                    await archive.ArchiveAsync(Source, raw.GetBuffer().AsMemory(0, (int)raw.Length), ct);
                }
                catch (InvalidEmailException ex)
                {
                    await RefuseAsync(folder.UidValidity, uid.Id, raw.Length, ex.Message, ct);
                }
            }
            await SavePlaceAsync(folder.UidValidity, uid.Id, ct);
        }
        await client.DisconnectAsync(true, ct);
        return next.Count;
    }

    private async Task RefuseAsync(uint validity, uint uid, long size, string reason, CancellationToken ct)
    {
        logger.LogWarning("{Mailbox}: message UID {Uid} not archived: {Reason}", Mailbox, uid, reason);
        var now = CanonicalEntry.ToMicroseconds(time.GetUtcNow());
        var data = LedgerEntryJson.Serialize(new { mailbox = Mailbox, uid_validity = validity, uid, size, reason });
        // One entry per message even when a crash makes the capture look at it again.
        var eventId = $"imap-refused-{Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(Mailbox)))[..16]}-{validity}-{uid}";
        await ledger.AppendAsync(Source, [new LedgerEvent(LogTypes.Communication, RefusedEvent, now, eventId, null, null, null, data, now)]);
    }

    private async Task<(uint? Validity, long Last)> ReadPlaceAsync(CancellationToken ct)
    {
        await using var cmd = db.CreateCommand("SELECT uid_validity, last_uid FROM mailbox_capture WHERE mailbox = $1");
        cmd.Parameters.Add(new() { Value = Mailbox });
        await using var reader = await cmd.ExecuteReaderAsync(ct);
        return await reader.ReadAsync(ct) ? ((uint)reader.GetInt64(0), reader.GetInt64(1)) : (null, 0);
    }

    private async Task SavePlaceAsync(uint validity, long last, CancellationToken ct)
    {
        // Two runs at once (two instances) never move the place back.
        await using var cmd = db.CreateCommand("""
            INSERT INTO mailbox_capture (mailbox, uid_validity, last_uid, updated_at) VALUES ($1, $2, $3, now())
            ON CONFLICT (mailbox) DO UPDATE SET
                last_uid = CASE WHEN mailbox_capture.uid_validity = EXCLUDED.uid_validity THEN greatest(mailbox_capture.last_uid, EXCLUDED.last_uid) ELSE EXCLUDED.last_uid END,
                uid_validity = EXCLUDED.uid_validity, updated_at = now()
            """);
        cmd.Parameters.Add(new() { Value = Mailbox });
        cmd.Parameters.Add(new() { Value = (long)validity });
        cmd.Parameters.Add(new() { Value = last });
        await cmd.ExecuteNonQueryAsync(ct);
    }
}
