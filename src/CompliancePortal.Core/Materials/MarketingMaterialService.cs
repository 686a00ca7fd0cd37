using System.Security.Cryptography;
using CompliancePortal.Core.Archive;
using CompliancePortal.Core.Audit;
using CompliancePortal.Core.Data;
using CompliancePortal.Core.Ledger;
using CompliancePortal.Core.Search;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace CompliancePortal.Core.Materials;

/// <summary>A file offered for review, with the title and audience it is meant for.</summary>
public sealed record MaterialUpload(string Title, string? Audience, string FileName, Stream Content);

/// <summary>A material with every version and decision, oldest first.</summary>
public sealed record MaterialDetail(MarketingMaterial Material, IReadOnlyList<MaterialVersion> Versions, IReadOnlyList<MaterialReview> Reviews)
{
    public MaterialReview? ReviewOf(int version) => Reviews.FirstOrDefault(r => r.Version == version);
}

/// <summary>
/// Who is looking: their name and the roles that widen what they may see. An auditor sees only
/// what happened in their granted period (UTC days, inclusive), as every other record.
/// </summary>
public sealed record MaterialViewer(string UserName, bool IsOfficer, bool IsAuditor, DateOnly? AuditFrom = null, DateOnly? AuditTo = null)
{
    /// <summary>Whether something that happened at <paramref name="at"/> is this viewer's to see by its date.</summary>
    public bool InPeriod(DateTimeOffset at) => !IsAuditor || RecordReader.Auditor(new Actor(UserName), AuditFrom, AuditTo).MaySee(at);
}

/// <summary>A verified download: <see cref="Content"/> holds exactly the bytes whose SHA-256 was recorded.</summary>
public sealed record MaterialDownload(MaterialVersion Version, Stream Content);

/// <summary>
/// Marketing material review (Rule 206(4)-1). A user uploads a file (type checked by its bytes,
/// size limited); it is stored in the archive store first, then its material and version rows and a
/// COMPLIANCE "marketing_material_review" ledger entry (with the file's SHA-256 and archive key)
/// commit in one transaction. A ComplianceOfficer other than the owner approves or rejects the
/// current version with comments; a new version restarts the review.
/// </summary>
public sealed class MarketingMaterialService(
    IDbContextFactory<PortalDbContext> contexts,
    IArchiveStore archive,
    ILedgerAppend ledger,
    UserActionLog log,
    IOptions<MaterialsOptions> options,
    TimeProvider time)
{
    public const string LedgerEvent = "marketing_material_review";
    public const string DownloadEvent = "marketing_material_downloaded";
    public const int MaxTitleLength = 200;
    public const int MaxFileNameLength = 255;
    public const int MaxCommentsLength = 2000;

    public long MaxBytes => options.Value.MaxBytes;

    /// <summary>Raised when a material review entry was committed, by this or any other portal instance
    /// (the ledger follower sees it), so open pages update without a reload. Handlers must not block.</summary>
    public event Action? Changed;

    public void NotifyChanged() => Changed?.Invoke();

    public async Task<Outcome<MarketingMaterial>> SubmitAsync(Actor uploader, MaterialUpload upload, CancellationToken ct = default)
    {
        var (file, problem) = await CheckAsync(upload, ct);
        if (file is null) return Failure.Invalid(problem!);

        var id = await NextIdAsync(ct);
        var key = ArchiveKeyOf(id, 1, file);
        if (await StoreAsync(key, file, ct) is { } storeProblem) return Failure.Conflict(storeProblem);

        var now = time.GetUtcNow();
        var material = new MarketingMaterial
        {
            Id = id, Owner = uploader.UserName, Title = file.Title, Audience = file.Audience, CurrentVersion = 1,
            Status = MaterialStatus.PendingReview, CreatedAt = now, UpdatedAt = now,
        };
        var version = NewVersion(material, uploader, file, key, now);
        await using var db = await contexts.CreateDbContextAsync(ct);
        await using var tx = await ledger.BeginAsync(db, ct);
        db.MarketingMaterials.Add(material);
        db.MaterialVersions.Add(version);
        await db.SaveChangesAsync(ct);
        await log.RecordAsync(tx, uploader, LedgerEvent, Describe(material, version, null, "submitted"), ct: ct);
        await tx.CommitAsync(ct);
        return material;
    }

    /// <summary>The owner uploads a new version; its review starts over, whatever the last decision was.</summary>
    public async Task<Outcome<MarketingMaterial>> AddVersionAsync(Actor uploader, long materialId, MaterialUpload upload, CancellationToken ct = default)
    {
        var (file, problem) = await CheckAsync(upload, ct);
        if (file is null) return Failure.Invalid(problem!);

        MarketingMaterial? before;
        await using (var read = await contexts.CreateDbContextAsync(ct))
            before = await read.MarketingMaterials.AsNoTracking().SingleOrDefaultAsync(m => m.Id == materialId, ct);
        if (before is null) return Failure.NotFound($"No material MM-{materialId}.");
        if (before.Owner != uploader.UserName) return Failure.Forbidden($"Only {before.Owner}, who submitted {before.Number}, may add a version.");
        var number = before.CurrentVersion + 1;
        var key = ArchiveKeyOf(materialId, number, file);
        if (await StoreAsync(key, file, ct) is { } storeProblem) return Failure.Conflict(storeProblem);

        await using var db = await contexts.CreateDbContextAsync(ct);
        await using var tx = await ledger.BeginAsync(db, ct);
        var material = await LockAsync(db, materialId, ct);
        // Someone else's upload won the race: our stored object stays an unreferenced orphan.
        if (material!.CurrentVersion != number - 1)
            return Failure.Conflict($"Version {material.CurrentVersion} of {material.Number} was uploaded meanwhile; reload and try again.");
        var now = time.GetUtcNow();
        material.CurrentVersion = number;
        material.Title = file.Title;
        material.Audience = file.Audience;
        material.Status = MaterialStatus.PendingReview;
        material.Reviewer = null;
        material.ReviewedAt = null;
        material.UpdatedAt = now;
        var version = NewVersion(material, uploader, file, key, now);
        db.MaterialVersions.Add(version);
        await db.SaveChangesAsync(ct);
        await log.RecordAsync(tx, uploader, LedgerEvent, Describe(material, version, null, "new_version"), ct: ct);
        await tx.CommitAsync(ct);
        return material;
    }

    /// <summary>
    /// A ComplianceOfficer approves or rejects <paramref name="version"/>, which must be the current
    /// one (a newer upload makes a decision on an older version meaningless). Comments are required.
    /// </summary>
    public async Task<Outcome<MarketingMaterial>> DecideAsync(Actor officer, long materialId, int version, bool approve, string comments, CancellationToken ct = default)
    {
        await using var db = await contexts.CreateDbContextAsync(ct);
        await using var tx = await ledger.BeginAsync(db, ct);
        var material = await LockAsync(db, materialId, ct);
        if (material is null) return Failure.NotFound($"No material MM-{materialId}.");
        if (ValidateComments(comments) is { } problem) return Failure.Invalid(problem);
        comments = comments.Trim();
        var file = await db.MaterialVersions.AsNoTracking().SingleAsync(v => v.MaterialId == materialId && v.Version == material.CurrentVersion, ct);
        if (material.Owner == officer.UserName || file.UploadedBy == officer.UserName) return Failure.Forbidden("Nobody may review their own material.");
        if (version != material.CurrentVersion)
            return Failure.Conflict($"Version {version} is not the current version of {material.Number} (version {material.CurrentVersion} is); review that one.");
        if (material.Status != MaterialStatus.PendingReview)
            return Failure.Conflict($"Version {version} of {material.Number} was already {material.Status.ToString().ToLowerInvariant()}.");

        var now = time.GetUtcNow();
        var review = new MaterialReview
        {
            MaterialId = materialId, Version = version, Approved = approve, Reviewer = officer.UserName, Comments = comments, DecidedAt = now,
        };
        db.MaterialReviews.Add(review);
        material.Status = approve ? MaterialStatus.Approved : MaterialStatus.Rejected;
        material.Reviewer = officer.UserName;
        material.ReviewedAt = now;
        material.UpdatedAt = now;
        await db.SaveChangesAsync(ct);
        await log.RecordAsync(tx, officer, LedgerEvent,
            Describe(material, file, review, approve ? "approved" : "rejected"), ct: ct);
        await tx.CommitAsync(ct);
        return material;
    }

    /// <summary>Materials whose current version is approved: what may be used, newest approval first.</summary>
    public Task<IReadOnlyList<MarketingMaterial>> ApprovedAsync(CancellationToken ct = default) =>
        ListAsync(q => q.Where(m => m.Status == MaterialStatus.Approved).OrderByDescending(m => m.ReviewedAt), ct);

    /// <summary>The ComplianceOfficer's queue: current versions waiting for a decision, oldest first.</summary>
    public Task<IReadOnlyList<MarketingMaterial>> PendingAsync(CancellationToken ct = default) =>
        ListAsync(q => q.Where(m => m.Status == MaterialStatus.PendingReview).OrderBy(m => m.UpdatedAt), ct);

    public Task<IReadOnlyList<MarketingMaterial>> ForOwnerAsync(string owner, CancellationToken ct = default) =>
        ListAsync(q => q.Where(m => m.Owner == owner).OrderByDescending(m => m.UpdatedAt), ct);

    /// <summary>
    /// A material its viewer may see (see <see cref="CanSee"/>), or null. An auditor gets it as it
    /// stood at the end of their period: the versions uploaded and the decisions made in it (null
    /// when there are none), the status they left.
    /// </summary>
    public async Task<MaterialDetail?> FindAsync(long id, MaterialViewer viewer, CancellationToken ct = default)
    {
        await using var db = await contexts.CreateDbContextAsync(ct);
        var material = await db.MarketingMaterials.AsNoTracking().SingleOrDefaultAsync(m => m.Id == id, ct);
        if (material is null || !CanSee(material, viewer)) return null;
        var versions = await db.MaterialVersions.AsNoTracking().Where(v => v.MaterialId == id).OrderBy(v => v.Version).ToListAsync(ct);
        var reviews = await db.MaterialReviews.AsNoTracking().Where(r => r.MaterialId == id).OrderBy(r => r.Version).ToListAsync(ct);
        return viewer.IsAuditor ? InPeriod(new MaterialDetail(material, versions, reviews), viewer) : new MaterialDetail(material, versions, reviews);
    }

    /// <summary>The auditor's materials: those with a version uploaded in their period, each as it stood at its end.</summary>
    public async Task<IReadOnlyList<MaterialDetail>> ForAuditorAsync(MaterialViewer auditor, CancellationToken ct = default)
    {
        var (notBefore, before, nothing) = RecordReader.Auditor(new Actor(auditor.UserName), auditor.AuditFrom, auditor.AuditTo).Window;
        if (!auditor.IsAuditor || nothing) return [];
        await using var db = await contexts.CreateDbContextAsync(ct);
        var ids = await db.MaterialVersions.AsNoTracking().Where(v => v.UploadedAt >= notBefore && v.UploadedAt < before)
            .Select(v => v.MaterialId).Distinct().OrderByDescending(i => i).Take(500).ToListAsync(ct);
        var materials = await db.MarketingMaterials.AsNoTracking().Where(m => ids.Contains(m.Id)).ToListAsync(ct);
        var versions = (await db.MaterialVersions.AsNoTracking().Where(v => ids.Contains(v.MaterialId)).ToListAsync(ct)).ToLookup(v => v.MaterialId);
        var reviews = (await db.MaterialReviews.AsNoTracking().Where(r => ids.Contains(r.MaterialId)).ToListAsync(ct)).ToLookup(r => r.MaterialId);
        return [.. materials
            .Select(m => InPeriod(new MaterialDetail(m, [.. versions[m.Id].OrderBy(v => v.Version)], [.. reviews[m.Id].OrderBy(r => r.Version)]), auditor))
            .OfType<MaterialDetail>()
            .OrderByDescending(d => d.Versions[^1].UploadedAt)];
    }

    /// <summary>What of a material happened in the auditor's period, and the status it left; null when nothing did.</summary>
    private static MaterialDetail? InPeriod(MaterialDetail all, MaterialViewer auditor)
    {
        var versions = all.Versions.Where(v => auditor.InPeriod(v.UploadedAt)).ToList();
        if (versions.Count == 0) return null;
        var reviews = all.Reviews.Where(r => auditor.InPeriod(r.DecidedAt) && versions.Any(v => v.Version == r.Version)).ToList();
        var current = versions[^1];
        var decision = reviews.FirstOrDefault(r => r.Version == current.Version);
        var m = all.Material;
        var asItStood = new MarketingMaterial
        {
            Id = m.Id, Owner = m.Owner, Title = current.Title, Audience = current.Audience, CurrentVersion = current.Version,
            Status = decision is null ? MaterialStatus.PendingReview : decision.Approved ? MaterialStatus.Approved : MaterialStatus.Rejected,
            Reviewer = decision?.Reviewer, ReviewedAt = decision?.DecidedAt, CreatedAt = m.CreatedAt, UpdatedAt = decision?.DecidedAt ?? current.UploadedAt,
        };
        return new MaterialDetail(asItStood, versions, reviews);
    }

    /// <summary>Officers and auditors see every material, owners their own, everyone else approved ones.</summary>
    public static bool CanSee(MarketingMaterial material, MaterialViewer viewer) =>
        viewer.IsOfficer || viewer.IsAuditor || material.Owner == viewer.UserName || material.Status == MaterialStatus.Approved;

    /// <summary>Officers, auditors and the owner may download any version; others only the approved current one.</summary>
    public static bool CanDownload(MarketingMaterial material, int version, MaterialViewer viewer) =>
        viewer.IsOfficer || viewer.IsAuditor || material.Owner == viewer.UserName
        || (material.Status == MaterialStatus.Approved && version == material.CurrentVersion);

    /// <summary>
    /// Reads a version from the archive store into a temporary file while hashing it, and hands it
    /// out only when the SHA-256 equals the recorded one. The download (or the damaged file) is
    /// committed to the ledger before any byte is returned.
    /// </summary>
    public async Task<Outcome<MaterialDownload>> OpenVerifiedAsync(Actor actor, MaterialViewer viewer, long id, int version, CancellationToken ct = default)
    {
        MarketingMaterial? material;
        MaterialVersion? file;
        await using (var db = await contexts.CreateDbContextAsync(ct))
        {
            material = await db.MarketingMaterials.AsNoTracking().SingleOrDefaultAsync(m => m.Id == id, ct);
            file = await db.MaterialVersions.AsNoTracking().SingleOrDefaultAsync(v => v.MaterialId == id && v.Version == version, ct);
        }
        if (material is null || file is null || !CanSee(material, viewer))
            return Failure.NotFound($"No version {version} of MM-{id}.");
        if (!viewer.InPeriod(file.UploadedAt))
            return Failure.Forbidden($"Version {version} of {material.Number} was uploaded on {file.UploadedAt:yyyy-MM-dd}, outside your granted period.");
        if (!CanDownload(material, version, viewer))
            return Failure.Forbidden($"Only the approved current version of {material.Number} may be downloaded by you.");

        var copy = await VerifiedCopy.ReadAsync(archive, file.ArchiveKey, file.Sha256, ct);
        var damage = copy.Outcome switch
        {
            CopyOutcome.Verified => null,
            CopyOutcome.Missing => $"The stored file of {material.Number} version {version} is missing from the archive store.",
            _ => $"The stored file of {material.Number} version {version} does not match its recorded SHA-256 ({file.Sha256}, found {copy.ActualSha256}).",
        };
        try
        {
            await log.RecordAsync(actor, DownloadEvent, new
            {
                material_id = material.Number, version, sha256 = file.Sha256, archive_key = file.ArchiveKey, verified = damage is null, problem = damage,
            });
        }
        catch
        {
            await copy.DisposeAsync();
            throw;
        }
        if (copy.Content is not { } content)
        {
            await copy.DisposeAsync();
            return Failure.Damaged(damage!);
        }
        return new MaterialDownload(file, content);
    }

    public static string ArchiveKeyOf(long id, int version, CheckedFile file) =>
        ArchiveKeys.Check($"materials/{id}/v{version}/{file.Sha256}.{file.Kind.Extension}");

    /// <summary>An upload that passed every check: its bytes, type and hash.</summary>
    public sealed record CheckedFile(string Title, string Audience, string FileName, byte[] Bytes, MaterialFileKind Kind, string Sha256);

    /// <summary>A decision's comments: required, at most <see cref="MaxCommentsLength"/> characters. Null when fine.</summary>
    public static string? ValidateComments(string? comments)
    {
        if (string.IsNullOrWhiteSpace(comments)) return "A decision needs comments.";
        if (comments.Trim().Length > MaxCommentsLength) return $"The comments are longer than {MaxCommentsLength} characters.";
        return null;
    }

    /// <summary>The form's fields alone (title, audience, file name); null when they are fine.</summary>
    public static string? ValidateFields(string? title, string? audience, string? fileName)
    {
        if (string.IsNullOrWhiteSpace(title)) return "Give the material a title.";
        if (title.Trim().Length > MaxTitleLength) return $"The title is longer than {MaxTitleLength} characters.";
        if (string.IsNullOrWhiteSpace(audience)) return "Choose the intended audience.";
        if (!MaterialAudiences.All.Contains(audience)) return $"'{audience}' is not one of the audiences.";
        if (string.IsNullOrWhiteSpace(fileName)) return "Choose the file to upload.";
        if (fileName.Length > MaxFileNameLength) return $"The file name is longer than {MaxFileNameLength} characters.";
        return null;
    }

    private async Task<(CheckedFile? File, string? Problem)> CheckAsync(MaterialUpload upload, CancellationToken ct)
    {
        var problem = ValidateFields(upload.Title, upload.Audience, upload.FileName);
        if (problem is not null) return (null, problem);
        var fileName = Path.GetFileName(upload.FileName.Replace('\\', '/'));

        // Read at most one byte past the limit: an oversize file is refused without holding it all.
        var max = MaxBytes;
        using var buffer = new MemoryStream();
        var chunk = new byte[81920];
        int n;
        while ((n = await upload.Content.ReadAsync(chunk.AsMemory(0, (int)Math.Min(chunk.Length, max + 1 - buffer.Length)), ct)) > 0)
        {
            buffer.Write(chunk, 0, n);
            if (buffer.Length > max) return (null, $"The file is larger than the {Formats.Size(max)} limit.");
        }
        if (buffer.Length == 0) return (null, "The file is empty.");

        var bytes = buffer.ToArray();
        var kind = MaterialContent.Detect(bytes);
        if (kind is null) return (null, "The file's content is not a PDF, DOCX, PNG or JPEG (its bytes are checked, not its name).");
        var extension = Path.GetExtension(fileName).TrimStart('.').ToLowerInvariant();
        if (!kind.Extensions.Contains(extension))
            return (null, $"The file's content is a {kind.Name}, but its name ends in '.{extension}'; rename it to .{kind.Extension}.");
        return (new CheckedFile(upload.Title.Trim(), upload.Audience!, fileName, bytes, kind, Convert.ToHexStringLower(SHA256.HashData(bytes))), null);
    }

    /// <summary>
    /// Stores the file before any row or ledger entry names it. The key holds the SHA-256, so an
    /// object already there (a retry, or ids reused after a database was recreated) is kept only if
    /// its bytes hash the same; anything else is refused.
    /// </summary>
    private async Task<string?> StoreAsync(string key, CheckedFile file, CancellationToken ct)
    {
        try
        {
            await archive.PutAsync(key, new MemoryStream(file.Bytes, writable: false), file.Kind.ContentType, ct: ct);
            return null;
        }
        catch (ArchiveObjectExistsException)
        {
            var hash = await ArchiveHashes.OfObjectOrNullAsync(archive, key, ct);
            return hash == file.Sha256 ? null
                : $"The archive store already holds a different object at {key}; nothing was recorded. Tell the portal's operators.";
        }
    }

    private async Task<long> NextIdAsync(CancellationToken ct)
    {
        await using var db = await contexts.CreateDbContextAsync(ct);
        var ids = await db.Database.SqlQuery<long>($"SELECT nextval('marketing_material_ids') AS \"Value\"").ToListAsync(ct);
        return ids.Single();
    }

    // Lock the row: two officers deciding, or an upload racing a decision, cannot both win.
    private static Task<MarketingMaterial?> LockAsync(PortalDbContext db, long id, CancellationToken ct) =>
        db.MarketingMaterials.FromSql($"SELECT * FROM marketing_materials WHERE \"Id\" = {id} FOR UPDATE").SingleOrDefaultAsync(ct);

    private async Task<IReadOnlyList<MarketingMaterial>> ListAsync(Func<IQueryable<MarketingMaterial>, IQueryable<MarketingMaterial>> query, CancellationToken ct)
    {
        await using var db = await contexts.CreateDbContextAsync(ct);
        return await query(db.MarketingMaterials.AsNoTracking()).Take(500).ToListAsync(ct);
    }

    private static MaterialVersion NewVersion(MarketingMaterial material, Actor uploader, CheckedFile file, string key, DateTimeOffset now) => new()
    {
        MaterialId = material.Id, Version = material.CurrentVersion, Title = file.Title, Audience = file.Audience, FileName = file.FileName,
        ContentType = file.Kind.ContentType, SizeBytes = file.Bytes.Length, Sha256 = file.Sha256, ArchiveKey = key,
        UploadedBy = uploader.UserName, UploadedAt = now,
    };

    /// <summary>The ledger entry: everything needed to find and check the file and the decision without the tables.</summary>
    private static object Describe(MarketingMaterial m, MaterialVersion v, MaterialReview? review, string action) => new
    {
        material_id = m.Number,
        action,
        status = m.Status.ToString(),
        version = v.Version,
        title = v.Title,
        audience = v.Audience,
        owner = m.Owner,
        uploaded_by = v.UploadedBy,
        file_name = v.FileName,
        content_type = v.ContentType,
        size_bytes = v.SizeBytes,
        sha256 = v.Sha256,
        archive_key = v.ArchiveKey,
        reviewer = review?.Reviewer,
        decision = review is null ? "pending" : review.Approved ? "approved" : "rejected",
        comments = review?.Comments,
        review_timestamp = review is null ? null : Ledger.CanonicalEntry.FormatTime(review.DecidedAt),
    };
}
