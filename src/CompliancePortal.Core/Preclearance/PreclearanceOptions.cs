namespace CompliancePortal.Core.Preclearance;

/// <summary>Configuration section "Preclearance": the code-of-ethics rules (Rule 204A-1) the firm applies.</summary>
public sealed class PreclearanceOptions : ISettings
{
    public const string Section = "Preclearance";

    static string ISettings.Section => Section;

    public string? Problem() =>
        BlackoutBusinessDays < 0 || HoldingPeriodDays < 0 || DeMinimisMaxQuantity < 0
        ? "Preclearance limits (BlackoutBusinessDays, HoldingPeriodDays, DeMinimisMaxQuantity) must not be negative"
        : null;

    /// <summary>Firm-activity blackout: the firm traded the same underlying within ± this many business days.</summary>
    public int BlackoutBusinessDays { get; set; } = 5;

    /// <summary>Minimum holding period: an opposite trade by the same employee fewer than this many calendar days before.</summary>
    public int HoldingPeriodDays { get; set; } = 30;

    /// <summary>De minimis: at most this many shares ...</summary>
    public int DeMinimisMaxQuantity { get; set; } = 500;

    /// <summary>... of one of these large-cap securities is approved automatically (empty turns the rule off).
    /// The list lives in appsettings.json: a default here would be merged with it by the binder.</summary>
    public string[] DeMinimisSecurities { get; set; } = [];
}
