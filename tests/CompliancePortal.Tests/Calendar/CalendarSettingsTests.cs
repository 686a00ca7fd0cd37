using Bunit;
using CompliancePortal.Core.Accounts;
using CompliancePortal.Core.Calendar;
using CompliancePortal.Core.Preclearance;
using CompliancePortal.Preclearance.Pages;
using CompliancePortal.Tests.Infrastructure;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;

namespace CompliancePortal.Tests.Calendar;

/// <summary>The calendar settings as the running portal takes them: shown to the officer, checked at start-up.</summary>
[Collection(PostgresCollection.Name)]
public sealed class CalendarSettingsTests(PostgresFixture postgres)
{
    [Theory]
    [InlineData(2027, "18 Jun", "24 Dec")]   // Juneteenth and Christmas observed on Fridays
    [InlineData(2031, "11 Apr", "25 Dec")]   // a year no list was ever typed for: Good Friday (Easter is 13 April)
    public async Task Queue_ShowsTheYearsMarketHolidays_ForAnyYear(int year, string first, string second)
    {
        var clock = new TestClock(new DateTimeOffset(year, 3, 1, 15, 0, 0, TimeSpan.Zero));
        await using var portal = new PortalFactory(await postgres.CreateDatabaseAsync(),
            b => b.ConfigureTestServices(s => s.AddSingleton<TimeProvider>(clock)));
        var officer = await portal.CreateUserAsync(UserRoles.ComplianceOfficer);
        await using var ctx = PortalPages.NewContext(portal, officer, UserRoles.ComplianceOfficer,
            typeof(PreclearanceService), typeof(MarketCalendar), typeof(TimeProvider));

        var cut = ctx.Render<Queue>();

        var holidays = cut.WaitForElement("[data-testid=market-holidays]").TextContent;
        Assert.Contains($"business days in {year}", holidays);
        Assert.Contains(first, holidays);
        Assert.Contains(second, holidays);
    }

    [Theory]
    [InlineData("Calendar:Holidays:0", "2026-11-28", "Saturday or Sunday")]   // a Saturday
    [InlineData("Calendar:Holidays:0", "2026-13-01", "not a date")]           // not a date
    [InlineData("Calendar:Exchange", "LSE", "Calendar:Exchange")]             // an exchange it has no rules for
    public async Task Portal_WithABadCalendarSetting_RefusesToStart_NamingTheSetting(string key, string value, string message)
    {
        await using var portal = new PortalFactory(await postgres.CreateDatabaseAsync(), b => b.UseSetting(key, value));

        var error = Assert.ThrowsAny<Exception>(() => portal.Services);

        Assert.Contains(message, error.ToString());
    }
}
