using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace CompliancePortal.Core.Blotter;

/// <summary>
/// A day's trade blotter as generated: where its CSV lies in the archive store, how many rows it
/// has and the SHA-256 of its bytes (also in its ledger entry). One per day, never changed: the
/// database refuses a second row for a day, and updates and deletes.
/// </summary>
public sealed class StoredBlotter
{
    public DateOnly Day { get; set; }
    public required string ArchiveKey { get; set; }
    public int Rows { get; set; }
    public required string Sha256 { get; set; }
    public DateTimeOffset GeneratedAt { get; set; }

    /// <summary>"job:trade-blotter" for the recurring job, else the ComplianceOfficer who asked for it.</summary>
    public required string GeneratedBy { get; set; }

    /// <summary>The COMPLIANCE trade_blotter_generated ledger entry written in the same transaction.</summary>
    public long LedgerSeq { get; set; }
}

internal sealed class StoredBlotterConfiguration : IEntityTypeConfiguration<StoredBlotter>
{
    public void Configure(EntityTypeBuilder<StoredBlotter> b)
    {
        b.ToTable("trade_blotters");
        b.HasKey(x => x.Day);
        b.Property(x => x.ArchiveKey).HasMaxLength(200);
        b.Property(x => x.Sha256).HasMaxLength(64).IsFixedLength();
        b.Property(x => x.GeneratedBy).HasMaxLength(100);
    }
}
