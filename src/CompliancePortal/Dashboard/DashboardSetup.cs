using CompliancePortal.Core.Dashboard;

namespace CompliancePortal.Dashboard;

/// <summary>The trading dashboard's metrics, fed by the live feed.</summary>
public static class DashboardSetup
{
    public static void AddTradingDashboard(this WebApplicationBuilder builder)
    {
        builder.Services.AddSingleton<TradingMetrics>();
    }
}
