namespace CompliancePortal.Core.Calendar;

/// <summary>Which exchange's holiday rules the calendar follows.</summary>
public enum ExchangeHolidays
{
    /// <summary>The New York Stock Exchange's holidays, computed for any year by QLNet (QuantLib's
    /// NYSE calendar: the observance rules, Good Friday, Juneteenth from 2022, and past unscheduled closures).</summary>
    NYSE,

    /// <summary>No exchange holidays: only <see cref="CalendarOptions.Holidays"/> close a weekday.</summary>
    None,
}

/// <summary>Configuration section "Calendar".</summary>
public sealed class CalendarOptions : ISettings
{
    public const string Section = "Calendar";

    static string ISettings.Section => Section;

    public string? Problem() =>
        Holidays.Any(d => d.DayOfWeek is DayOfWeek.Saturday or DayOfWeek.Sunday)
        ? "Calendar:Holidays lists a Saturday or Sunday: give the weekday the market is closed instead"
        : null;

    public ExchangeHolidays Exchange { get; set; } = ExchangeHolidays.NYSE;

    /// <summary>Further weekdays the firm is closed (UTC dates): an unscheduled market closure the
    /// exchange rules do not know yet, such as a national day of mourning.</summary>
    public DateOnly[] Holidays { get; set; } = [];
}

/// <summary>
/// The firm's business days: Monday to Friday except the exchange's holidays and the configured
/// closures. One calendar for the whole portal: preclearance (approval expiry, the blackout
/// window), the days that need a trade blotter and a certification, and the days that must have
/// an end-of-day book.
/// </summary>
public sealed class MarketCalendar(ExchangeHolidays exchange, IEnumerable<DateOnly> holidays)
{
    private readonly HashSet<DateOnly> _holidays = [.. holidays];

    // QLNet's calendars only read their rules once built, so one instance serves every thread.
    private readonly QLNet.Calendar? _exchange = exchange switch
    {
        ExchangeHolidays.NYSE => new QLNet.UnitedStates(QLNet.UnitedStates.Market.NYSE),
        _ => null,
    };

    public bool IsBusinessDay(DateOnly day) =>
        day.DayOfWeek is not (DayOfWeek.Saturday or DayOfWeek.Sunday) && !_holidays.Contains(day) &&
        (_exchange is null || _exchange.isBusinessDay(new QLNet.Date(day.Day, day.Month, day.Year)));

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

    /// <summary>The weekdays of <paramref name="year"/> that are not business days, in order.</summary>
    public IEnumerable<DateOnly> HolidaysIn(int year) =>
        Days(new DateOnly(year, 1, 1), new DateOnly(year, 12, 31))
            .Where(d => d.DayOfWeek is not (DayOfWeek.Saturday or DayOfWeek.Sunday) && !IsBusinessDay(d));

    /// <summary>Every day from <paramref name="from"/> to <paramref name="toInclusive"/>, in order.</summary>
    public static IEnumerable<DateOnly> Days(DateOnly from, DateOnly toInclusive)
    {
        for (var day = from; day <= toInclusive; day = day.AddDays(1)) yield return day;
    }

    /// <summary>Today's UTC date: the portal's days are UTC days.</summary>
    public static DateOnly Today(TimeProvider time) => DateOnly.FromDateTime(time.GetUtcNow().UtcDateTime);
}
