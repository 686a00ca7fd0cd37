using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace CompliancePortal.Core.Alerts;

public enum DeliveryStatus
{
    /// <summary>Waiting to be sent (again, after a failed attempt, from <see cref="AlertDelivery.NextAttemptAt"/>).</summary>
    Pending,
    Sent,
    /// <summary>Every attempt failed; <see cref="AlertDelivery.LastError"/> says why.</summary>
    Failed,
    /// <summary>The rule names a channel that Alerts:Channels does not define: nothing is sent.</summary>
    NotConfigured,
}

/// <summary>
/// One notification of an alert on one of its rule's channels. Written with the alert, in the
/// same transaction (an outbox): a raised alert is never without its pending notifications,
/// and the notifier sends them after commit, retrying until sent or out of attempts.
/// </summary>
public sealed class AlertDelivery
{
    public long Id { get; set; }
    public long AlertId { get; set; }
    public required string Channel { get; set; }
    public DeliveryStatus Status { get; set; }
    public int Attempts { get; set; }
    public DateTimeOffset NextAttemptAt { get; set; }
    public DateTimeOffset? SentAt { get; set; }
    public string? LastError { get; set; }
}

internal sealed class AlertDeliveryConfiguration : IEntityTypeConfiguration<AlertDelivery>
{
    public void Configure(EntityTypeBuilder<AlertDelivery> b)
    {
        b.ToTable("alert_deliveries");
        b.Property(d => d.Channel).HasMaxLength(50);
        b.Property(d => d.Status).HasConversion<string>().HasMaxLength(20);
        b.Property(d => d.LastError).HasMaxLength(1000);
        b.HasIndex(d => new { d.AlertId, d.Channel }).IsUnique();
        b.HasIndex(d => new { d.Status, d.NextAttemptAt });
        b.HasOne<Alert>().WithMany(a => a.Deliveries).HasForeignKey(d => d.AlertId).OnDelete(DeleteBehavior.Restrict);
    }
}
