using Amazon.S3;
using Amazon.S3.Model;
using CompliancePortal.Core.Ledger;

namespace CompliancePortal.Core.Archive;

/// <summary>One bucket lifecycle rule: objects under <see cref="Prefix"/> move to cheaper storage and expire (null: never).</summary>
public sealed record ArchiveLifecycleRule(string Id, string Prefix, int? InfrequentAccessDays, int? GlacierDays, int? ExpireDays)
{
    public string Describe() =>
        $"{Prefix,-24} " + string.Join(", ", new[]
        {
            InfrequentAccessDays is { } ia ? $"STANDARD_IA at {ia} days" : null,
            GlacierDays is { } g ? $"GLACIER at {g} days" : null,
            ExpireDays is { } e ? $"expire at {e} days" : "never expire",
        }.Where(p => p is not null));
}

/// <summary>
/// The seed's storage tiers as bucket lifecycle rules, one per log type's archive prefix
/// (<see cref="ArchiveKeys.LedgerTypePrefix"/>): records move to STANDARD_IA at 90 days and
/// GLACIER at 730 and expire at 2555 (7 years); system logs expire at 365; compliance records
/// never expire. Day manifests (ledger/YYYY/MM/DD/) match no rule: they are small and stay, so
/// every archived object that still exists can be checked against its manifest.
/// </summary>
public static class ArchiveLifecycle
{
    public const int InfrequentAccessDays = 90;
    public const int GlacierDays = 730;
    public const int RecordsExpireDays = 2555;
    public const int SystemLogsExpireDays = 365;

    public static IReadOnlyList<ArchiveLifecycleRule> Rules() =>
    [
        .. LogTypes.All.Select(logType => logType switch
        {
            LogTypes.Compliance => new ArchiveLifecycleRule($"ledger-{logType.ToLowerInvariant()}-permanent", ArchiveKeys.LedgerTypePrefix(logType), InfrequentAccessDays, GlacierDays, null),
            LogTypes.System => new ArchiveLifecycleRule($"ledger-{logType.ToLowerInvariant()}-1y", ArchiveKeys.LedgerTypePrefix(logType), InfrequentAccessDays, null, SystemLogsExpireDays),
            _ => new ArchiveLifecycleRule($"ledger-{logType.ToLowerInvariant()}-7y", ArchiveKeys.LedgerTypePrefix(logType), InfrequentAccessDays, GlacierDays, RecordsExpireDays),
        }),
    ];

    /// <summary>Prefixes of working copies that the portal itself deletes (expired packages) or an operator rotates (backups): never locked.</summary>
    public static readonly IReadOnlyList<string> UnlockedPrefixes = ["packages/", "backups/"];

    /// <summary>
    /// The Object Lock an object gets when the bucket has Object Lock on (<paramref name="mode"/>
    /// GOVERNANCE or COMPLIANCE; empty: none): locked until its lifecycle rule expires it (system
    /// logs 365 days), and every other record for the 7 years (2555 days) the books must be kept.
    /// </summary>
    public static RetentionRule? DefaultLock(string key, string mode, DateTimeOffset now)
    {
        if (string.IsNullOrEmpty(mode) || UnlockedPrefixes.Any(p => key.StartsWith(p, StringComparison.Ordinal))) return null;
        var expires = Rules().FirstOrDefault(r => key.StartsWith(r.Prefix, StringComparison.Ordinal))?.ExpireDays ?? RecordsExpireDays;
        return new RetentionRule(mode, now.AddDays(expires));
    }

    /// <summary>The rules as S3's lifecycle configuration.</summary>
    public static LifecycleConfiguration ToS3(IEnumerable<ArchiveLifecycleRule> rules) => new()
    {
        Rules =
        [
            .. rules.Select(rule => new LifecycleRule
            {
                Id = rule.Id,
                Status = LifecycleRuleStatus.Enabled,
                Filter = new LifecycleFilter { Prefix = rule.Prefix },
                Transitions =
                [
                    .. new[]
                    {
                        rule.InfrequentAccessDays is { } ia ? new LifecycleTransition { Days = ia, StorageClass = S3StorageClass.StandardInfrequentAccess } : null,
                        rule.GlacierDays is { } g ? new LifecycleTransition { Days = g, StorageClass = S3StorageClass.Glacier } : null,
                    }.OfType<LifecycleTransition>(),
                ],
                Expiration = rule.ExpireDays is { } e ? new LifecycleRuleExpiration { Days = e } : null,
            }),
        ],
    };
}
