using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace CompliancePortal.Core.ApiKeys;

/// <summary>
/// A source system's credential. Only the SHA-256 of the key is stored; the key itself is shown
/// once when it is made. A key may write only the log types it was granted.
/// </summary>
public sealed class ApiKey
{
    public int Id { get; set; }
    public required string Name { get; set; }
    public required string KeyHash { get; set; }
    public required string[] LogTypes { get; set; }
    public bool CanVerify { get; set; }

    /// <summary>The log type given to a CLEF or OTLP record that names none (one of <see cref="LogTypes"/>), or null to refuse such records.</summary>
    public string? DefaultLogType { get; set; }
    public DateTimeOffset CreatedAt { get; set; }
    public DateTimeOffset? RevokedAt { get; set; }

    /// <summary>How the key appears as a ledger entry's source.</summary>
    public string Source => SourceOf(Name);

    /// <summary>The ledger source of the key named <paramref name="name"/>.</summary>
    public static string SourceOf(string name) => $"key:{name}";
}

internal sealed class ApiKeyConfiguration : IEntityTypeConfiguration<ApiKey>
{
    public void Configure(EntityTypeBuilder<ApiKey> b)
    {
        b.ToTable("api_keys");
        b.Property(k => k.Id).HasColumnName("id");
        b.Property(k => k.Name).HasColumnName("name").HasMaxLength(100);
        b.Property(k => k.KeyHash).HasColumnName("key_hash").HasMaxLength(64).IsFixedLength();
        b.Property(k => k.LogTypes).HasColumnName("log_types");
        b.Property(k => k.CanVerify).HasColumnName("can_verify");
        b.Property(k => k.DefaultLogType).HasColumnName("default_log_type").HasMaxLength(50);
        b.Property(k => k.CreatedAt).HasColumnName("created_at");
        b.Property(k => k.RevokedAt).HasColumnName("revoked_at");
        b.HasIndex(k => k.Name).IsUnique();
        b.HasIndex(k => k.KeyHash).IsUnique();
        b.Ignore(k => k.Source);
    }
}
