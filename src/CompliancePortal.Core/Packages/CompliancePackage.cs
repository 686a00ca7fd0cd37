using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace CompliancePortal.Core.Packages;

public enum PackageStatus { Queued, Building, Ready, Failed, Expired }

/// <summary>
/// An auditor's compliance package: what was asked for and where the build stands. This row is
/// the workflow's current state; its history (requested, built, downloaded, expired) is in the ledger.
/// </summary>
public sealed class CompliancePackage
{
    public Guid Id { get; set; }
    public required string RequestedBy { get; set; }
    public DateTimeOffset RequestedAt { get; set; }
    public DateOnly FromDate { get; set; }
    public DateOnly ToDate { get; set; }
    public required string[] Sections { get; set; }
    public PackageStatus Status { get; set; }
    public int ProgressPercent { get; set; }
    public string? ArchiveKey { get; set; }
    public string? Sha256 { get; set; }
    public long? SizeBytes { get; set; }
    public DateTimeOffset? CompletedAt { get; set; }
    public DateTimeOffset? ExpiresAt { get; set; }
    public string? Error { get; set; }

    /// <summary>Last sign of life: the request, the claim of a build, each heartbeat of the build.
    /// A Queued or Building package silent for long is queued again (see PackageService.RequeueStalledAsync).</summary>
    public DateTimeOffset? LastActivityAt { get; set; }

    /// <summary>The build run that claimed the package; only that run may report, publish or fail it.</summary>
    public Guid? BuildAttempt { get; set; }

    public string FileName => $"compliance_package_{FromDate:yyyy-MM-dd}_{ToDate:yyyy-MM-dd}.zip";
}

internal sealed class CompliancePackageConfiguration : IEntityTypeConfiguration<CompliancePackage>
{
    public void Configure(EntityTypeBuilder<CompliancePackage> b)
    {
        b.ToTable("compliance_packages");
        b.Property(p => p.Id).HasColumnName("id");
        b.Property(p => p.RequestedBy).HasColumnName("requested_by").HasMaxLength(100);
        b.Property(p => p.RequestedAt).HasColumnName("requested_at");
        b.Property(p => p.FromDate).HasColumnName("from_date");
        b.Property(p => p.ToDate).HasColumnName("to_date");
        b.Property(p => p.Sections).HasColumnName("sections");
        b.Property(p => p.Status).HasColumnName("status").HasConversion<string>().HasMaxLength(20);
        b.Property(p => p.ProgressPercent).HasColumnName("progress_percent");
        b.Property(p => p.ArchiveKey).HasColumnName("archive_key").HasMaxLength(512);
        b.Property(p => p.Sha256).HasColumnName("sha256").HasMaxLength(64).IsFixedLength();
        b.Property(p => p.SizeBytes).HasColumnName("size_bytes");
        b.Property(p => p.CompletedAt).HasColumnName("completed_at");
        b.Property(p => p.ExpiresAt).HasColumnName("expires_at");
        b.Property(p => p.Error).HasColumnName("error").HasMaxLength(2000);
        b.Property(p => p.LastActivityAt).HasColumnName("last_activity_at");
        b.Property(p => p.BuildAttempt).HasColumnName("build_attempt");
        b.Ignore(p => p.FileName);
        b.HasIndex(p => new { p.RequestedBy, p.RequestedAt });
        b.HasIndex(p => new { p.Status, p.ExpiresAt });
    }
}
