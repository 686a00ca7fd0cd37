using CompliancePortal.Core.Ingest;

namespace CompliancePortal.Ingest;

/// <summary>RFC 7807 problem responses used by the public API, each with a plain message.</summary>
public static class Problems
{
    public static IResult BadRequest(string detail) => Make(400, "Bad request", detail);

    public static IResult NotFound(string detail) => Make(404, "Not found", detail);

    public static IResult Unauthorized(string detail) => Make(401, "Unauthorized", detail);

    public static IResult Forbidden(string detail) => Make(403, "Forbidden", detail);

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
