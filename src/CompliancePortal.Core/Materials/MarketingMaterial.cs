using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace CompliancePortal.Core.Materials;

public enum MaterialStatus
{
    PendingReview,
    Approved,
    Rejected,
}

/// <summary>
/// A piece of marketing material under review (Rule 206(4)-1). This row is the workflow's current
/// state (its current version and that version's review outcome); the versions and decisions are
/// append-only rows, and every change is a COMPLIANCE ledger entry written in the same transaction.
/// </summary>
public sealed class MarketingMaterial
{
    /// <summary>From the marketing_material_ids sequence, taken before the file is stored (its archive key names it).</summary>
    public long Id { get; set; }

    /// <summary>The user who uploaded the first version; only they add versions, and they never review it.</summary>
    public required string Owner { get; set; }

    /// <summary>Title and audience of the current version.</summary>
    public required string Title { get; set; }
    public required string Audience { get; set; }
    public int CurrentVersion { get; set; }

    /// <summary>The current version's review state: a new version puts the material back to PendingReview.</summary>
    public MaterialStatus Status { get; set; }
    public string? Reviewer { get; set; }
    public DateTimeOffset? ReviewedAt { get; set; }
    public DateTimeOffset CreatedAt { get; set; }
    public DateTimeOffset UpdatedAt { get; set; }

    public string Number => $"MM-{Id}";
}

/// <summary>One uploaded file of a material. Append-only: the database refuses UPDATE and DELETE.</summary>
public sealed class MaterialVersion
{
    public long Id { get; set; }
    public long MaterialId { get; set; }
    public int Version { get; set; }
    public required string Title { get; set; }
    public required string Audience { get; set; }
    public required string FileName { get; set; }

    /// <summary>The type found in the file's own bytes, not the browser's claim.</summary>
    public required string ContentType { get; set; }
    public long SizeBytes { get; set; }

    /// <summary>Lowercase hex SHA-256 of the stored bytes; checked again on every download.</summary>
    public required string Sha256 { get; set; }
    public required string ArchiveKey { get; set; }
    public required string UploadedBy { get; set; }
    public DateTimeOffset UploadedAt { get; set; }
}

/// <summary>A ComplianceOfficer's decision on one version. Append-only, one per version.</summary>
public sealed class MaterialReview
{
    public long Id { get; set; }
    public long MaterialId { get; set; }
    public int Version { get; set; }
    public bool Approved { get; set; }
    public required string Reviewer { get; set; }
    public required string Comments { get; set; }
    public DateTimeOffset DecidedAt { get; set; }
}

/// <summary>Who the material is meant for: the rule treats retail and non-retail audiences differently.</summary>
public static class MaterialAudiences
{
    public static readonly IReadOnlyList<string> All =
    [
        "Retail investors",
        "Qualified purchasers and institutions",
        "Existing clients",
        "Consultants and intermediaries",
        "General public (website, social media)",
    ];
}

internal sealed class MarketingMaterialConfiguration : IEntityTypeConfiguration<MarketingMaterial>
{
    public void Configure(EntityTypeBuilder<MarketingMaterial> b)
    {
        b.ToTable("marketing_materials");
        b.Property(m => m.Id).ValueGeneratedNever();
        b.Property(m => m.Owner).HasMaxLength(100);
        b.Property(m => m.Title).HasMaxLength(MarketingMaterialService.MaxTitleLength);
        b.Property(m => m.Audience).HasMaxLength(100);
        b.Property(m => m.Reviewer).HasMaxLength(100);
        b.Property(m => m.Status).HasConversion<string>().HasMaxLength(20);
        b.Ignore(m => m.Number);
        b.HasIndex(m => m.Status);
        b.HasIndex(m => m.Owner);
    }
}

internal sealed class MaterialVersionConfiguration : IEntityTypeConfiguration<MaterialVersion>
{
    public void Configure(EntityTypeBuilder<MaterialVersion> b)
    {
        b.ToTable("marketing_material_versions");
        b.Property(v => v.Title).HasMaxLength(MarketingMaterialService.MaxTitleLength);
        b.Property(v => v.Audience).HasMaxLength(100);
        b.Property(v => v.FileName).HasMaxLength(MarketingMaterialService.MaxFileNameLength);
        b.Property(v => v.ContentType).HasMaxLength(100);
        b.Property(v => v.Sha256).HasMaxLength(64).IsFixedLength();
        b.Property(v => v.ArchiveKey).HasMaxLength(512);
        b.Property(v => v.UploadedBy).HasMaxLength(100);
        b.HasIndex(v => new { v.MaterialId, v.Version }).IsUnique();
        b.HasOne<MarketingMaterial>().WithMany().HasForeignKey(v => v.MaterialId).OnDelete(DeleteBehavior.Restrict);
    }
}

internal sealed class MaterialReviewConfiguration : IEntityTypeConfiguration<MaterialReview>
{
    public void Configure(EntityTypeBuilder<MaterialReview> b)
    {
        b.ToTable("marketing_material_reviews");
        b.Property(r => r.Reviewer).HasMaxLength(100);
        b.Property(r => r.Comments).HasMaxLength(MarketingMaterialService.MaxCommentsLength);
        b.HasIndex(r => new { r.MaterialId, r.Version }).IsUnique();
        // A decision names a version that exists.
        b.HasOne<MaterialVersion>().WithMany().HasForeignKey(r => new { r.MaterialId, r.Version })
            .HasPrincipalKey(v => new { v.MaterialId, v.Version }).OnDelete(DeleteBehavior.Restrict);
    }
}
