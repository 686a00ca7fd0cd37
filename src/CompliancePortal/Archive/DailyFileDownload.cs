using CompliancePortal.Accounts;
using CompliancePortal.Core;
using CompliancePortal.Core.Archive;
using CompliancePortal.Core.Audit;
using CompliancePortal.Search;

namespace CompliancePortal.Archive;

/// <summary>A day's archived file as its record names it.</summary>
public sealed record DailyFile(string ArchiveKey, string Sha256, string FileName, string ContentType);

/// <summary>
/// GET of a day's archived record (a trade blotter, a position snapshot) for ComplianceOfficers and
/// Auditors (days inside their granted period only; the endpoint's policy admits only those roles).
/// The stored bytes are checked against the recorded SHA-256 before any is sent (see
/// <see cref="VerifiedCopy"/>): a missing or altered object is refused with 500. Every attempt by a
/// permitted role is a COMPLIANCE ledger entry (date, key, hash, the reader's scope and
/// <c>outcome</c>: sent, outside_granted_period, hash_mismatch, missing_from_archive), committed
/// before the first byte. 400 for a bad date, 404 for a day without the record.
/// </summary>
public static class DailyFileDownload
{
    /// <param name="what">The record's name in messages, e.g. "trade blotter".</param>
    public static async Task SendAsync(HttpContext http, string date, string what, string downloadedEvent,
        Func<DateOnly, CancellationToken, Task<DailyFile?>> find)
    {
        var ct = http.RequestAborted;
        if (!Formats.TryParseDay(date, out var day))
        {
            await Problems.BadDate(date).ExecuteAsync(http);
            return;
        }
        var services = http.RequestServices;
        var reader = await services.GetRequiredService<RecordReaders>().ForAsync(http.User, AccountSetup.ActorOf(http), ct);
        if (reader is null)
        {
            await Problems.Forbidden("Your role may not read records.").ExecuteAsync(http);
            return;
        }
        var stored = await find(day, ct);
        var log = services.GetRequiredService<UserActionLog>();
        Task RecordAsync(string outcome) => log.RecordAsync(reader.Actor, downloadedEvent, new Dictionary<string, object?>
        {
            ["date"] = date, ["archive_key"] = stored?.ArchiveKey, ["sha256"] = stored?.Sha256, ["scope"] = reader.Scope, ["outcome"] = outcome,
        });
        if (!reader.MaySee(new DateTimeOffset(day.ToDateTime(TimeOnly.MinValue), TimeSpan.Zero)))
        {
            await RecordAsync("outside_granted_period");
            await Problems.Forbidden($"{date} is outside your granted period ({reader.Scope}).").ExecuteAsync(http);
            return;
        }
        if (stored is null)
        {
            await Problems.NotFound($"No {what} has been generated for {date}.").ExecuteAsync(http);
            return;
        }

        await using var copy = await VerifiedCopy.ReadAsync(services.GetRequiredService<IArchiveStore>(), stored.ArchiveKey, stored.Sha256, ct);
        if (copy.Content is not { } content)
        {
            await RecordAsync(copy.Outcome == CopyOutcome.Missing ? "missing_from_archive" : "hash_mismatch");
            await Problems.For(Failure.Damaged(copy.Outcome == CopyOutcome.Missing
                    ? $"The {what} of {date} is missing from the archive ({stored.ArchiveKey})."
                    : $"The stored {what} of {date} does not match its recorded SHA-256 ({stored.Sha256}); it was not sent."),
                $"The {what} failed its check").ExecuteAsync(http);
            return;
        }
        await RecordAsync("sent");
        http.Response.ContentType = stored.ContentType;
        http.Response.Headers.ContentDisposition = $"attachment; filename=\"{stored.FileName}\"";
        http.Response.Headers["X-Content-SHA256"] = stored.Sha256;
        http.Response.ContentLength = content.Length;
        await content.CopyToAsync(http.Response.Body, ct);
    }
}
