using CompliancePortal.Core;
using CompliancePortal.Core.Ingest;
using CompliancePortal.Core.Search;

namespace CompliancePortal;

/// <summary>RFC 7807 problem responses used by the public API, each with a plain message.</summary>
public static class Problems
{
    /// <summary>
    /// The one mapping from a refused action to its problem response: the status from the failure's
    /// kind, <paramref name="title"/> naming the action ("Not decided"), the message as detail, and
    /// for refused input or state <paramref name="unchanged"/> to say nothing was stored.
    /// </summary>
    public static IResult For(Failure failure, string title, string unchanged = " Nothing was stored.",
        IDictionary<string, object?>? extensions = null) => Results.Problem(
        statusCode: StatusOf(failure.Kind),
        title: failure.Kind switch { FailureKind.NotFound => "Not found", FailureKind.Forbidden => "Forbidden", FailureKind.Gone => "Expired", _ => title },
        detail: failure.Kind is FailureKind.Invalid or FailureKind.Conflict ? failure.Message + unchanged : failure.Message,
        extensions: extensions);

    public static int StatusOf(FailureKind kind) => kind switch
    {
        FailureKind.Invalid => StatusCodes.Status400BadRequest,
        FailureKind.Forbidden => StatusCodes.Status403Forbidden,
        FailureKind.NotFound => StatusCodes.Status404NotFound,
        FailureKind.Conflict => StatusCodes.Status409Conflict,
        FailureKind.Gone => StatusCodes.Status410Gone,
        _ => StatusCodes.Status500InternalServerError,
    };

    public static IResult BadRequest(string detail) => For(Failure.Invalid(detail), "Bad request", unchanged: "");

    public static IResult NotFound(string detail) => For(Failure.NotFound(detail), "Not found");

    /// <summary>A date in a path that is not yyyy-MM-dd.</summary>
    public static IResult BadDate(string date) => For(Failure.Invalid($"'{date}' is not a date (yyyy-MM-dd)."), "Bad date", unchanged: "");

    public static IResult Unauthorized(string detail) => Make(401, "Unauthorized", detail);

    public static IResult Forbidden(string detail) => For(Failure.Forbidden(detail), "Forbidden");

    public static IResult TooLarge(string detail) => Make(413, "Payload too large", detail);

    public static IResult UnsupportedMediaType(string detail) => Make(415, "Unsupported media type", detail);

    /// <summary>
    /// 503 when the ledger writer could not take the work (its queue is full: retry after 1 s) or
    /// commit it (the database: retry after 5 s). The Retry-After header and the body say the same delay.
    /// </summary>
    public static IResult LedgerBusy(HttpContext http, bool queueFull, string detail)
    {
        var seconds = queueFull ? 1 : 5;
        http.Response.Headers.RetryAfter = seconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
        return Results.Problem(statusCode: 503, title: "Service busy", detail: detail,
            extensions: new Dictionary<string, object?> { ["retry_after_seconds"] = seconds });
    }

    /// <summary>
    /// 503 while the full-text indexer is too far behind the ledger: what it has not reached is
    /// what every full-text search scans (no GIN index yet).
    /// </summary>
    public static IResult IndexBehind(HttpContext http, FullTextIndexer index, SearchOptions limits) =>
        IndexBusy(http, index, $"The full-text index is {index.Lag} entries behind the ledger (limit Search:MaxUnindexed = {limits.MaxUnindexed})");

    /// <summary>503 when a request waited in vain for room under the vectors' bound: what every full-text search computes.</summary>
    public static IResult VectorsBehind(HttpContext http, FullTextIndexer index, SearchOptions limits) =>
        IndexBusy(http, index, $"{index.VectorLag} entries have no stored full-text vector yet (limit Search:MaxUnvectorized = {limits.MaxUnvectorized}, " +
                               $"waited {limits.UnvectorizedWaitMilliseconds} ms)");

    private static IResult IndexBusy(HttpContext http, FullTextIndexer index, string behind)
    {
        const int seconds = 2;
        http.Response.Headers.RetryAfter = seconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
        return Results.Problem(statusCode: 503, title: "Service busy",
            detail: $"{behind}. Nothing was stored; retry after the Retry-After delay.",
            extensions: new Dictionary<string, object?> { ["retry_after_seconds"] = seconds, ["index_lag"] = index.Lag, ["vector_lag"] = index.VectorLag });
    }

    public static IResult InvalidEvents(IReadOnlyList<IngestError> errors, int status = 400) => Results.Problem(
        statusCode: status,
        title: status == 413 ? "Event too large" : "Invalid events",
        detail: $"{errors.Count} problem(s) found; nothing was stored.",
        extensions: new Dictionary<string, object?>
        {
            ["errors"] = errors.Select(e => new Dictionary<string, object?>
            {
                ["line"] = e.Line,
                ["index"] = e.Index,
                ["error"] = e.Error,
            }).ToList(),
        });

    private static IResult Make(int status, string title, string detail) =>
        Results.Problem(statusCode: status, title: title, detail: detail);
}
