using System.Globalization;
using CompliancePortal.Core.Dashboard;

namespace CompliancePortal.Dashboard;

/// <summary>X-axis labels for a window's buckets: every bucket's UTC start, thinned so about six show.</summary>
public static class DashboardLabels
{
    public static string[] For(MetricsWindow window)
    {
        var every = Math.Max(1, window.BucketCount / 6);
        return [.. window.BucketStarts.Select((start, i) =>
            i % every == 0 ? start.UtcDateTime.ToString("HH:mm", CultureInfo.InvariantCulture) : "")];
    }
}
