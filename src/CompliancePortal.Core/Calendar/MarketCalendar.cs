namespace CompliancePortal.Core.Calendar;

/// <summary>Configuration section "Calendar".</summary>
public sealed class CalendarOptions
{
    public const string Section = "Calendar";

    /// <summary>Weekdays the market is closed (NYSE holidays, UTC dates). The list lives in
    /// appsettings.json and must be extended each year.</summary>
    public DateOnly[] Holidays { get; set; } = [];
}

/// <summary>
/// The firm's business days: Monday to Friday except the market holidays. One calendar for the
/// whole portal: preclearance (approval expiry, the blackout window), the days that need a trade
/// blotter and a certification, and the days that must have an end-of-day book.
/// </summary>
public sealed class MarketCalendar(IEnumerable<DateOnly> holidays)
{
    private readonly HashSet<DateOnly> _holidays = [.. holidays];

    public bool IsBusinessDay(DateOnly day) =>
        day.DayOfWeek is not (DayOfWeek.Saturday or DayOfWeek.Sunday) && !_holidays.Contains(day);

    /// <summary>The next business day after <paramref name="day"/>.</summary>
    public DateOnly NextBusinessDay(DateOnly day)
    {
        var next = day.AddDays(1);
        while (!IsBusinessDay(next)) next = next.AddDays(1);
        return next;
    }

    /// <summary>Business days from <paramref name="from"/> to <paramref name="to"/> (negative when to is earlier).</summary>
    public int BusinessDaysBetween(DateOnly from, DateOnly to)
    {
        if (to < from) return -BusinessDaysBetween(to, from);
        var days = 0;
        for (var d = from; d < to; d = d.AddDays(1))
            if (IsBusinessDay(d.AddDays(1))) days++;
        return days;
    }

    /// <summary>Whether the holiday list covers <paramref name="year"/> at all (it must be extended each year).</summary>
    public bool HasHolidaysIn(int year) => _holidays.Any(d => d.Year == year);

    /// <summary>Every day from <paramref name="from"/> to <paramref name="toInclusive"/>, in order.</summary>
    public static IEnumerable<DateOnly> Days(DateOnly from, DateOnly toInclusive)
    {
        for (var day = from; day <= toInclusive; day = day.AddDays(1)) yield return day;
    }

    /// <summary>Today's UTC date: the portal's days are UTC days.</summary>
    public static DateOnly Today(TimeProvider time) => DateOnly.FromDateTime(time.GetUtcNow().UtcDateTime);
}
