using System.Diagnostics;
using System.Globalization;
using Npgsql;

namespace CompliancePortal.Bench;

/// <summary>What a contestant used between two readings of a <see cref="ResourceMeter"/>.</summary>
public readonly record struct Usage(TimeSpan Process, TimeSpan Postgres, long WalBytes, long WalFullPages)
{
    public static Usage operator -(Usage after, Usage before) => new(
        after.Process - before.Process, after.Postgres - before.Postgres,
        after.WalBytes - before.WalBytes, after.WalFullPages - before.WalFullPages);
}

/// <summary>
/// CPU time spent by this process and by the PostgreSQL cluster's processes (the postmaster's
/// children: backends, WAL writer, checkpointer), and the WAL the cluster wrote (pg_stat_wal:
/// bytes, and full-page images, which follow each checkpoint), between two readings. Shows where
/// the time of a contestant goes on a machine where both share the same cores. Linux only (reads
/// /proc); elsewhere the cluster's CPU reads as zero.
/// </summary>
public sealed class ResourceMeter(int postmasterPid, string adminConnectionString)
{
    private static readonly double TicksPerSecond = 100; // USER_HZ on Linux

    public async Task<Usage> ReadAsync(CancellationToken ct = default)
    {
        // CPU first: a backend that has just closed its connection is still in /proc for a moment.
        using var self = Process.GetCurrentProcess();
        var process = self.TotalProcessorTime;
        var postgres = TimeSpan.FromSeconds(PostgresTicks() / TicksPerSecond);
        await using var connection = new NpgsqlConnection(adminConnectionString);
        await connection.OpenAsync(ct);
        await using var wal = new NpgsqlCommand("SELECT wal_bytes::bigint, wal_fpi FROM pg_stat_wal", connection);
        await using var r = await wal.ExecuteReaderAsync(ct);
        await r.ReadAsync(ct);
        return new Usage(process, postgres, r.GetInt64(0), r.GetInt64(1));
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
