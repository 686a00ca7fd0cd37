using CompliancePortal.Core.Positions;

namespace CompliancePortal.Positions;

/// <summary>
/// End-of-day positions: POST /api/v1/positions for the trading system (API key with the POSITION
/// grant) and the snapshot job (Jobs/, "position-snapshot").
/// </summary>
public static class PositionsSetup
{
    public static void AddPositions(this WebApplicationBuilder builder)
    {
        builder.AddSettings<PositionsOptions>();
        builder.Services.AddSingleton<PositionBook>();
        builder.Services.AddSingleton<PositionSnapshotter>();
        builder.Services.AddSingleton<PositionSnapshots>();
        builder.Services.AddTransient<PositionSnapshotJob>();
    }
}
