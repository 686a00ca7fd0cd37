using CompliancePortal.Accounts;
using CompliancePortal.Core.Data;
using CompliancePortal.Core.Ledger;
using CompliancePortal.Core.Search;

namespace CompliancePortal.Search;

public static class SearchEndpoints
{
    /// <summary>GET /api/v1/search/export?{the page's query string}: the whole result as CSV, for the page's roles.</summary>
    public static void MapAuditSearch(this IEndpointRouteBuilder app)
    {
        app.MapGet("/api/v1/search/export", ExportAsync)
            .RequireAuthorization(Policies.RecordReaders);
    }

    public static readonly string[] CsvColumns =
        ["seq", "timestamp", "received_at", "log_type", "event", "user_id", "source", "event_data", "current_hash"];

    private static async Task ExportAsync(HttpContext http, AuditSearch search, RecordReaders readers)
    {
        var ct = http.RequestAborted;
        var reader = await readers.ForAsync(http.User, AccountSetup.ActorOf(http), ct);
        if (reader is null)
        {
            await Problems.Forbidden("Your role may not read records.").ExecuteAsync(http);
            return;
        }
        var errors = AuditQueryInput.FromQueryString(http.Request.QueryString.Value).TryBuild(out var query);
        if (errors.Count > 0)
        {
            await Results.ValidationProblem(errors.ToDictionary(e => e.Key, e => new[] { e.Value })).ExecuteAsync(http);
            return;
        }

        // The first MoveNext records the export in the ledger and runs the query: nothing is sent before both.
        await using var rows = search.ExportAsync(reader, query!, ct).GetAsyncEnumerator(ct);
        var more = await rows.MoveNextAsync();

        http.Response.ContentType = "text/csv; charset=utf-8";
        http.Response.Headers.ContentDisposition = $"attachment; filename=\"audit-search-{DateTime.UtcNow:yyyyMMdd-HHmmss}.csv\"";
        // CsvHelper writes UTF-8 into a 64 KiB buffer and hands it to the response asynchronously
        // (Kestrel refuses synchronous writes): rows go out as they are read, never all at once.
        await using var csv = CsvFiles.Create(http.Response.Body);
        foreach (var column in CsvColumns) csv.WriteField(column);
        await csv.EndRecordAsync(ct);
        for (; more; more = await rows.MoveNextAsync())
        {
            var row = rows.Current;
            csv.WriteField(row.Seq, default);
            csv.WriteField(CanonicalEntry.FormatTime(row.Timestamp));
            csv.WriteField(CanonicalEntry.FormatTime(row.ReceivedAt));
            csv.WriteField(row.LogType);
            csv.WriteField(row.Event);
            csv.WriteField(row.UserId);
            csv.WriteField(row.Source);
            csv.WriteField(row.EventData);
            csv.WriteField(row.CurrentHash);
            await csv.EndRecordAsync(ct);
        }
        await csv.FlushAsync(ct);
    }
}
