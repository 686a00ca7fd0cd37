using CompliancePortal.Core;

namespace CompliancePortal.Metrics;

/// <summary>Configuration section "Metrics": who may scrape GET /metrics.</summary>
public sealed class MetricsOptions : ISettings
{
    static string ISettings.Section => "Metrics";

    public string? Problem() => BearerToken is { Length: > 0 and < 16 }
        ? "Metrics:BearerToken must be at least 16 characters (or empty: scrapes from this machine only)"
        : null;

    /// <summary>
    /// When set, a scrape must send <c>Authorization: Bearer</c> with it (Prometheus's
    /// <c>authorization.credentials</c>); when empty, only requests from this machine that came
    /// through no proxy (no X-Forwarded-For) are answered.
    /// </summary>
    public string? BearerToken { get; set; }
}
