using System.Buffers;
using System.Text;
using System.Text.Json;
using CompliancePortal.Core.Ledger;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace CompliancePortal.Core.FileLog;

/// <summary>
/// The seed's file tier: every committed ledger entry as one JSON line in a daily file
/// (audit-YYYY-MM-DD.jsonl, by the entry's UTC receive date). It follows the ledger by seq
/// after commit instead of sitting in the ingest path, so it never slows or blocks ingest, holds
/// exactly the committed entries, and after a crash resumes from the last complete line.
/// A line is the entry's canonical JSON with previous_hash and current_hash added at the end.
/// </summary>
public sealed class FileLogWriter(
    NpgsqlDataSource dataSource,
    LedgerCommitSignal committed,
    string folder,
    ILogger<FileLogWriter> logger) : BackgroundService
{
    private const int PageSize = 5000;

    /// <summary>Reused for every page (one reader loop at a time).</summary>
    private readonly ArrayBufferWriter<byte> _lines = new(1 << 20);

    public string Folder { get; } = folder;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        Directory.CreateDirectory(Folder);
        var inbox = committed.Follow();
        var last = RecoverLastSeq();
        var read = true;
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                if (read)
                {
                    int written;
                    do
                    {
                        (written, last) = await AppendPageAsync(last, stoppingToken);
                    } while (written == PageSize);
                    read = false;
                }
                // What this process's writer committed is handed over; anything else (a wake-up,
                // a gap, the poll) is read from the ledger.
                var handed = await inbox.TakeAsync(TimeSpan.FromSeconds(1), stoppingToken);
                var following = handed is { Count: > 0 } ? LedgerInbox.FollowingOn(handed, last) : null;
                if (following is null) read = true;
                else if (following.Count > 0) last = await AppendEntriesAsync(following, stoppingToken);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex)
            {
                logger.LogWarning(ex, "File log is behind the ledger; retrying");
                read = true;
                await Task.Delay(TimeSpan.FromSeconds(2), stoppingToken).ContinueWith(_ => { }, CancellationToken.None);
            }
        }
    }

    /// <summary>Appends handed-over entries (ascending seq, following on from the file) and returns the last seq.</summary>
    private async Task<long> AppendEntriesAsync(IReadOnlyList<CommittedEntry> entries, CancellationToken ct)
    {
        var lines = _lines;
        lines.ResetWrittenCount();
        string? fileDay = null;
        foreach (var entry in entries)
        {
            var day = Formats.Day(entry.Event.ReceivedAt.UtcDateTime);
            if (day != fileDay)
            {
                if (fileDay is not null) await AppendToFileAsync(fileDay, lines, ct);
                fileDay = day;
            }
            AppendLine(lines, entry.Canonical, entry.PreviousHash, entry.CurrentHash);
        }
        if (fileDay is not null) await AppendToFileAsync(fileDay, lines, ct);
        return entries[^1].Seq;
    }

    private async Task<(int Written, long Last)> AppendPageAsync(long after, CancellationToken ct)
    {
        await using var cmd = dataSource.CreateCommand(
            "SELECT seq, created_at, canonical, previous_hash, current_hash FROM audit_log WHERE seq > $1 ORDER BY seq LIMIT $2");
        cmd.Parameters.Add(new() { Value = after });
        cmd.Parameters.Add(new() { Value = PageSize });
        await using var reader = await cmd.ExecuteReaderAsync(ct);
        var count = 0;
        var last = after;
        // A page's lines are assembled in memory and written with one call per file, so the
        // follower costs little next to the ingest it follows.
        var lines = _lines;
        lines.ResetWrittenCount();
        string? fileDay = null;
        while (await reader.ReadAsync(ct))
        {
            var seq = reader.GetInt64(0);
            var day = Formats.Day(reader.GetDateTime(1));
            if (day != fileDay)
            {
                if (fileDay is not null) await AppendToFileAsync(fileDay, lines, ct);
                fileDay = day;
            }
            AppendLine(lines, reader.GetFieldValue<byte[]>(2), reader.GetString(3), reader.GetString(4));
            last = seq;
            count++;
        }
        if (fileDay is not null) await AppendToFileAsync(fileDay, lines, ct);
        return (count, last);
    }

    private async Task AppendToFileAsync(string day, ArrayBufferWriter<byte> lines, CancellationToken ct)
    {
        await using (var file = new FileStream(PathFor(day), FileMode.Append, FileAccess.Write, FileShare.Read))
        {
            await file.WriteAsync(lines.WrittenMemory, ct);
            await file.FlushAsync(CancellationToken.None);
        }
        lines.ResetWrittenCount();
    }


    /// <summary>One line: the canonical JSON with previous_hash and current_hash added at the end.</summary>
    private static void AppendLine(ArrayBufferWriter<byte> lines, byte[] canonical, string previousHash, string currentHash)
    {
        lines.Write(canonical.AsSpan(0, canonical.Length - 1));
        lines.Write(",\"previous_hash\":\""u8);
        WriteAscii(lines, previousHash);
        lines.Write("\",\"current_hash\":\""u8);
        WriteAscii(lines, currentHash);
        lines.Write("\"}\n"u8);
    }

    private static void WriteAscii(ArrayBufferWriter<byte> lines, string hex)
    {
        var span = lines.GetSpan(hex.Length);
        lines.Advance(Encoding.ASCII.GetBytes(hex, span));
    }

    private string PathFor(string day) => Path.Combine(Folder, $"audit-{day}.jsonl");

    /// <summary>The seq of the last complete line in the newest file; a torn last line is cut off.</summary>
    private long RecoverLastSeq()
    {
        var newest = Directory.GetFiles(Folder, "audit-*.jsonl").OrderDescending(StringComparer.Ordinal).ToList();
        foreach (var path in newest)
        {
            // Only the tail is read: one line is at most one event (64 KiB) plus its envelope.
            using var f = new FileStream(path, FileMode.Open, FileAccess.ReadWrite);
            var offset = Math.Max(0, f.Length - 256 * 1024);
            f.Position = offset;
            var bytes = new byte[f.Length - offset];
            f.ReadExactly(bytes);
            var end = bytes.Length;
            if (end > 0 && bytes[end - 1] != (byte)'\n')
            {
                end = Array.LastIndexOf(bytes, (byte)'\n') + 1;
                f.SetLength(offset + end);
                logger.LogWarning("Cut a torn last line from {Path}", path);
            }
            if (end == 0) continue;
            var start = end >= 2 ? Array.LastIndexOf(bytes, (byte)'\n', end - 2) + 1 : 0;
            using var doc = JsonDocument.Parse(bytes.AsMemory(start, end - start));
            return doc.RootElement.GetProperty("seq").GetInt64();
        }
        return 0;
    }
}
