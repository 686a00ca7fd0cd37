using CompliancePortal.Accounts;
using CompliancePortal.Archive;
using CompliancePortal.Core;
using CompliancePortal.Core.Blotter;

namespace CompliancePortal.Blotter;

public static class BlotterEndpoints
{
    public static string DownloadPath(DateOnly day) => $"/api/v1/blotters/{Formats.Day(day)}";

    /// <summary>GET /api/v1/blotters/{yyyy-MM-dd}: the stored CSV, for ComplianceOfficers and Auditors (their granted days only).</summary>
    public static void MapBlotterApi(this IEndpointRouteBuilder app)
    {
        app.MapGet("/api/v1/blotters/{date}", DownloadAsync)
            .RequireAuthorization(Policies.RecordReaders);
    }

    private static Task DownloadAsync(string date, HttpContext http, BlotterArchive blotters) =>
        DailyFileDownload.SendAsync(http, date, "trade blotter", BlotterArchive.DownloadedEvent, async (day, ct) =>
            await blotters.FindAsync(day, ct) is { } b ? new DailyFile(b.ArchiveKey, b.Sha256, BlotterArchive.FileName(day), "text/csv; charset=utf-8") : null);
}
