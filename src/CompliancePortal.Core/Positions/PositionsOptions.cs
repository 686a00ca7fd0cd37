namespace CompliancePortal.Core.Positions;

/// <summary>Configuration section "Positions": the end-of-day deadline and the submission limits.</summary>
public sealed class PositionsOptions : ISettings
{
    public const string Section = "Positions";

    static string ISettings.Section => Section;

    public string? Problem() =>
        CatchUpDays < 0 || MaxPositions <= 0
        ? "Positions:CatchUpDays must not be negative and Positions:MaxPositions must be positive"
        : null;

    /// <summary>The day's deadline (UTC time of day): submissions for a date are accepted until then; the snapshot is taken after.</summary>
    public TimeOnly EndOfDayUtc { get; set; } = new(23, 30);

    /// <summary>How many past days the snapshot job looks back for days it has not settled (e.g. after an outage).</summary>
    public int CatchUpDays { get; set; } = 7;

    /// <summary>Most positions in one submission.</summary>
    public int MaxPositions { get; set; } = 20_000;

    public DateTimeOffset DeadlineOf(DateOnly day) => new(day.ToDateTime(EndOfDayUtc), TimeSpan.Zero);
}
