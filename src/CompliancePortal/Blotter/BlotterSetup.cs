using System.Globalization;
using System.Security.Cryptography;
using CompliancePortal.Accounts;
using CompliancePortal.Core.Accounts;
using CompliancePortal.Core.Blotter;
using CompliancePortal.Ingest;
using CompliancePortal.Search;
using Microsoft.AspNetCore.Authorization;

namespace CompliancePortal.Blotter;

/// <summary>Daily trade blotters: the archive of them (the job is in Jobs/), the page /blotters and the download.</summary>
public static class BlotterSetup
{
    public static void AddTradeBlotters(this WebApplicationBuilder builder)
    {
        builder.Services.AddSingleton<BlotterArchive>();
    }

    public static string DownloadPath(DateOnly day) => $"/api/v1/blotters/{day.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture)}";

    /// <summary>GET /api/v1/blotters/{yyyy-MM-dd}: the stored CSV, for ComplianceOfficers and Auditors (their granted days only).</summary>
    public static void MapTradeBlotters(this IEndpointRouteBuilder app)
    {
        app.MapGet("/api/v1/blotters/{date}", DownloadAsync)
            .RequireAuthorization(new AuthorizeAttribute { Roles = UserRoles.RecordReaders });
    }

    private static async Task DownloadAsync(string date, HttpContext http, BlotterArchive blotters, RecordReaders readers, CompliancePortal.Core.Audit.UserActionLog log)
    {
        var ct = http.RequestAborted;
        if (!DateOnly.TryParseExact(date, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var day))
        {
            await Results.Problem(statusCode: 400, title: "Bad date", detail: $"'{date}' is not a date (yyyy-MM-dd).").ExecuteAsync(http);
            return;
        }
        var actor = AccountSetup.ActorOf(http);
        var reader = await readers.ForAsync(http.User, actor, ct);
        if (reader is null)
        {
            await Problems.Forbidden("Your role may not read records.").ExecuteAsync(http);
            return;
        }
        var stored = await blotters.FindAsync(day, ct);
        var details = new Dictionary<string, object?>
        {
            ["date"] = date, ["archive_key"] = stored?.ArchiveKey, ["sha256"] = stored?.Sha256, ["scope"] = reader.Scope,
        };
        if (!reader.MaySee(new DateTimeOffset(day.ToDateTime(TimeOnly.MinValue), TimeSpan.Zero)))
        {
            await RecordAsync(log, reader.Actor, details, "outside_granted_period");
            await Problems.Forbidden($"{date} is outside your granted period ({reader.Scope}).").ExecuteAsync(http);
            return;
        }
        if (stored is null)
        {
            await Results.Problem(statusCode: 404, title: "No blotter", detail: $"No trade blotter has been generated for {date}.").ExecuteAsync(http);
            return;
        }
        // The bytes are checked before any is sent: a blotter that no longer matches its recorded hash is refused.
        var actual = await blotters.Sha256OfStoredAsync(stored.ArchiveKey, ct);
        if (actual != stored.Sha256)
        {
            await RecordAsync(log, reader.Actor, details, actual is null ? "missing_from_archive" : "hash_mismatch");
            await Results.Problem(statusCode: 500, title: "Blotter failed its check",
                detail: actual is null
                    ? $"The blotter of {date} is missing from the archive ({stored.ArchiveKey})."
                    : $"The stored blotter of {date} does not match its recorded SHA-256 ({stored.Sha256}); it was not sent.").ExecuteAsync(http);
            return;
        }
        await RecordAsync(log, reader.Actor, details, "sent");

        await using var content = await blotters.OpenReadAsync(stored, ct) ?? throw new InvalidOperationException($"{stored.ArchiveKey} vanished");
        http.Response.ContentType = "text/csv; charset=utf-8";
        http.Response.Headers.ContentDisposition = $"attachment; filename=\"{BlotterArchive.FileName(day)}\"";
        http.Response.Headers["X-Content-SHA256"] = stored.Sha256;
        using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        var buffer = new byte[64 * 1024];
        int read;
        while ((read = await content.ReadAsync(buffer, ct)) > 0)
        {
            sha.AppendData(buffer, 0, read);
            await http.Response.Body.WriteAsync(buffer.AsMemory(0, read), ct);
        }
        // Archive objects are write-once; should the bytes still differ on this second read, the
        // client must not receive a complete-looking file: the connection is cut.
        if (Convert.ToHexStringLower(sha.GetHashAndReset()) != stored.Sha256) http.Abort();
    }

    private static Task RecordAsync(CompliancePortal.Core.Audit.UserActionLog log, CompliancePortal.Core.Audit.Actor actor,
        Dictionary<string, object?> details, string outcome) =>
        log.RecordAsync(actor, BlotterArchive.DownloadedEvent, new Dictionary<string, object?>(details) { ["outcome"] = outcome });
}
