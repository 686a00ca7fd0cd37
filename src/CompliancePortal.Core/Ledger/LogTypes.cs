namespace CompliancePortal.Core.Ledger;

/// <summary>The record types the ledger accepts: the seed's five plus positions and communications.</summary>
public static class LogTypes
{
    public const string Trade = "TRADE";
    public const string Risk = "RISK";
    public const string System = "SYSTEM";
    public const string Nav = "NAV";
    public const string Compliance = "COMPLIANCE";
    public const string Position = "POSITION";
    public const string Communication = "COMMUNICATION";

    public static readonly IReadOnlyList<string> All =
        [Trade, Risk, System, Nav, Compliance, Position, Communication];

    public static bool IsKnown(string value) => All.Contains(value, StringComparer.Ordinal);
}

/// <summary>The seed's log levels, kept in an event's optional <c>level</c> field.</summary>
public static class LogLevels
{
    public static readonly IReadOnlyList<string> All = ["DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"];

    // The other names Python's logging, structlog, Serilog (CLEF's @l) and Microsoft.Extensions.Logging
    // use for the same levels; the seed has no level below DEBUG.
    private static readonly Dictionary<string, string> Aliases = new(StringComparer.OrdinalIgnoreCase)
    {
        ["verbose"] = "DEBUG",
        ["trace"] = "DEBUG",
        ["information"] = "INFO",
        ["warn"] = "WARNING",
        ["exception"] = "ERROR",
        ["fatal"] = "CRITICAL",
    };

    /// <summary>What a refusal says is accepted.</summary>
    public static string Expected => $"one of {string.Join(", ", All)} in any case, or {string.Join(", ", Aliases.Keys)}";

    /// <summary>The seed's name for <paramref name="value"/> in any case (info, Warning, warn, exception, fatal…), or null.</summary>
    public static string? Canonical(string value) =>
        All.FirstOrDefault(l => l.Equals(value, StringComparison.OrdinalIgnoreCase)) ?? Aliases.GetValueOrDefault(value);
}
