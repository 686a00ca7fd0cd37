using CompliancePortal.Core.Accounts;
using CompliancePortal.Tests.Infrastructure;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;

namespace CompliancePortal.Tests.Preclearance;

/// <summary>The officer's queue warns when the shipped holiday list does not cover the current year.</summary>
[Collection(PostgresCollection.Name)]
public sealed class HolidayListWarningTests(PostgresFixture postgres)
{
    [Theory]
    [InlineData(2027, false)]  // the shipped list covers 2026 and 2027
    [InlineData(2028, true)]
    public async Task Queue_InAYearTheListDoesNotCover_WarnsTheOfficer(int year, bool warned)
    {
        var clock = new TestClock(new DateTimeOffset(year, 3, 1, 15, 0, 0, TimeSpan.Zero));
        await using var portal = new PortalFactory(await postgres.CreateDatabaseAsync(),
            b => b.ConfigureTestServices(s => s.AddSingleton<TimeProvider>(clock)));
        using var officer = await portal.SignedInClientAsync(await portal.CreateUserAsync(UserRoles.ComplianceOfficer));

        var page = await officer.GetStringAsync("/preclearance/queue");

        Assert.Equal(warned, page.Contains("data-testid=\"holidays-missing\"", StringComparison.Ordinal));
        if (warned) Assert.Contains($"has no date in {year}", page);
    }

    [Theory]
    [InlineData("2026-11-28", "Saturday or Sunday")]   // a Saturday
    [InlineData("2026-13-01", "not a date")]           // not a date
    public async Task Portal_WithABadHoliday_RefusesToStart_NamingTheSetting(string holiday, string message)
    {
        await using var portal = new PortalFactory(await postgres.CreateDatabaseAsync(), b => b.UseSetting("Calendar:Holidays:0", holiday));

        var error = Assert.ThrowsAny<Exception>(() => portal.Services);

        Assert.Contains(message, error.ToString());
    }
}
