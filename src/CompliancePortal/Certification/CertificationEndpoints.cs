using CompliancePortal.Accounts;
using CompliancePortal.Core;
using CompliancePortal.Core.Certification;

namespace CompliancePortal.Certification;

public static class CertificationEndpoints
{
    public sealed record CertifyBody(string? Note);

    public static string PagePath(DateOnly day) => $"/certification/{Formats.Day(day)}";

    /// <summary>
    /// GET /api/v1/certifications/{yyyy-MM-dd}: the day's figures, differences and certification;
    /// POST the same path ({"note": "…"} optional) certifies it. ComplianceOfficers only.
    /// </summary>
    public static void MapCertificationApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api/v1/certifications").DisableAntiforgery().RequireAuthorization(Policies.ComplianceOfficers);

        api.MapGet("/{date}", async (string date, DailyCertification certification, HttpContext http) =>
            ParseDay(date) is { } day ? Results.Ok(await certification.ReviewAsync(day, http.RequestAborted)) : Problems.BadDate(date));

        api.MapPost("/{date}", async (string date, CertifyBody? body, HttpContext http, DailyCertification certification) =>
        {
            if (ParseDay(date) is not { } day) return Problems.BadDate(date);
            var result = await certification.CertifyAsync(AccountSetup.ActorOf(http), day, body?.Note, http.RequestAborted);
            return result.Value is { } c
                ? Results.Ok(new { date, certified_by = c.CertifiedBy, certified_at = c.CertifiedAt, ledger_seq = c.LedgerSeq })
                : Problems.For(result.Failure!, "Not certified", unchanged: "");
        }).RequireCurrentRole(Policies.ComplianceOfficers);
    }

    private static DateOnly? ParseDay(string date) =>
        Formats.TryParseDay(date, out var day) ? day : null;
}
