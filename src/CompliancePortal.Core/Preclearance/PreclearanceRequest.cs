using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace CompliancePortal.Core.Preclearance;

public enum PreclearanceStatus
{
    PendingReview,
    Approved,
    Denied,
    Executed,
    NotExecuted,
    Expired,
}

/// <summary>
/// A personal-trade preclearance request (code of ethics, Rule 204A-1). This row is the
/// workflow's current state; its history is the COMPLIANCE ledger entries written in the same
/// transaction as each change.
/// </summary>
public sealed class PreclearanceRequest
{
    /// <summary>PCT-YYYY-NNNN, numbered per calendar year.</summary>
    public required string Id { get; set; }
    public required string Employee { get; set; }
    public required string Security { get; set; }
    public TradeSide Side { get; set; }
    public int Quantity { get; set; }
    public required string Account { get; set; }
    public DateOnly TradeDate { get; set; }
    public required string Reason { get; set; }
    public PreclearanceStatus Status { get; set; }

    /// <summary>The automatic checks as shown on the request (rule, passed, detail), as JSON.</summary>
    public required string ChecksJson { get; set; }

    /// <summary>"system" for an automatic decision, else the ComplianceOfficer's user name.</summary>
    public string? Reviewer { get; set; }
    public string? Reasoning { get; set; }
    public DateTimeOffset? ReviewedAt { get; set; }

    /// <summary>End of the business day after approval (UTC); a report after it is refused.</summary>
    public DateTimeOffset? ExpiresAt { get; set; }
    public decimal? ExecutedPrice { get; set; }
    public int? ExecutedQuantity { get; set; }
    public DateTimeOffset SubmittedAt { get; set; }
    public DateTimeOffset UpdatedAt { get; set; }
}

/// <summary>A security on the restricted list. Entries are never deleted: they end (EffectiveTo).</summary>
public sealed class RestrictedSecurity
{
    public int Id { get; set; }
    public required string Security { get; set; }
    public DateOnly EffectiveFrom { get; set; }
    public DateOnly? EffectiveTo { get; set; }
    public required string Reason { get; set; }
    public required string AddedBy { get; set; }
    public DateTimeOffset AddedAt { get; set; }
}

internal sealed class PreclearanceRequestConfiguration : IEntityTypeConfiguration<PreclearanceRequest>
{
    public void Configure(EntityTypeBuilder<PreclearanceRequest> b)
    {
        b.ToTable("preclearance_requests");
        b.HasKey(r => r.Id);
        b.Property(r => r.Id).HasMaxLength(20);
        b.Property(r => r.Employee).HasMaxLength(100);
        b.Property(r => r.Security).HasMaxLength(20);
        b.Property(r => r.Account).HasMaxLength(60);
        b.Property(r => r.Reason).HasMaxLength(1000);
        b.Property(r => r.Reasoning).HasMaxLength(2000);
        b.Property(r => r.Reviewer).HasMaxLength(100);
        b.Property(r => r.Side).HasConversion<string>().HasMaxLength(4);
        b.Property(r => r.Status).HasConversion<string>().HasMaxLength(20);
        b.Property(r => r.ChecksJson).HasColumnType("jsonb");
        b.Property(r => r.ExecutedPrice).HasPrecision(18, 6);
        b.HasIndex(r => new { r.Employee, r.SubmittedAt });
        b.HasIndex(r => r.Status);
    }
}

internal sealed class RestrictedSecurityConfiguration : IEntityTypeConfiguration<RestrictedSecurity>
{
    public void Configure(EntityTypeBuilder<RestrictedSecurity> b)
    {
        b.ToTable("restricted_list");
        b.Property(r => r.Security).HasMaxLength(20);
        b.Property(r => r.Reason).HasMaxLength(500);
        b.Property(r => r.AddedBy).HasMaxLength(100);
        b.HasIndex(r => r.Security);
    }
}
