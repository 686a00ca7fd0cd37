using CompliancePortal.Core.Calendar;
using CompliancePortal.Tests.Infrastructure;

namespace CompliancePortal.Tests.Calendar;

/// <summary>The NYSE holiday rules, checked against the exchange's published holiday lists.</summary>
public sealed class MarketCalendarTests
{
    private static readonly MarketCalendar Nyse = new(ExchangeHolidays.NYSE, []);

    [Theory]
    [InlineData(2026, "2026-01-01 2026-01-19 2026-02-16 2026-04-03 2026-05-25 2026-06-19 2026-07-03 2026-09-07 2026-11-26 2026-12-25")]
    [InlineData(2027, "2027-01-01 2027-01-18 2027-02-15 2027-03-26 2027-05-31 2027-06-18 2027-07-05 2027-09-06 2027-11-25 2027-12-24")]
    [InlineData(2028, "2028-01-17 2028-02-21 2028-04-14 2028-05-29 2028-06-19 2028-07-04 2028-09-04 2028-11-23 2028-12-25")]
    public void Nyse_HolidaysOfAYear_AreTheExchangesList(int year, string published)
    {
        Assert.Equal(published.Split(' ').Select(DateOnly.Parse), Nyse.HolidaysIn(year));
    }

    [Theory]
    [InlineData("2027-12-31", true)]   // New Year's Day 2028 is a Saturday: the NYSE does not close the Friday before
    [InlineData("2021-06-18", true)]   // Juneteenth is a holiday from 2022 on
    [InlineData("2022-06-20", false)]  // ... observed on Monday when it falls on a Sunday
    [InlineData("2012-10-29", false)]  // Hurricane Sandy: a past unscheduled closure the rules know
    [InlineData("2026-11-27", true)]   // the day after Thanksgiving is an (early-closing) business day
    public void Nyse_ObservanceRules(string day, bool business)
    {
        Assert.Equal(business, Nyse.IsBusinessDay(DateOnly.Parse(day)));
    }

    [Fact]
    public void ConfiguredClosures_AddToTheExchangeRules_OrStandAlone()
    {
        var carter = new DateOnly(2025, 1, 9);   // national day of mourning, announced weeks before
        Assert.True(Nyse.IsBusinessDay(carter));
        Assert.False(new MarketCalendar(ExchangeHolidays.NYSE, [carter]).IsBusinessDay(carter));

        var weekdaysOnly = new MarketCalendar(ExchangeHolidays.None, [carter]);
        Assert.True(weekdaysOnly.IsBusinessDay(new DateOnly(2026, 11, 26)));   // Thanksgiving: no exchange rules
        Assert.False(weekdaysOnly.IsBusinessDay(carter));
        Assert.False(weekdaysOnly.IsBusinessDay(new DateOnly(2026, 11, 28)));  // a Saturday
    }

    [Fact]
    public void Shipped_FollowsTheNyse_AndKnowsTheClosureItsRulesDoNot()
    {
        Assert.Equal(ExchangeHolidays.NYSE, ShippedCalendar.Exchange);
        Assert.False(ShippedCalendar.Instance.IsBusinessDay(new DateOnly(2025, 1, 9)));
        Assert.False(ShippedCalendar.Instance.IsBusinessDay(new DateOnly(2026, 11, 26)));
    }
}
