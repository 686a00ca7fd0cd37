using CompliancePortal.Core.Archive;
using CompliancePortal.Core.Audit;
using CompliancePortal.Core.Data;
using CompliancePortal.Core.Ledger;
using CompliancePortal.Core.Search;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace CompliancePortal.Core.Packages;

/// <summary>A package opened for its requester: the ZIP's stream (the caller disposes it).</summary>
public sealed record PackageDownload(CompliancePackage Package, Stream Content);

/// <summary>
/// Auditor self-service packages: requests (checked against the reader's granted period), the
/// requester's list, downloads and expiry. Every request, download and expiry is a COMPLIANCE
/// ledger entry; state changes commit with their entry.
/// </summary>
public sealed class PackageService(IDbContextFactory<PortalDbContext> contexts, IArchiveStore store, ILedgerAppend ledger, UserActionLog log,
    IOptions<PackageOptions> options, TimeProvider time)
{
    public const string RequestedEvent = "compliance_package_requested";
    public const string BuiltEvent = "compliance_package_built";
    public const string FailedEvent = "compliance_package_failed";
    public const string DownloadedEvent = "compliance_package_downloaded";
    public const string ExpiredEvent = "compliance_package_expired";
    public static readonly Actor ExpiryJob = new("job:package-expiry");

    /// <summary>Records the request and returns the queued package, or why nothing was stored.</summary>
    public async Task<Outcome<CompliancePackage>> RequestAsync(RecordReader? reader, DateOnly from, DateOnly to,
        IReadOnlyCollection<string> sections, CancellationToken ct = default)
    {
        if (reader is null) return Failure.Forbidden("Your role may not request compliance packages.");
        if (GrantProblem(reader, from, to) is { } outside) return Failure.Forbidden(outside);
        var today = DateOnly.FromDateTime(time.GetUtcNow().UtcDateTime);
        var error = Validate(from, to, sections, today);
        if (error is not null) return Failure.Invalid(error);

        var package = new CompliancePackage
        {
            Id = Guid.NewGuid(),
            RequestedBy = reader.Actor.UserName,
            RequestedAt = time.GetUtcNow(),
            FromDate = from,
            ToDate = to,
            Sections = [.. PackageSections.All.Select(s => s.Name).Where(sections.Contains)],
            Status = PackageStatus.Queued,
            LastActivityAt = time.GetUtcNow(),
        };
        await using var db = await contexts.CreateDbContextAsync(ct);
        await using var tx = await ledger.BeginAsync(db, ct);
        db.CompliancePackages.Add(package);
        await db.SaveChangesAsync(ct);
        await log.RecordAsync(tx, reader.Actor, RequestedEvent, new
        {
            package_id = package.Id,
            from = Formats.Day(from),
            to = Formats.Day(to),
            sections = package.Sections,
            granted = reader.Scope,
        }, ct: ct);
        await tx.CommitAsync(ct);
        return package;
    }

    /// <summary>Why an auditor may not have this period (null for a ComplianceOfficer, or inside the grant).</summary>
    private static string? GrantProblem(RecordReader reader, DateOnly from, DateOnly to)
    {
        if (reader.AllPeriods) return null;
        if (reader.GrantedFrom is not { } granted || reader.GrantedTo is not { } grantedTo || grantedTo < granted)
            return "You have no granted audit period, so you cannot request a package.";
        if (from < granted || to > grantedTo)
            return $"The period {Formats.Day(from)}..{Formats.Day(to)} is outside your granted period {Formats.Day(granted)}..{Formats.Day(grantedTo)}.";
        return null;
    }

    private string? Validate(DateOnly from, DateOnly to, IReadOnlyCollection<string> sections, DateOnly today)
    {
        if (to < from) return "The period ends before it starts.";
        if (to > today) return $"The period cannot end after today ({Formats.Day(today)} UTC).";
        if (to.DayNumber - from.DayNumber + 1 > options.Value.MaxDays)
            return $"A package covers at most {options.Value.MaxDays} days; ask for a shorter period.";
        if (sections.Count == 0) return "Choose at least one section.";
        var unknown = sections.Where(s => !PackageSections.IsKnown(s)).ToList();
        if (unknown.Count > 0) return $"Unknown section(s): {string.Join(", ", unknown)}.";
        return null;
    }

    /// <summary>The user's own packages, newest first.</summary>
    public async Task<IReadOnlyList<CompliancePackage>> ForUserAsync(string userName, CancellationToken ct = default)
    {
        await using var db = await contexts.CreateDbContextAsync(ct);
        return await db.CompliancePackages.AsNoTracking().Where(p => p.RequestedBy == userName)
            .OrderByDescending(p => p.RequestedAt).Take(100).ToListAsync(ct);
    }

    public async Task<CompliancePackage?> FindAsync(Guid id, CancellationToken ct = default)
    {
        await using var db = await contexts.CreateDbContextAsync(ct);
        return await db.CompliancePackages.AsNoTracking().SingleOrDefaultAsync(p => p.Id == id, ct);
    }

    /// <summary>
    /// Opens a package for its requester: ready, not expired, still inside the reader's grant. The
    /// download is committed to the ledger before the stream is returned. Anyone else is refused.
    /// </summary>
    public async Task<Outcome<PackageDownload>> OpenDownloadAsync(RecordReader? reader, Guid id,
        CancellationToken ct = default)
    {
        var package = await FindAsync(id, ct);
        if (package is null) return Failure.NotFound($"No package {id}.");
        if (reader is null || package.RequestedBy != reader.Actor.UserName) return Failure.Forbidden("Only the user who requested a package may download it.");
        if (package.Status == PackageStatus.Expired || package.Status == PackageStatus.Ready && package.ExpiresAt <= time.GetUtcNow())
            return Expired(package);
        if (package.Status != PackageStatus.Ready || package.ArchiveKey is null)
            return Failure.Conflict($"This package is {package.Status}, not ready to download.");
        if (!reader.AllPeriods && !(reader.GrantedFrom is { } granted && reader.GrantedTo is { } grantedTo
                                    && granted <= package.FromDate && package.ToDate <= grantedTo))
            return Failure.Forbidden("The package's period is no longer inside your granted period.");

        var content = await store.OpenReadAsync(package.ArchiveKey, ct);
        if (content is null) return Expired(package);
        try
        {
            await log.RecordAsync(reader.Actor, DownloadedEvent, new { package_id = package.Id, sha256 = package.Sha256, bytes = package.SizeBytes });
        }
        catch
        {
            await content.DisposeAsync();
            throw;
        }
        return new PackageDownload(package, content);
    }

    private static Failure Expired(CompliancePackage package) =>
        Failure.Gone($"This package expired at {package.ExpiresAt:yyyy-MM-dd HH:mm} UTC; request a new one.");

    /// <summary>
    /// Puts back in the queue what stalled: a Queued package whose build never started (its job was
    /// never enqueued, or was lost) and a Building one whose build stopped beating (its process
    /// died). One statement, so two portals sweeping at once requeue each package once; the caller
    /// enqueues the returned ids. A build still alive finds it no longer holds the package and stops.
    /// </summary>
    public async Task<List<Guid>> RequeueStalledAsync(CancellationToken ct = default)
    {
        var now = time.GetUtcNow();
        var silentSince = now - options.Value.StalledAfter;
        await using var db = await contexts.CreateDbContextAsync(ct);
        return await db.Database.SqlQuery<Guid>($"""
            UPDATE compliance_packages SET status = 'Queued', progress_percent = 0, build_attempt = NULL, last_activity_at = {now}
            WHERE status IN ('Queued', 'Building') AND COALESCE(last_activity_at, requested_at) < {silentSince}
            RETURNING id AS "Value"
            """).ToListAsync(ct);
    }

    /// <summary>Deletes the objects of packages past their expiry and marks them expired (each a ledger entry). Returns how many.</summary>
    public async Task<int> ExpireDueAsync(CancellationToken ct = default)
    {
        var now = time.GetUtcNow();
        await using var db = await contexts.CreateDbContextAsync(ct);
        var due = await db.CompliancePackages.AsNoTracking()
            .Where(p => p.Status == PackageStatus.Ready && p.ExpiresAt <= now).Select(p => p.Id).ToListAsync(ct);
        var expired = 0;
        foreach (var id in due)
        {
            await using var tx = await ledger.BeginAsync(db, ct);
            var package = await db.CompliancePackages.FromSql($"SELECT * FROM compliance_packages WHERE id = {id} FOR UPDATE").SingleAsync(ct);
            if (package.Status != PackageStatus.Ready) continue;
            // The object goes first: a crash after it leaves a Ready row with no object, which downloads
            // refuse as expired and the next sweep finishes.
            var deleted = package.ArchiveKey is not null && await store.DeleteAsync(package.ArchiveKey, ct);
            package.Status = PackageStatus.Expired;
            await db.SaveChangesAsync(ct);
            await log.RecordAsync(tx, ExpiryJob, ExpiredEvent, new
            {
                package_id = package.Id,
                requested_by = package.RequestedBy,
                archive_key = package.ArchiveKey,
                object_deleted = deleted,
                expires_at = package.ExpiresAt,
            }, ct: ct);
            await tx.CommitAsync(ct);
            db.ChangeTracker.Clear();
            expired++;
        }
        return expired;
    }

}
