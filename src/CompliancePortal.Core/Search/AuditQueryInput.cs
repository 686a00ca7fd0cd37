using System.Globalization;
using System.Text;
using CompliancePortal.Core.Ledger;

namespace CompliancePortal.Core.Search;

/// <summary>One field filter as typed in the form.</summary>
public sealed class FieldInput
{
    public string? Field { get; set; }
    public string? Value { get; set; }
}

/// <summary>
/// An audit search as the user typed it (form fields or URL parameters), before validation.
/// <see cref="TryBuild"/> turns it into an <see cref="AuditQuery"/> or names what is wrong;
/// <see cref="ToQueryString"/> and <see cref="FromQueryString"/> are the shareable URL form:
/// <c>from</c>, <c>to</c> (UTC; a date alone means the whole day), <c>type</c>, <c>event</c>,
/// <c>user</c>, <c>f</c> (repeated, <c>field:value</c>), <c>q</c> (full text), <c>order=oldest</c>.
/// </summary>
public sealed class AuditQueryInput
{
    public string? From { get; set; }
    public string? To { get; set; }
    public string? LogType { get; set; }
    public string? Event { get; set; }
    public string? UserId { get; set; }
    public List<FieldInput> Fields { get; set; } = [];
    public string? Text { get; set; }
    public bool OldestFirst { get; set; }

    private static readonly string[] DateOnlyFormats = ["yyyy-MM-dd"];
    private static readonly TimeSpan LastMicrosecond = TimeSpan.FromDays(1) - TimeSpan.FromTicks(10);

    /// <summary>Validates; on success <paramref name="query"/> is set and the dictionary is empty. Keys name the input.</summary>
    public IReadOnlyDictionary<string, string> TryBuild(out AuditQuery? query)
    {
        var errors = new Dictionary<string, string>();
        var from = ParseTime(From, endOfDay: false, "from", errors);
        var to = ParseTime(To, endOfDay: true, "to", errors);
        if (from is not null && to is not null && from > to)
            errors["range"] = "'From' is after 'To'.";

        var logType = Clean(LogType);
        if (logType is not null && !LogTypes.IsKnown(logType))
            errors["type"] = $"Unknown log type; choose one of {string.Join(", ", LogTypes.All)}.";

        var fields = new List<FieldFilter>();
        var filled = Fields.Where(f => !string.IsNullOrWhiteSpace(f.Field) || !string.IsNullOrWhiteSpace(f.Value)).ToList();
        for (var i = 0; i < filled.Count; i++)
        {
            var name = Clean(filled[i].Field);
            var value = SearchText.Clean(filled[i].Value ?? "").Trim();
            if (name is null) errors[$"field{i}"] = "Name the event_data field (e.g. asset).";
            else if (!AuditQuery.IsValidFieldName(name)) errors[$"field{i}"] = "A field name has 1 to 64 letters, digits or underscores.";
            else fields.Add(new FieldFilter(name, value));
        }
        if (filled.Count > AuditQuery.MaxFieldFilters)
            errors["fields"] = $"At most {AuditQuery.MaxFieldFilters} field filters.";

        if (errors.Count > 0)
        {
            query = null;
            return errors;
        }
        var text = Clean(Text);
        query = new AuditQuery
        {
            From = from,
            To = to,
            LogType = logType,
            Event = Clean(Event),
            UserId = Clean(UserId),
            Fields = fields,
            Text = text is null ? null : SearchText.Clip(text, AuditQuery.MaxTextLength),
            OldestFirst = OldestFirst,
        };
        return errors;
    }

    /// <summary>The form showing <paramref name="query"/>.</summary>
    public static AuditQueryInput Of(AuditQuery query) => new()
    {
        From = query.From is { } f ? FormatTime(f, endOfDay: false) : null,
        To = query.To is { } t ? FormatTime(t, endOfDay: true) : null,
        LogType = query.LogType,
        Event = query.Event,
        UserId = query.UserId,
        Fields = [.. query.Fields.Select(x => new FieldInput { Field = x.Field, Value = x.Value })],
        Text = query.Text,
        OldestFirst = query.OldestFirst,
    };

    /// <summary>The URL query string of <paramref name="query"/> without the leading '?' (empty for "everything").</summary>
    public static string ToQueryString(AuditQuery query)
    {
        var input = Of(query);
        var parts = new List<string>();
        void Add(string key, string? value)
        {
            if (value is not null) parts.Add($"{key}={Uri.EscapeDataString(value)}");
        }
        Add("from", input.From);
        Add("to", input.To);
        Add("type", input.LogType);
        Add("event", input.Event);
        Add("user", input.UserId);
        foreach (var f in query.Fields) Add("f", $"{f.Field}:{f.Value}");
        Add("q", input.Text);
        if (query.OldestFirst) Add("order", "oldest");
        return string.Join('&', parts);
    }

    /// <summary>Reads the URL form (with or without the leading '?'); unknown parameters are ignored.</summary>
    public static AuditQueryInput FromQueryString(string? queryString)
    {
        var input = new AuditQueryInput();
        foreach (var (key, value) in Pairs(queryString))
        {
            switch (key)
            {
                case "from": input.From = value; break;
                case "to": input.To = value; break;
                case "type": input.LogType = value; break;
                case "event": input.Event = value; break;
                case "user": input.UserId = value; break;
                case "q": input.Text = value; break;
                case "order": input.OldestFirst = value == "oldest"; break;
                case "f":
                    var colon = value.IndexOf(':');
                    input.Fields.Add(colon < 0
                        ? new FieldInput { Field = value, Value = "" }
                        : new FieldInput { Field = value[..colon], Value = value[(colon + 1)..] });
                    break;
            }
        }
        return input;
    }

    private static IEnumerable<(string Key, string Value)> Pairs(string? queryString)
    {
        if (string.IsNullOrEmpty(queryString)) yield break;
        foreach (var part in queryString.TrimStart('?').Split('&', StringSplitOptions.RemoveEmptyEntries))
        {
            var eq = part.IndexOf('=');
            var key = Decode(eq < 0 ? part : part[..eq]);
            var value = eq < 0 ? "" : Decode(part[(eq + 1)..]);
            yield return (key, value);
        }
    }

    private static string Decode(string s)
    {
        try { return Uri.UnescapeDataString(s.Replace('+', ' ')); }
        catch (UriFormatException) { return s; }
    }

    private static DateTimeOffset? ParseTime(string? raw, bool endOfDay, string key, Dictionary<string, string> errors)
    {
        var text = Clean(raw);
        if (text is null) return null;
        if (DateTime.TryParseExact(text, DateOnlyFormats, CultureInfo.InvariantCulture, DateTimeStyles.None, out var day))
        {
            var start = new DateTimeOffset(day.Date, TimeSpan.Zero);
            return endOfDay ? start + LastMicrosecond : start;
        }
        if (text.Length >= 16 && char.IsDigit(text[0])
            && DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var at))
            return CanonicalEntry.ToMicroseconds(at);
        errors[key] = "Use a UTC date (2024-10-08) or date and time (2024-10-08 10:30 or 2024-10-08T10:30:00Z).";
        return null;
    }

    private static string FormatTime(DateTimeOffset value, bool endOfDay)
    {
        var utc = value.ToUniversalTime();
        if (!endOfDay && utc.TimeOfDay == TimeSpan.Zero || endOfDay && utc.TimeOfDay == LastMicrosecond)
            return Formats.Day(utc);
        return utc.Ticks % TimeSpan.TicksPerSecond == 0
            ? utc.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture)
            : CanonicalEntry.FormatTime(utc);
    }

    private static string? Clean(string? value)
    {
        if (value is null) return null;
        var cleaned = SearchText.Clean(value).Trim();
        return cleaned.Length == 0 ? null : cleaned;
    }
}

/// <summary>
/// Makes any typed text safe to send to PostgreSQL as a parameter: text values cannot hold NUL,
/// and Npgsql refuses strings that are not valid UTF-16 (a lone surrogate). Both would turn a
/// search into an error; instead NUL is dropped and a lone surrogate becomes U+FFFD.
/// </summary>
public static class SearchText
{
    public static string Clean(string value)
    {
        if (!NeedsCleaning(value)) return value;
        var sb = new StringBuilder(value.Length);
        for (var i = 0; i < value.Length; i++)
        {
            var c = value[i];
            if (c == '\0') continue;
            if (char.IsHighSurrogate(c) && i + 1 < value.Length && char.IsLowSurrogate(value[i + 1]))
            {
                sb.Append(c).Append(value[++i]);
                continue;
            }
            sb.Append(char.IsSurrogate(c) ? '\uFFFD' : c);
        }
        return sb.ToString();
    }

    /// <summary>At most <paramref name="max"/> characters, never splitting a surrogate pair.</summary>
    public static string Clip(string value, int max)
    {
        if (value.Length <= max) return value;
        var end = char.IsHighSurrogate(value[max - 1]) ? max - 1 : max;
        return value[..end];
    }

    private static bool NeedsCleaning(string value)
    {
        foreach (var c in value)
            if (c == '\0' || char.IsSurrogate(c)) return true;
        return false;
    }
}
