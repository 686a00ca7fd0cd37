using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace CompliancePortal.Core.Alerts;

public enum AlertStatus
{
    Open,
    Acknowledged,
}

/// <summary>
/// An alert raised by a rule for one ledger entry; this row is its current state, the ledger
/// holds its history: alert_raised (appended right after the alert is stored, see
/// <see cref="LedgerSeq"/>), alert_acknowledged (in the acknowledging transaction).
/// </summary>
public sealed class Alert
{
    public long Id { get; set; }
    public required string Rule { get; set; }
    public required string Severity { get; set; }

    /// <summary>The ledger entry that met the rule's condition.</summary>
    public long Seq { get; set; }
    public required string LogType { get; set; }
    public required string Event { get; set; }
    public required string Message { get; set; }

    /// <summary>The rule's notification channels (comma-separated), as configured when raised.</summary>
    public required string Notification { get; set; }
    public required string ResponseTime { get; set; }
    public DateTimeOffset RaisedAt { get; set; }
    public DateTimeOffset DueAt { get; set; }
    public AlertStatus Status { get; set; }
    public string? AcknowledgedBy { get; set; }
    public DateTimeOffset? AcknowledgedAt { get; set; }
    public string? Note { get; set; }

    /// <summary>
    /// The seq of its alert_raised ledger entry; null until that is committed. The entry goes
    /// through the batching writer (so a burst of alerts does not stall ingest behind the
    /// chain-head lock) with the idempotency id <c>alert-raised-{Id}</c>, so appending it again
    /// after a crash stores nothing twice.
    /// </summary>
    public long? LedgerSeq { get; set; }

    /// <summary>Its notifications, one per channel of the rule.</summary>
    public List<AlertDelivery> Deliveries { get; set; } = [];

    /// <summary>Still open after its response time.</summary>
    public bool IsOverdue(DateTimeOffset now) => Status == AlertStatus.Open && now > DueAt;
}

internal sealed class AlertConfiguration : IEntityTypeConfiguration<Alert>
{
    public void Configure(EntityTypeBuilder<Alert> b)
    {
        b.ToTable("alerts");
        b.Property(a => a.Rule).HasMaxLength(100);
        b.Property(a => a.Severity).HasMaxLength(20);
        b.Property(a => a.LogType).HasMaxLength(50);
        b.Property(a => a.Event).HasMaxLength(100);
        b.Property(a => a.Message).HasMaxLength(AlertMessages.MaxLength);
        b.Property(a => a.Notification).HasMaxLength(200);
        b.Property(a => a.ResponseTime).HasMaxLength(50);
        b.Property(a => a.Status).HasConversion<string>().HasMaxLength(20);
        b.Property(a => a.AcknowledgedBy).HasMaxLength(100);
        b.Property(a => a.Note).HasMaxLength(AlertService.MaxNoteLength);
        // A rule raises at most one alert per entry, however many portal instances evaluate it.
        b.HasIndex(a => new { a.Rule, a.Seq }).IsUnique();
        b.HasIndex(a => new { a.Status, a.RaisedAt });
        b.HasIndex(a => a.RaisedAt);
        b.HasIndex(a => a.Id).HasFilter("\"LedgerSeq\" IS NULL").HasDatabaseName("IX_alerts_unrecorded");
    }
}
