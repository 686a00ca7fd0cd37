using System.Globalization;

namespace CompliancePortal.Core;

/// <summary>
/// How the portal writes a day and a size, in ledger entries, archive keys, URLs and pages alike:
/// one format each, so a day written in one place parses in every other.
/// </summary>
public static class Formats
{
    /// <summary>Days are ISO 8601 calendar dates (UTC days wherever an instant is meant).</summary>
    public const string DayFormat = "yyyy-MM-dd";

    public static string Day(DateOnly day) => day.ToString(DayFormat, CultureInfo.InvariantCulture);

    public static string Day(DateTime day) => day.ToString(DayFormat, CultureInfo.InvariantCulture);

    /// <summary>The UTC day of an instant.</summary>
    public static string Day(DateTimeOffset at) => Day(at.UtcDateTime);

    public static string? Day(DateOnly? day) => day is { } d ? Day(d) : null;

    public static string? Day(DateTimeOffset? at) => at is { } a ? Day(a) : null;

    public static bool TryParseDay(string? text, out DateOnly day) =>
        DateOnly.TryParseExact(text, DayFormat, CultureInfo.InvariantCulture, DateTimeStyles.None, out day);

    /// <summary>"20 MiB", "2.5 MiB", "512 KiB", "900 bytes".</summary>
    public static string Size(long bytes) => bytes switch
    {
        >= 1024 * 1024 when bytes % (1024 * 1024) == 0 => $"{bytes / (1024 * 1024)} MiB",
        >= 1024 * 1024 => (bytes / (1024.0 * 1024)).ToString("0.0", CultureInfo.InvariantCulture) + " MiB",
        >= 1024 => (bytes / 1024.0).ToString("0.#", CultureInfo.InvariantCulture) + " KiB",
        _ => $"{bytes} bytes",
    };
}
