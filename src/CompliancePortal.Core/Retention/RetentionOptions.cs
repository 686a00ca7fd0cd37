using CompliancePortal.Core.Ledger;

namespace CompliancePortal.Core.Retention;

/// <summary>
/// Configuration section "Retention": how many days each log type stays in PostgreSQL (its hot
/// window, by receive day) before the retention job may remove it, archive verified. A log type
/// not listed is never removed; COMPLIANCE may not be listed (compliance records are permanent).
/// </summary>
public sealed class RetentionOptions : ISettings
{
    public const string Section = "Retention";

    static string ISettings.Section => Section;

    public Dictionary<string, int> HotDays { get; set; } = [];

    /// <summary>Why this configuration is unusable, or null.</summary>
    public string? Problem()
    {
        foreach (var (logType, days) in HotDays)
        {
            if (!LogTypes.IsKnown(logType)) return $"Retention:HotDays names '{logType}', which is not a log type ({string.Join(", ", LogTypes.All)}).";
            if (logType == LogTypes.Compliance) return "Retention:HotDays may not list COMPLIANCE: compliance records are kept permanently.";
            if (days < 1) return $"Retention:HotDays:{logType} must be at least 1 day (leave the type out to keep it forever).";
        }
        return null;
    }

    /// <summary>The hot window of a log type in days, or null when it is never removed.</summary>
    public int? HotDaysOf(string logType) => HotDays.TryGetValue(logType, out var days) ? days : null;
}
