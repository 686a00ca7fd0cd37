using System.Globalization;
using System.Text.RegularExpressions;

namespace CompliancePortal.Core.Alerts;

/// <summary>
/// How soon an alert must be handled, as the seed writes it: "immediate", "N_minutes",
/// "N_hours" or "eod" (17:00 New York time on the day the alert is raised, or the next day's
/// when it is raised after that).
/// </summary>
public sealed partial record AlertResponseTime(string Text)
{
    private static readonly TimeZoneInfo NewYork = TimeZoneInfo.FindSystemTimeZoneById("America/New_York");

    /// <summary>The text parsed, or null with <paramref name="problem"/> saying why not.</summary>
    public static AlertResponseTime? Parse(string? text, out string? problem)
    {
        problem = null;
        var value = text?.Trim().ToLowerInvariant() ?? "";
        if (value is "immediate" or "eod" || Span().IsMatch(value)) return new AlertResponseTime(value);
        problem = $"response_time '{text}' is not one of immediate, N_minutes, N_hours, eod";
        return null;
    }

    /// <summary>When an alert raised at <paramref name="raisedAt"/> must have been handled.</summary>
    public DateTimeOffset DueAfter(DateTimeOffset raisedAt)
    {
        if (Text == "immediate") return raisedAt;
        if (Text == "eod")
        {
            var local = TimeZoneInfo.ConvertTime(raisedAt, NewYork);
            var close = new DateTime(local.Year, local.Month, local.Day, 17, 0, 0, DateTimeKind.Unspecified);
            if (local.DateTime >= close) close = close.AddDays(1);
            return new DateTimeOffset(close, NewYork.GetUtcOffset(close)).ToUniversalTime();
        }
        return raisedAt + ParseSpan(Text)!.Value;
    }

    /// <summary>A span written N_minutes or N_hours, or null.</summary>
    public static TimeSpan? ParseSpan(string? text)
    {
        var match = Span().Match(text?.Trim().ToLowerInvariant() ?? "");
        if (!match.Success) return null;
        var amount = int.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture);
        return match.Groups[2].Value.StartsWith("minute", StringComparison.Ordinal) ? TimeSpan.FromMinutes(amount) : TimeSpan.FromHours(amount);
    }

    public override string ToString() => Text;

    [GeneratedRegex("^([0-9]{1,4})_(minutes?|hours?)$")]
    private static partial Regex Span();
}
