using CompliancePortal.Accounts;
using CompliancePortal.Core;
using CompliancePortal.Core.Packages;
using CompliancePortal.Search;

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
                return Problems.For(Failure.Invalid("Give the period as \"from\" and \"to\" (YYYY-MM-DD)."), "Invalid request");
            var reader = await readers.ForAsync(http.User, AccountSetup.ActorOf(http), http.RequestAborted);
            var result = await orders.RequestAsync(reader, from, to, body.Sections ?? [], http.RequestAborted);
            return result.Value is { } package
                ? Results.Accepted($"/api/v1/packages/{package.Id}", Describe(package))
                : Problems.For(result.Failure!, "Package refused");
        });

        api.MapGet("/{id:guid}", async (Guid id, HttpContext http, PackageService packages) =>
        {
            var package = await packages.FindAsync(id, http.RequestAborted);
            if (package is null) return Problems.NotFound($"No package {id}.");
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
        var opened = await packages.OpenDownloadAsync(reader, id, http.RequestAborted);
        return opened.Value is { } download
            ? Results.Stream(download.Content, "application/zip", download.Package.FileName)
            : Problems.For(opened.Failure!, "Not ready", unchanged: "");
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
