using CompliancePortal.Core;
namespace CompliancePortal.Demo;

/// <summary>Configuration section "Demo": the demo source that posts a trading day through the public API.</summary>
public sealed class DemoOptions : ISettings
{
    public const string Section = "Demo";

    static string ISettings.Section => Section;

    public string? Problem() =>
        EventsPerSecond < 0 || Backfill < 0 ? "Demo:EventsPerSecond and Demo:Backfill must not be negative" : null;

    /// <summary>
    /// Unset: on for the embedded default only (no ConnectionStrings:Portal), so a new machine
    /// shows a living portal and a real database never gets demo users. Explicit true against a
    /// configured database is refused outside Development (<see cref="DemoSetup"/>). After
    /// start-up this holds the outcome.
    /// </summary>
    public bool? Enabled { get; set; }

    /// <summary>The demo API key (all log types, verification). A random one per start when unset.</summary>
    public string? ApiKey { get; set; }

    /// <summary>Password of the demo users (one per role).</summary>
    public string Password { get; set; } = "Compliance-Demo-2026";

    /// <summary>Events the demo posts per second once the morning's backlog is in.</summary>
    public double EventsPerSecond { get; set; } = 4;

    /// <summary>Events of "today so far" posted at start-up.</summary>
    public int Backfill { get; set; } = 300;
}
