using System.Text.Json;
using CompliancePortal.Core.Calendar;

namespace CompliancePortal.Tests.Infrastructure;

/// <summary>The market calendar as appsettings.json ships it (the portals under test use the same settings).</summary>
public static class ShippedCalendar
{
    private static readonly JsonElement Section = Read();

    public static ExchangeHolidays Exchange { get; } = Enum.Parse<ExchangeHolidays>(Section.GetProperty(nameof(CalendarOptions.Exchange)).GetString()!);

    public static DateOnly[] Holidays { get; } =
        [.. Section.GetProperty(nameof(CalendarOptions.Holidays)).EnumerateArray().Select(e => DateOnly.Parse(e.GetString()!))];

    public static MarketCalendar Instance { get; } = new(Exchange, Holidays);

    private static JsonElement Read()
    {
        using var json = JsonDocument.Parse(File.ReadAllText(Path.Combine(RepositoryRoot.Path, "appsettings.json")));
        return json.RootElement.GetProperty(CalendarOptions.Section).Clone();
    }
}
