namespace CompliancePortal.Core.Packages;

/// <summary>The seed's compliance package sections (generate_compliance_package), in the order they are written.</summary>
public static class PackageSections
{
    public const string TradeBlotters = "trade_blotters";
    public const string PositionSnapshots = "position_snapshots";
    public const string NavCalculations = "nav_calculations";
    public const string FeeCalculations = "fee_calculations";
    public const string RiskEvents = "risk_events";
    public const string ComplianceLogs = "compliance_logs";
    public const string EmailArchive = "email_archive";

    public static readonly IReadOnlyList<(string Name, string Label)> All =
    [
        (TradeBlotters, "Trade blotters"),
        (PositionSnapshots, "Position snapshots"),
        (NavCalculations, "NAV calculations"),
        (FeeCalculations, "Fee calculations"),
        (RiskEvents, "Risk events"),
        (ComplianceLogs, "Compliance logs"),
        (EmailArchive, "Email archive"),
    ];

    public static bool IsKnown(string name) => All.Any(s => s.Name == name);
}

/// <summary>Configuration section "Packages".</summary>
public sealed class PackageOptions : ISettings
{
    public const string Section = "Packages";

    static string ISettings.Section => Section;

    public string? Problem() =>
        ExpiresAfter <= TimeSpan.Zero || MaxDays <= 0 || HeartbeatInterval <= TimeSpan.Zero || StalledAfter <= TimeSpan.Zero
        ? "Packages:ExpiresAfter, MaxDays, HeartbeatInterval and StalledAfter must be positive"
        : null;

    /// <summary>How long a finished package can be downloaded; then the sweep deletes its object.</summary>
    public TimeSpan ExpiresAfter { get; set; } = TimeSpan.FromDays(7);

    /// <summary>Longest period one package may cover.</summary>
    public int MaxDays { get; set; } = 366;

    /// <summary>A build beats this often while it runs (its row's last_activity_at).</summary>
    public TimeSpan HeartbeatInterval { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>A Queued package whose build never started, or a Building one whose build stopped
    /// beating (its process died), is queued again after this long without a sign of life.</summary>
    public TimeSpan StalledAfter { get; set; } = TimeSpan.FromMinutes(10);
}

/// <summary>Where a build stands, as the page and the hub show it.</summary>
public sealed record PackageProgress(Guid PackageId, PackageStatus Status, int Percent, string Stage);

/// <summary>Receives a build's progress (the host pushes it to pages and hub clients).</summary>
public interface IPackageProgressSink
{
    Task ReportAsync(PackageProgress progress);
}

/// <summary>What the request form hands to the page.</summary>
public sealed record PackageRequest(DateOnly From, DateOnly To, IReadOnlyCollection<string> Sections);
