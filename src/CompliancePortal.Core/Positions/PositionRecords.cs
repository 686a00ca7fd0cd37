using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace CompliancePortal.Core.Positions;

/// <summary>
/// One submission of end-of-day positions by the trading system. Append-only (the database
/// refuses UPDATE and DELETE): a corrected book is a new submission, and the snapshot freezes
/// the day's latest one.
/// </summary>
public sealed class PositionSubmission
{
    public long Id { get; set; }
    public DateOnly AsOf { get; set; }
    public DateTimeOffset ReceivedAt { get; set; }
    public required string Source { get; set; }
    public int PositionCount { get; set; }
    public decimal TotalValue { get; set; }
    public decimal TotalDelta { get; set; }

    /// <summary>The positions as a compact JSON array, each object's fields and numbers exactly as received.</summary>
    public required string PositionsJson { get; set; }

    public required string PositionsSha256 { get; set; }
}

/// <summary>
/// The frozen end-of-day book of one date (at most one per date): the archived JSON's hash and key,
/// the seed's totals and the ledger entry that recorded it. Append-only.
/// </summary>
public sealed class PositionSnapshot
{
    public DateOnly Date { get; set; }
    public DateTimeOffset TakenAt { get; set; }
    public long SubmissionId { get; set; }
    public int TotalCount { get; set; }
    public decimal TotalValue { get; set; }
    public decimal TotalDelta { get; set; }
    public required string ArchiveKey { get; set; }
    public required string Sha256 { get; set; }
    public long LedgerSeq { get; set; }
}

/// <summary>A weekday that had no submission by its deadline; the row makes the exception event once per day.</summary>
public sealed class MissedPositionDay
{
    public DateOnly Date { get; set; }
    public DateTimeOffset RecordedAt { get; set; }
    public long LedgerSeq { get; set; }
}

internal sealed class PositionSubmissionConfiguration : IEntityTypeConfiguration<PositionSubmission>
{
    public void Configure(EntityTypeBuilder<PositionSubmission> b)
    {
        b.ToTable("position_submissions");
        b.Property(s => s.Id).HasColumnName("id");
        b.Property(s => s.AsOf).HasColumnName("as_of");
        b.Property(s => s.ReceivedAt).HasColumnName("received_at");
        b.Property(s => s.Source).HasColumnName("source").HasMaxLength(200);
        b.Property(s => s.PositionCount).HasColumnName("position_count");
        b.Property(s => s.TotalValue).HasColumnName("total_value").HasColumnType("numeric");
        b.Property(s => s.TotalDelta).HasColumnName("total_delta").HasColumnType("numeric");
        // json, not jsonb: the text is kept byte for byte.
        b.Property(s => s.PositionsJson).HasColumnName("positions").HasColumnType("json");
        b.Property(s => s.PositionsSha256).HasColumnName("positions_sha256").HasMaxLength(64).IsFixedLength();
        b.HasIndex(s => new { s.AsOf, s.Id });
    }
}

internal sealed class PositionSnapshotConfiguration : IEntityTypeConfiguration<PositionSnapshot>
{
    public void Configure(EntityTypeBuilder<PositionSnapshot> b)
    {
        b.ToTable("position_snapshots");
        b.HasKey(s => s.Date);
        b.Property(s => s.Date).HasColumnName("date");
        b.Property(s => s.TakenAt).HasColumnName("taken_at");
        b.Property(s => s.SubmissionId).HasColumnName("submission_id");
        b.Property(s => s.TotalCount).HasColumnName("total_count");
        b.Property(s => s.TotalValue).HasColumnName("total_value").HasColumnType("numeric");
        b.Property(s => s.TotalDelta).HasColumnName("total_delta").HasColumnType("numeric");
        b.Property(s => s.ArchiveKey).HasColumnName("archive_key").HasMaxLength(512);
        b.Property(s => s.Sha256).HasColumnName("sha256").HasMaxLength(64).IsFixedLength();
        b.Property(s => s.LedgerSeq).HasColumnName("ledger_seq");
        b.HasOne<PositionSubmission>().WithMany().HasForeignKey(s => s.SubmissionId).OnDelete(DeleteBehavior.Restrict);
    }
}

internal sealed class MissedPositionDayConfiguration : IEntityTypeConfiguration<MissedPositionDay>
{
    public void Configure(EntityTypeBuilder<MissedPositionDay> b)
    {
        b.ToTable("position_snapshot_misses");
        b.HasKey(s => s.Date);
        b.Property(s => s.Date).HasColumnName("date");
        b.Property(s => s.RecordedAt).HasColumnName("recorded_at");
        b.Property(s => s.LedgerSeq).HasColumnName("ledger_seq");
    }
}
