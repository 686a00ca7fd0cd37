using System.IO.Compression;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using CompliancePortal.Core.Archive;
using CompliancePortal.Core.Ledger;
using Npgsql;

namespace CompliancePortal.Core.Retention;

/// <summary>
/// Before rows leave PostgreSQL: re-reads their archive object from the store, checks its SHA-256
/// and size against the manifest, and compares it line by line with the rows to remove (same seq,
/// same canonical bytes, same previous and current hash, each hash recomputing). Any difference
/// means the archive is not a faithful copy and nothing may be removed.
/// </summary>
public static class ArchivedDayCheck
{
    private static readonly byte[] HashesSuffixStart = Encoding.ASCII.GetBytes(",\"previous_hash\":\"");

    /// <summary>Null when the archive object holds exactly the rows; otherwise what differs.</summary>
    public static async Task<string?> FindMismatchAsync(IArchiveStore store, ArchivedObject archived, NpgsqlConnection connection,
        DateTimeOffset from, string logType, CancellationToken ct)
    {
        var temp = Path.GetTempFileName();
        try
        {
            try
            {
                await using var source = await store.OpenReadAsync(archived.Key, ct);
                if (source is null) return $"archive object {archived.Key} is missing";
                await using var file = new FileStream(temp, FileMode.Create, FileAccess.Write);
                await source.CopyToAsync(file, ct);
            }
            catch (Exception e) when (e is not OperationCanceledException and not ArgumentException)
            {
                // E.g. an object already moved to GLACIER answers InvalidObjectState until restored.
                return $"archive object {archived.Key} could not be read back: {e.Message}";
            }
            var size = new FileInfo(temp).Length;
            if (size != archived.Bytes) return $"archive object {archived.Key} is {size} bytes, the manifest says {archived.Bytes}";
            await using (var file = File.OpenRead(temp))
            {
                var sha = Convert.ToHexStringLower(await SHA256.HashDataAsync(file, ct));
                if (sha != archived.Sha256) return $"archive object {archived.Key} has SHA-256 {sha}, the manifest says {archived.Sha256}";
            }

            await using var compressed = File.OpenRead(temp);
            await using var gzip = new GZipStream(compressed, CompressionMode.Decompress);
            using var lines = new StreamReader(gzip, new UTF8Encoding(false, true));
            await using var cmd = new NpgsqlCommand(
                """
                SELECT seq, canonical, previous_hash, current_hash FROM audit_log
                WHERE created_at >= $1 AND created_at < $2 AND log_type = $3 ORDER BY seq
                """, connection);
            cmd.Parameters.Add(new() { Value = from });
            cmd.Parameters.Add(new() { Value = from.AddDays(1) });
            cmd.Parameters.Add(new() { Value = logType });
            await using var rows = await cmd.ExecuteReaderAsync(ct);
            long count = 0;
            while (await rows.ReadAsync(ct))
            {
                var seq = rows.GetInt64(0);
                string? line;
                try { line = await lines.ReadLineAsync(ct); }
                catch (Exception e) when (e is InvalidDataException or DecoderFallbackException) { return $"archive object {archived.Key} does not decompress as UTF-8 NDJSON: {e.Message}"; }
                if (line is null) return $"archive object {archived.Key} ends before entry {seq}";
                var problem = CompareLine(line, seq, rows.GetFieldValue<byte[]>(1), rows.GetString(2), rows.GetString(3));
                if (problem is not null) return $"archive object {archived.Key}: {problem}";
                count++;
            }
            try
            {
                if (await lines.ReadLineAsync(ct) is not null) return $"archive object {archived.Key} holds more lines than the {count} stored entries";
            }
            catch (Exception e) when (e is InvalidDataException or DecoderFallbackException) { return $"archive object {archived.Key} does not decompress: {e.Message}"; }
            if (count != archived.Count) return $"the manifest counts {archived.Count} entries in {archived.Key}, PostgreSQL holds {count}";
            return null;
        }
        finally
        {
            File.Delete(temp);
        }
    }

    /// <summary>One archived line against its stored row: canonical JSON plus previous_hash and current_hash.</summary>
    private static string? CompareLine(string line, long seq, byte[] canonical, string previousHash, string currentHash)
    {
        var bytes = Encoding.UTF8.GetBytes(line);
        var at = bytes.AsSpan().LastIndexOf(HashesSuffixStart);
        if (at < 0) return $"the line for entry {seq} has no hashes";
        // The archived line is the canonical JSON with the two hashes added before its closing brace.
        var archivedCanonical = new byte[at + 1];
        bytes.AsSpan(0, at).CopyTo(archivedCanonical);
        archivedCanonical[at] = (byte)'}';
        string? archivedPrevious, archivedCurrent;
        try
        {
            using var doc = JsonDocument.Parse(bytes);
            if (!doc.RootElement.TryGetProperty("seq", out var s) || !s.TryGetInt64(out var archivedSeq) || archivedSeq != seq)
                return $"expected entry {seq} where the archive has another line";
            archivedPrevious = doc.RootElement.TryGetProperty("previous_hash", out var p) ? p.GetString() : null;
            archivedCurrent = doc.RootElement.TryGetProperty("current_hash", out var c) ? c.GetString() : null;
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException)
        {
            return $"the line for entry {seq} is not valid JSON";
        }
        if (!archivedCanonical.AsSpan().SequenceEqual(canonical)) return $"entry {seq}'s archived bytes differ from the stored canonical bytes";
        if (archivedPrevious != previousHash || archivedCurrent != currentHash) return $"entry {seq}'s archived hashes differ from the stored ones";
        if (ChainHash.Compute(archivedPrevious, archivedCanonical) != archivedCurrent) return $"entry {seq}'s archived hash does not recompute";
        return null;
    }
}
