using System.Text.Json;
using CompliancePortal.Core.Calendar;

namespace CompliancePortal.Tests.Infrastructure;

/// <summary>The market calendar as appsettings.json ships it (the portals under test use the same list).</summary>
public static class ShippedCalendar
{
    public static DateOnly[] Holidays { get; } = Read();

    public static MarketCalendar Instance { get; } = new(Holidays);

    private static DateOnly[] Read()
    {
        using var json = JsonDocument.Parse(File.ReadAllText(Path.Combine(RepositoryRoot.Path, "appsettings.json")));
        return [.. json.RootElement.GetProperty(CalendarOptions.Section).GetProperty("Holidays").EnumerateArray().Select(e => DateOnly.Parse(e.GetString()!))];
    }
}
