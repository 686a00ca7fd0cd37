namespace CompliancePortal.Core.Blotter;

/// <summary>
/// Business days are Monday to Friday of UTC dates. Exchange holidays are not modelled: a holiday
/// gets an (empty) blotter and a certification task like any other weekday.
/// </summary>
public static class BusinessDays
{
    public static bool IsBusinessDay(DateOnly day) => day.DayOfWeek is not (DayOfWeek.Saturday or DayOfWeek.Sunday);

    /// <summary>Every day from <paramref name="from"/> to <paramref name="toInclusive"/>, in order.</summary>
    public static IEnumerable<DateOnly> Days(DateOnly from, DateOnly toInclusive)
    {
        for (var day = from; day <= toInclusive; day = day.AddDays(1)) yield return day;
    }

    public static DateOnly Today(TimeProvider time) => DateOnly.FromDateTime(time.GetUtcNow().UtcDateTime);
}
