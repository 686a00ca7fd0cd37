using System.Diagnostics;
using System.Globalization;

namespace CompliancePortal.Bench;

/// <summary>
/// CPU time spent by this process and by the PostgreSQL cluster's processes (the postmaster's
/// children: backends, WAL writer, checkpointer) between two readings. Shows where the time of a
/// contestant goes on a machine where both share the same cores. Linux only (reads /proc);
/// elsewhere the cluster's share reads as zero.
/// </summary>
public sealed class CpuMeter(int postmasterPid)
{
    private static readonly double TicksPerSecond = 100; // USER_HZ on Linux

    public (TimeSpan Process, TimeSpan Postgres) Read()
    {
        using var self = Process.GetCurrentProcess();
        return (self.TotalProcessorTime, TimeSpan.FromSeconds(PostgresTicks() / TicksPerSecond));
    }

    /// <summary>The postmaster's pid from the first line of postmaster.pid, or 0.</summary>
    public static int PostmasterPid(string dataDirectory)
    {
        var file = Path.Combine(dataDirectory, "postmaster.pid");
        return File.Exists(file) && int.TryParse(File.ReadLines(file).FirstOrDefault(), out var pid) ? pid : 0;
    }

    private long PostgresTicks()
    {
        if (postmasterPid == 0 || !Directory.Exists("/proc")) return 0;
        long ticks = 0;
        foreach (var dir in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(dir), out var pid)) continue;
            string stat;
            try { stat = File.ReadAllText(Path.Combine(dir, "stat")); }
            catch (IOException) { continue; }
            catch (UnauthorizedAccessException) { continue; }
            // Fields after the command name (which is in parentheses and may hold spaces).
            var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
            var parent = int.Parse(fields[1], CultureInfo.InvariantCulture);
            if (pid != postmasterPid && parent != postmasterPid) continue;
            ticks += long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture);
        }
        return ticks;
    }
}
