using CompliancePortal.Accounts;
using CompliancePortal.Archive;
using CompliancePortal.Core;
using CompliancePortal.Core.ApiKeys;
using CompliancePortal.Core.Ingest;
using CompliancePortal.Core.Ledger;
using CompliancePortal.Core.Positions;
using CompliancePortal.Ingest;
using Microsoft.Extensions.Options;

namespace CompliancePortal.Positions;

public static class PositionsEndpoints
{
    public static string DownloadPath(DateOnly day) => $"/api/v1/positions/snapshots/{Formats.Day(day)}";

    public static void MapPositionsApi(this IEndpointRouteBuilder app)
    {
        // The trading system authenticates with its API key, not a user cookie.
        app.MapPost("/api/v1/positions", SubmitAsync).DisableAntiforgery().AllowAnonymous();
        // GET /api/v1/positions/snapshots/{yyyy-MM-dd}: a frozen book, for ComplianceOfficers and Auditors (their granted days only).
        app.MapGet("/api/v1/positions/snapshots/{date}", (string date, HttpContext http, PositionSnapshots snapshots) =>
                DailyFileDownload.SendAsync(http, date, "position snapshot", PositionSnapshots.DownloadedEvent, async (day, ct) =>
                    await snapshots.FindAsync(day, ct) is { } s
                        ? new DailyFile(s.ArchiveKey, s.Sha256, PositionSnapshots.FileName(day), "application/json")
                        : null))
            .RequireAuthorization(Policies.RecordReaders);
    }

    private static readonly SourceUpload Upload = new(LogTypes.Position, "submit positions", "application/json", IngestLimits.MaxRequestBytes);

    private static async Task<IResult> SubmitAsync(HttpContext http, ApiKeyStore keys, PositionBook book, IOptions<PositionsOptions> options)
    {
        var (key, body, problem) = await Upload.ReadAsync(http, keys);
        if (problem is not null) return problem;

        var (parsed, errors) = PositionParser.Parse(body, options.Value.MaxPositions);
        if (errors.Count > 0)
            return Problems.For(Failure.Invalid($"{errors.Count} problem(s) found; nothing was stored."), "Invalid positions", unchanged: "",
                extensions: new Dictionary<string, object?>
                {
                    ["errors"] = errors.Select(e => new Dictionary<string, object?> { ["index"] = e.Index, ["error"] = e.Error }).ToList(),
                });

        var submitted = await book.SubmitAsync(key!.Source, parsed!, http.RequestAborted);
        if (submitted.Value is not { } receipt) return Problems.For(submitted.Failure!, "Day closed");
        return Results.Ok(new Dictionary<string, object?>
        {
            ["submission_id"] = receipt.SubmissionId,
            ["date"] = Formats.Day(receipt.Date),
            ["total_count"] = receipt.TotalCount,
            ["total_value"] = receipt.TotalValue,
            ["total_delta"] = receipt.TotalDelta,
            ["positions_sha256"] = receipt.PositionsSha256,
            ["seq"] = receipt.LedgerSeq,
        });
    }
}
