namespace CompliancePortal.Core.Alerts;

/// <summary>Configuration section "Alerts".</summary>
public sealed class AlertsOptions : ISettings
{
    public const string Section = "Alerts";

    static string ISettings.Section => Section;

    public string? Problem() =>
        PollIntervalMilliseconds <= 0 ? "Alerts:PollIntervalMilliseconds must be positive"
        : SaveIntervalMilliseconds < 0 ? "Alerts:SaveIntervalMilliseconds must not be negative"
        : ChannelProblem();

    /// <summary>false: no rules are evaluated and no alert is raised.</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>The YAML rules file (relative to the content root).</summary>
    public string RulesFile { get; set; } = "src/CompliancePortal/Alerts/alerts.yaml";

    /// <summary>How often the monitor looks at the ledger when no commit woke it.</summary>
    public int PollIntervalMilliseconds { get; set; } = 2000;

    /// <summary>
    /// Alerts found are stored (with their notifications, then their alert_raised entries) at
    /// most this often: under heavy ingest one save every quarter second instead of one per
    /// commit. An alert after a quiet spell is stored at once.
    /// </summary>
    public int SaveIntervalMilliseconds { get; set; } = 250;

    /// <summary>The channels rules may name (email, slack, pagerduty, ...); a channel not here is recorded as not configured.</summary>
    public Dictionary<string, AlertChannelOptions> Channels { get; set; } = [];

    /// <summary>The mail server for Email channels.</summary>
    public SmtpOptions Smtp { get; set; } = new();

    /// <summary>Attempts per notification before it is given up as failed.</summary>
    public int DeliveryAttempts { get; set; } = 5;

    /// <summary>Wait before the first retry; doubled after each further failure.</summary>
    public int RetryDelaySeconds { get; set; } = 30;

    /// <summary>When the daily-summary job summarises a business day.</summary>
    public DailySummaryOptions DailySummary { get; set; } = new();

    /// <summary>The channel a rule names (names compare without case), or null when none is configured.</summary>
    public AlertChannelOptions? ChannelNamed(string name) =>
        Channels.FirstOrDefault(c => string.Equals(c.Key, name, StringComparison.OrdinalIgnoreCase)).Value;

    /// <summary>What is wrong with the channels, or null: checked at start-up.</summary>
    public string? ChannelProblem()
    {
        foreach (var (name, channel) in Channels)
        {
            if (channel.Kind == AlertChannelKind.Email)
            {
                if (string.IsNullOrWhiteSpace(Smtp.Host)) return $"Alerts:Channels:{name} sends mail but Alerts:Smtp:Host is not set";
                if (!string.IsNullOrEmpty(Smtp.UserName) && !Smtp.StartTls)
                    return "Alerts:Smtp:UserName is set but Alerts:Smtp:StartTls is false: the portal sends mail credentials only over TLS";
                if (channel.To.Length == 0 || !channel.To.All(a => MimeKit.MailboxAddress.TryParse(a, out _)))
                    return $"Alerts:Channels:{name}:To needs one or more mail addresses";
            }
            else if (!Uri.TryCreate(channel.Url, UriKind.Absolute, out var url) || url.Scheme is not ("http" or "https"))
                return $"Alerts:Channels:{name}:Url needs an http or https address";
        }
        return DeliveryAttempts < 1 || RetryDelaySeconds < 0 ? "Alerts:DeliveryAttempts must be at least 1 and Alerts:RetryDelaySeconds not negative" : null;
    }
}

public enum AlertChannelKind
{
    /// <summary>A mail to <see cref="AlertChannelOptions.To"/> through <see cref="AlertsOptions.Smtp"/>.</summary>
    Email,

    /// <summary>A JSON POST to <see cref="AlertChannelOptions.Url"/>: `text` (Slack's incoming-webhook field) and `alert`.</summary>
    Webhook,
}

public sealed class AlertChannelOptions
{
    public AlertChannelKind Kind { get; set; }
    public string[] To { get; set; } = [];
    public string? Url { get; set; }
}

public sealed class SmtpOptions
{
    public string Host { get; set; } = "";
    public int Port { get; set; } = 25;

    /// <summary>Upgrade to TLS with STARTTLS (required when the server offers it and this is true).</summary>
    public bool StartTls { get; set; }
    public string? UserName { get; set; }
    public string? Password { get; set; }
    public string From { get; set; } = "compliance-portal@localhost";
}
