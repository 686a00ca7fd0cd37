using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace CompliancePortal.Core.Retention;

/// <summary>
/// A legal hold set by the ComplianceOfficer: while it is not released, no ledger day it covers
/// leaves PostgreSQL. Scope: a range of UTC days, optionally narrowed to one log type and/or the
/// records of one asset or one user. Holds are released, never deleted; each create and release
/// is a COMPLIANCE ledger entry committed with the row.
/// </summary>
public sealed class LegalHold
{
    public int Id { get; set; }
    public DateOnly FromDay { get; set; }

    /// <summary>Last day covered (inclusive).</summary>
    public DateOnly ToDay { get; set; }

    /// <summary>Null: every log type.</summary>
    public string? LogType { get; set; }

    /// <summary>Null: any asset. Otherwise only days holding a record with this event_data.asset.</summary>
    public string? Asset { get; set; }

    /// <summary>Null: any user. Otherwise only days holding a record with this user_id.</summary>
    public string? UserId { get; set; }

    public required string Reason { get; set; }
    public required string CreatedBy { get; set; }
    public DateTimeOffset CreatedAt { get; set; }
    public string? ReleasedBy { get; set; }
    public DateTimeOffset? ReleasedAt { get; set; }
    public string? ReleaseReason { get; set; }

    public bool IsActive => ReleasedAt is null;

    /// <summary>How the scope reads on the page and in the ledger.</summary>
    public string Scope =>
        $"{FromDay:yyyy-MM-dd}..{ToDay:yyyy-MM-dd}, {LogType ?? "all log types"}"
        + (Asset is null ? "" : $", asset {Asset}") + (UserId is null ? "" : $", user {UserId}");
}

internal sealed class LegalHoldConfiguration : IEntityTypeConfiguration<LegalHold>
{
    public void Configure(EntityTypeBuilder<LegalHold> b)
    {
        b.ToTable("legal_holds");
        b.Property(h => h.LogType).HasMaxLength(50);
        b.Property(h => h.Asset).HasMaxLength(20);
        b.Property(h => h.UserId).HasMaxLength(100);
        b.Property(h => h.Reason).HasMaxLength(1000);
        b.Property(h => h.CreatedBy).HasMaxLength(100);
        b.Property(h => h.ReleasedBy).HasMaxLength(100);
        b.Property(h => h.ReleaseReason).HasMaxLength(1000);
        b.Ignore(h => h.IsActive);
        b.Ignore(h => h.Scope);
        b.HasIndex(h => h.ReleasedAt);
    }
}
