using System.Diagnostics;
using System.Globalization;
using Npgsql;

namespace CompliancePortal.Bench;

/// <summary>
/// What a contestant used between two readings of a <see cref="ResourceMeter"/>: this process,
/// all of PostgreSQL, of which <see cref="Indexer"/> is the full-text indexer's backend, and the
/// WAL; <see cref="Clients"/> is the load process's CPU, as it reported it.
/// </summary>
public readonly record struct Usage(TimeSpan Process, TimeSpan Postgres, long WalBytes, long WalFullPages, TimeSpan Indexer = default, TimeSpan Background = default)
{
    public TimeSpan Clients { get; init; }

    /// <summary>PostgreSQL's client backends but the indexer's: the statements the portal waits for.</summary>
    public TimeSpan Backends => Postgres - Indexer - Background;

    public static Usage operator -(Usage after, Usage before) => new(
        after.Process - before.Process, after.Postgres - before.Postgres,
        after.WalBytes - before.WalBytes, after.WalFullPages - before.WalFullPages, after.Indexer - before.Indexer,
        after.Background - before.Background);
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
        var (all, background) = PostgresTicks();
        await using var connection = new NpgsqlConnection(adminConnectionString);
        await connection.OpenAsync(ct);
        // The indexer's backends are the ones holding its stages' leases (FullTextIndexer's advisory locks).
        await using var wal = new NpgsqlCommand("""
            SELECT wal_bytes::bigint, wal_fpi,
                   ARRAY(SELECT pid FROM pg_locks WHERE locktype = 'advisory' AND objsubid = 1 AND granted
                      AND ((classid::bigint << 32) | objid::bigint) IN (hashtext($1)::bigint, hashtext($2)::bigint))
            FROM pg_stat_wal
            """, connection);
        wal.Parameters.Add(new() { Value = Core.Search.FullTextIndexer.VectorsLease });
        wal.Parameters.Add(new() { Value = Core.Search.FullTextIndexer.IndexLease });
        await using var r = await wal.ExecuteReaderAsync(ct);
        await r.ReadAsync(ct);
        var indexer = r.GetFieldValue<int[]>(2).Sum(ProcessTicks);
        return new Usage(process, Seconds(all), r.GetInt64(0), r.GetInt64(1), Seconds(indexer), Seconds(background));
    }

    /// <summary>The postmaster's pid from the first line of postmaster.pid, or 0.</summary>
    public static int PostmasterPid(string dataDirectory)
    {
        var file = Path.Combine(dataDirectory, "postmaster.pid");
        return File.Exists(file) && int.TryParse(File.ReadLines(file).FirstOrDefault(), out var pid) ? pid : 0;
    }

    /// <summary>
    /// CPU ticks of the whole cluster, and of its background part: the postmaster, its maintenance
    /// processes (autovacuum, checkpointer, writers) and every child that has exited (the
    /// postmaster's reaped children: mostly autovacuum workers; the portal's backends are pooled).
    /// </summary>
    private (long All, long Background) PostgresTicks()
    {
        if (postmasterPid == 0 || !Directory.Exists("/proc")) return (0, 0);
        long all = 0, background = 0;
        foreach (var dir in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(dir), out var pid) || Stat(pid) is not { } stat) continue;
            if (pid == postmasterPid)
            {
                all += stat.Ticks + stat.ReapedTicks;
                background += stat.Ticks + stat.ReapedTicks;
            }
            else if (stat.Parent == postmasterPid)
            {
                all += stat.Ticks;
                if (IsMaintenance(pid)) background += stat.Ticks;
            }
        }
        return (all, background);
    }

    private static bool IsMaintenance(int pid)
    {
        try
        {
            var title = File.ReadAllText($"/proc/{pid}/cmdline");
            return title.Contains("autovacuum", StringComparison.Ordinal) || title.Contains("checkpointer", StringComparison.Ordinal)
                || title.Contains("writer", StringComparison.Ordinal) || title.Contains("launcher", StringComparison.Ordinal);
        }
        catch (IOException) { return false; }
        catch (UnauthorizedAccessException) { return false; }
    }

    private static TimeSpan Seconds(long ticks) => TimeSpan.FromSeconds(ticks / TicksPerSecond);

    private static long ProcessTicks(int pid) => pid > 0 && Stat(pid) is { } stat ? stat.Ticks : 0;

    /// <summary>A process's parent, CPU ticks (user + system) and its reaped children's, from /proc/pid/stat, or null when it is gone.</summary>
    private static (int Parent, long Ticks, long ReapedTicks)? Stat(int pid)
    {
        string stat;
        try { stat = File.ReadAllText($"/proc/{pid}/stat"); }
        catch (IOException) { return null; }
        catch (UnauthorizedAccessException) { return null; }
        // Fields after the command name (which is in parentheses and may hold spaces).
        var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        long Field(int i) => long.Parse(fields[i], CultureInfo.InvariantCulture);
        return (int.Parse(fields[1], CultureInfo.InvariantCulture), Field(11) + Field(12), Field(13) + Field(14));
    }
}
