using System.Globalization;
using CompliancePortal.Core;

namespace CompliancePortal.Tests;

/// <summary>The one day and size format: the same under any culture, since days go into ledger entries, keys and URLs.</summary>
public sealed class FormatsTests
{
    [Fact]
    public void Day_IsTheGregorianIsoDate_UnderACultureWithAnotherCalendar()
    {
        var before = CultureInfo.CurrentCulture;
        try
        {
            // Thai culture's calendar is Buddhist: its year 2569 is 2026.
            CultureInfo.CurrentCulture = new CultureInfo("th-TH");
            Assert.Equal("2026-10-05", Formats.Day(new DateOnly(2026, 10, 5)));
            // An instant's day is its UTC day: 22:30 in New York on the 5th is the 6th in UTC.
            Assert.Equal("2026-10-06", Formats.Day(new DateTimeOffset(2026, 10, 5, 22, 30, 0, TimeSpan.FromHours(-4))));
            Assert.Null(Formats.Day((DateOnly?)null));
            Assert.True(Formats.TryParseDay("2026-10-05", out var day));
            Assert.Equal(new DateOnly(2026, 10, 5), day);
            Assert.False(Formats.TryParseDay("05/10/2026", out _));
        }
        finally
        {
            CultureInfo.CurrentCulture = before;
        }
    }

    [Theory]
    [InlineData(900, "900 bytes")]
    [InlineData(512 * 1024, "512 KiB")]
    [InlineData(1536, "1.5 KiB")]
    [InlineData(20 * 1024 * 1024, "20 MiB")]
    [InlineData(5 * 1024 * 1024 / 2, "2.5 MiB")]
    public void Size_NamesBinaryUnits(long bytes, string expected) => Assert.Equal(expected, Formats.Size(bytes));
}
