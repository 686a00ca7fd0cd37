using CompliancePortal.Accounts;
using CompliancePortal.Core.Accounts;
using CompliancePortal.Core.Packages;
using CompliancePortal.Ingest;
using CompliancePortal.Jobs;
using CompliancePortal.Search;
using Hangfire;
using Microsoft.AspNetCore.Authorization;

namespace CompliancePortal.Packages;

public static class PackagesEndpoints
{
    public sealed record PackageRequestBody(DateOnly? From, DateOnly? To, string[]? Sections);

    public static void MapPackages(this IEndpointRouteBuilder app)
    {
        app.MapHub<PackageHub>(PackageHub.Path);
        var api = app.MapGroup("/api/v1/packages").DisableAntiforgery()
            .RequireAuthorization(Policies.RecordReaders);

        api.MapPost("", async (PackageRequestBody body, HttpContext http, RecordReaders readers, PackageOrders orders) =>
        {
            if (body.From is not { } from || body.To is not { } to)
                return Results.Problem(statusCode: 400, title: "Invalid request", detail: "Give the period as \"from\" and \"to\" (YYYY-MM-DD). Nothing was stored.");
            var reader = await readers.ForAsync(http.User, AccountSetup.ActorOf(http), http.RequestAborted);
            var result = await orders.RequestAsync(reader, from, to, body.Sections ?? [], http.RequestAborted);
            return result.Package is { } package
                ? Results.Accepted($"/api/v1/packages/{package.Id}", Describe(package))
                : Results.Problem(statusCode: result.NotPermitted ? 403 : 400, title: "Package refused", detail: result.Error + " Nothing was stored.");
        });

        api.MapGet("/{id:guid}", async (Guid id, HttpContext http, PackageService packages) =>
        {
            var package = await packages.FindAsync(id, http.RequestAborted);
            if (package is null) return Results.NotFound();
            return package.RequestedBy == http.User.Identity?.Name
                ? Results.Ok(Describe(package))
                : Problems.Forbidden("This package belongs to another user.");
        });

        api.MapGet("/{id:guid}/download", DownloadAsync);
    }

    /// <summary>Streams the ZIP from the archive store to the requester (never whole in memory).</summary>
    private static async Task<IResult> DownloadAsync(Guid id, HttpContext http, RecordReaders readers, PackageService packages)
    {
        var reader = await readers.ForAsync(http.User, AccountSetup.ActorOf(http), http.RequestAborted);
        var (content, package, refusal) = await packages.OpenDownloadAsync(reader, id, http.RequestAborted);
        return refusal switch
        {
            DownloadRefusal.None => Results.Stream(content!, "application/zip", package!.FileName),
            DownloadRefusal.NotFound => Results.NotFound(),
            DownloadRefusal.NotYours => Problems.Forbidden("Only the user who requested a package may download it."),
            DownloadRefusal.OutsideGrant => Problems.Forbidden("The package's period is no longer inside your granted period."),
            DownloadRefusal.Expired => Results.Problem(statusCode: 410, title: "Expired", detail: $"This package expired at {package!.ExpiresAt:yyyy-MM-dd HH:mm} UTC; request a new one."),
            _ => Results.Problem(statusCode: 409, title: "Not ready", detail: $"This package is {package!.Status}, not ready to download."),
        };
    }

    public static object Describe(CompliancePackage p) => new
    {
        id = p.Id,
        status = p.Status.ToString(),
        progress_percent = p.ProgressPercent,
        from = p.FromDate,
        to = p.ToDate,
        sections = p.Sections,
        requested_by = p.RequestedBy,
        requested_at = p.RequestedAt,
        sha256 = p.Sha256,
        bytes = p.SizeBytes,
        expires_at = p.ExpiresAt,
        error = p.Error,
        download = p.Status == PackageStatus.Ready ? $"/api/v1/packages/{p.Id}/download" : null,
    };
}
