using System.Globalization;

namespace CompliancePortal.Core.Alerts;

/// <summary>The one-line text of an alert: what happened and the fields that identify it.</summary>
public static class AlertMessages
{
    public const int MaxLength = 500;

    /// <summary>Fields worth naming in the text, when the entry has them.</summary>
    private static readonly string[] Details =
        ["summary", "trade_id", "asset", "symbol", "action", "error", "reason", "slippage_pct", "latency_ms", "endpoint", "check", "trigger", "limit"];

    /// <summary>The entry's text; for a repeat rule, prefixed with how often it happened.</summary>
    public static string For(AlertSubject subject, AlertRepeat? repeat = null)
    {
        var text = Describe(subject);
        if (repeat is not null)
            text = $"{repeat.Count} times within {repeat.Within.TotalMinutes:0.#} minutes (same {repeat.Per}), the last: {text}";
        return text.Length <= MaxLength ? text : text[..(MaxLength - 1)] + "…";
    }

    private static string Describe(AlertSubject subject)
    {
        var parts = Details.Select(field => (field, value: subject[field]))
            .Where(p => p.value is not null)
            .Select(p => $"{p.field}={Format(p.value!)}");
        var text = $"{subject.LogType} {subject.Event}";
        var details = string.Join(", ", parts);
        if (details.Length > 0) text += ": " + details;
        return text;
    }

    private static string Format(object value) => value switch
    {
        decimal d => d.ToString(CultureInfo.InvariantCulture),
        double d => d.ToString(CultureInfo.InvariantCulture),
        bool b => b ? "true" : "false",
        _ => value.ToString() ?? "",
    };
}
