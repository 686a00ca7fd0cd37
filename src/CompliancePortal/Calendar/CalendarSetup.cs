using CompliancePortal.Core.Calendar;
using Microsoft.Extensions.Options;

namespace CompliancePortal.Calendar;

public static class CalendarSetup
{
    /// <summary>The market calendar (options section "Calendar"), checked at start-up: a date that does
    /// not parse or falls on a weekend stops the portal with a message instead of silently shifting business days.</summary>
    public static void AddMarketCalendar(this WebApplicationBuilder builder)
    {
        builder.AddSettings<CalendarOptions>();
        builder.Services.AddOptions<CalendarOptions>()
            // The binder drops an array entry it cannot convert, so count the configured entries.
            .Validate<IConfiguration>((o, config) => config.GetSection(CalendarOptions.Section).GetSection(nameof(CalendarOptions.Holidays)).GetChildren().Count() == o.Holidays.Length,
                "Calendar:Holidays has an entry that is not a date (yyyy-MM-dd)")
            .ValidateOnStart();
        builder.Services.AddSingleton(sp =>
        {
            var options = sp.GetRequiredService<IOptions<CalendarOptions>>().Value;
            return new MarketCalendar(options.Exchange, options.Holidays);
        });
    }
}
