namespace CompliancePortal.Core.Alerts;

/// <summary>The seed's alert severities, most urgent first.</summary>
public static class AlertSeverities
{
    public const string Critical = "critical";
    public const string High = "high";
    public const string Medium = "medium";
    public const string Low = "low";

    public static readonly IReadOnlyList<string> All = [Critical, High, Medium, Low];
}

/// <summary>
/// One rule of the alert rules file (the seed's config/alerts.yaml): when an entry meets
/// <see cref="Condition"/>, an alert of <see cref="Severity"/> is raised, to be handled within
/// <see cref="ResponseTime"/> and announced on <see cref="Notification"/>.
/// </summary>
public sealed record AlertRule(
    string Name,
    string Severity,
    AlertCondition Condition,
    IReadOnlyList<string> Notification,
    AlertResponseTime ResponseTime,
    AlertRepeat? Repeat = null);
