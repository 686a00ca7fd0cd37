using System.Text.RegularExpressions;

namespace CompliancePortal.Core.Search;

/// <summary>One "event_data field = value" filter, e.g. asset = QQQ. Values compare as text (<c>event_data ->> field</c>).</summary>
public sealed record FieldFilter(string Field, string Value);

/// <summary>
/// A validated audit search: every part optional, all parts combined with AND. Times are UTC
/// instants, both ends inclusive, at PostgreSQL's microsecond precision. Build one from user
/// input with <see cref="AuditQueryInput"/>, which also reads and writes the URL form.
/// </summary>
public sealed partial record AuditQuery
{
    public const int PageSize = 50;

    /// <summary>Counts stop here: "more than 10,000" is shown instead of a count that could take seconds.</summary>
    public const int CountCap = 10_000;

    public const int MaxTextLength = 500;
    public const int MaxValueLength = 200;
    public const int MaxFieldFilters = 8;

    public DateTimeOffset? From { get; init; }
    public DateTimeOffset? To { get; init; }
    public string? LogType { get; init; }
    public string? Event { get; init; }
    public string? UserId { get; init; }
    public IReadOnlyList<FieldFilter> Fields { get; init; } = [];

    /// <summary>Web-search syntax: words, "quoted phrases", OR, -excluded.</summary>
    public string? Text { get; init; }

    public bool OldestFirst { get; init; }

    public static AuditQuery Everything { get; } = new();

    /// <summary>Field names are identifiers only; they still travel as parameters, never as SQL text.</summary>
    public static bool IsValidFieldName(string name) => FieldName().IsMatch(name);

    [GeneratedRegex("^[A-Za-z0-9_]{1,64}$")]
    private static partial Regex FieldName();

    /// <summary>
    /// The query with every text made sendable (see <see cref="SearchText"/>) and the full text
    /// clipped: what is run and what the ledger records are the same, and neither can fail on input.
    /// </summary>
    public AuditQuery Sanitized() => this with
    {
        LogType = Clean(LogType),
        Event = Clean(Event),
        UserId = Clean(UserId),
        Fields = [.. Fields.Select(f => new FieldFilter(SearchText.Clean(f.Field), SearchText.Clean(f.Value)))],
        Text = Text is null ? null : SearchText.Clean(SearchText.Clip(Text, MaxTextLength)),
    };

    private static string? Clean(string? value) => value is null ? null : SearchText.Clean(value);

    public bool Equals(AuditQuery? other) =>
        other is not null && From == other.From && To == other.To && LogType == other.LogType && Event == other.Event
        && UserId == other.UserId && Text == other.Text && OldestFirst == other.OldestFirst && Fields.SequenceEqual(other.Fields);

    public override int GetHashCode() =>
        HashCode.Combine(From, To, LogType, Event, UserId, Text, OldestFirst, Fields.Count);
}

/// <summary>Where the next page starts: the last row shown, in the page's order.</summary>
public readonly record struct AuditCursor(DateTimeOffset Timestamp, long Seq);
