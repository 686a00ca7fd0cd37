using CompliancePortal.Accounts;
using CompliancePortal.Archive;
using CompliancePortal.Core;
using CompliancePortal.Core.ApiKeys;
using CompliancePortal.Core.Communications;
using CompliancePortal.Core.Ledger;
using CompliancePortal.Ingest;

namespace CompliancePortal.Communications;

public static class CommunicationsEndpoints
{
    public static void MapCommunicationsApi(this IEndpointRouteBuilder app)
    {
        // The mail gateway (journaling) authenticates with its API key, not a user cookie.
        app.MapPost("/api/v1/communications/emails", ArchiveEmailAsync).DisableAntiforgery().AllowAnonymous();
        // GET /api/v1/communications/emails/{yyyy-MM-dd}/{sha256}: the raw message, checked against its
        // hash, for ComplianceOfficers and Auditors (their granted days only); every attempt is recorded.
        app.MapGet("/api/v1/communications/emails/{date}/{sha256}", (string date, string sha256, HttpContext http, EmailArchive archive) =>
                DailyFileDownload.SendAsync(http, date, "archived email", EmailArchive.DownloadedEvent, async (day, ct) =>
                    await archive.IsRecordedAsync(day, sha256, ct)
                        ? new DailyFile(EmailArchive.Key(day, sha256), sha256, sha256 + ".eml", "message/rfc822")
                        : null))
            .RequireAuthorization(Policies.RecordReaders);
    }

    /// <summary>Where an <c>email_archived</c> entry's message is downloaded, or null for any other entry.</summary>
    public static string? DownloadPath(string @event, string eventData) =>
        @event == EmailArchive.ArchivedEvent && EmailArchive.Locate(eventData) is var (day, sha)
            ? $"/api/v1/communications/emails/{day:yyyy-MM-dd}/{sha}" : null;

    private static readonly SourceUpload Upload = new(LogTypes.Communication, "archive email", "message/rfc822", EmailArchive.MaxMessageBytes);

    /// <summary>POST /api/v1/communications/emails: one raw message as message/rfc822; answers after the ledger entry is committed.</summary>
    private static async Task<IResult> ArchiveEmailAsync(HttpContext http, ApiKeyStore keys, EmailArchive archive)
    {
        var (key, body, problem) = await Upload.ReadAsync(http, keys);
        if (problem is not null) return problem;

        ArchivedEmail archived;
        try
        {
            archived = await archive.ArchiveAsync(key!.Source, body, http.RequestAborted);
        }
        catch (InvalidEmailException ex)
        {
            return Problems.For(Failure.Invalid(ex.Message), "Not an email message");
        }
        catch (LedgerBusyException)
        {
            return Problems.LedgerBusy(http, queueFull: true, "The ledger writer's queue is full. Send the message again after the Retry-After delay: it is recorded once.");
        }
        catch (LedgerUnavailableException)
        {
            return Problems.LedgerBusy(http, queueFull: false, "The ledger could not commit the entry. Send the message again: it is recorded once.");
        }
        return Results.Ok(new Dictionary<string, object?>
        {
            ["seq"] = archived.Seq,
            ["hash"] = archived.Hash,
            ["event_id"] = archived.EventId,
            ["duplicate"] = archived.Duplicate,
            ["message_id"] = archived.MessageId,
            ["sha256"] = archived.Sha256,
            ["archive_key"] = archived.ArchiveKey,
            ["size"] = archived.Size,
            ["attachments"] = archived.Attachments,
        });
    }
}
