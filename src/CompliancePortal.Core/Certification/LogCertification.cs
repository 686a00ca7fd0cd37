using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace CompliancePortal.Core.Certification;

/// <summary>
/// The ComplianceOfficer's attestation of one day's logs (the seed's log_certifications row).
/// The day is the key, so the database itself refuses a second certification; rows are never
/// changed or deleted.
/// </summary>
public sealed class LogCertification
{
    public DateOnly Day { get; set; }
    public required string CertifiedBy { get; set; }
    public DateTimeOffset CertifiedAt { get; set; }

    /// <summary>The seed's certification object (counts, reconciliation, NAV, statement) as JSON, as written to the ledger.</summary>
    public required string CertificationData { get; set; }

    /// <summary>The COMPLIANCE logs_certified ledger entry written in the same transaction.</summary>
    public long LedgerSeq { get; set; }
}

internal sealed class LogCertificationConfiguration : IEntityTypeConfiguration<LogCertification>
{
    public void Configure(EntityTypeBuilder<LogCertification> b)
    {
        b.ToTable("log_certifications");
        b.HasKey(x => x.Day);
        b.Property(x => x.CertifiedBy).HasMaxLength(100);
        b.Property(x => x.CertificationData).HasColumnType("jsonb");
    }
}
