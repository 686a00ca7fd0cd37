using System.IO.Compression;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using Npgsql;

namespace CompliancePortal.Core.Archive;

public sealed record ArchivedObject(
    [property: JsonPropertyName("key")] string Key,
    [property: JsonPropertyName("log_type")] string LogType,
    [property: JsonPropertyName("count")] long Count,
    [property: JsonPropertyName("first_seq")] long FirstSeq,
    [property: JsonPropertyName("last_seq")] long LastSeq,
    [property: JsonPropertyName("bytes")] long Bytes,
    [property: JsonPropertyName("sha256")] string Sha256);

/// <summary>manifest.json of one archived day: what each object holds and the chain at its edges.</summary>
public sealed record DayManifest(
    [property: JsonPropertyName("day")] string Day,
    [property: JsonPropertyName("count")] long Count,
    [property: JsonPropertyName("first_seq")] long? FirstSeq,
    [property: JsonPropertyName("last_seq")] long? LastSeq,
    [property: JsonPropertyName("first_previous_hash")] string? FirstPreviousHash,
    [property: JsonPropertyName("last_current_hash")] string? LastCurrentHash,
    [property: JsonPropertyName("objects")] IReadOnlyList<ArchivedObject> Objects);

/// <summary>
/// Archives one UTC day of the ledger (by receive time, as the partitions are cut): per log type a
/// gzip-compressed NDJSON object (each line the entry's canonical JSON plus previous_hash and
/// current_hash, as in the file log), then manifest.json with counts, seq range, the chain's edge
/// hashes and each object's SHA-256. Every object is read back and checked after upload. A rerun
/// stores nothing twice: an existing object must hash the same (else it is an error), and a day
/// whose manifest exists is done.
/// </summary>
public sealed class DailyArchive(NpgsqlDataSource db, IArchiveStore store)
{
    /// <summary>Where a day's manifest lives; its objects are under their log type's prefix (<see cref="ArchiveKeys.LedgerObject"/>).</summary>
    public static string Prefix(DateOnly day) => $"{ArchiveKeys.Ledger}{day:yyyy}/{day:MM}/{day:dd}/";

    public static string ManifestKey(DateOnly day) => Prefix(day) + "manifest.json";

    /// <summary>Archives <paramref name="day"/>; returns its manifest and whether this call wrote it.</summary>
    public async Task<(DayManifest Manifest, bool Written)> ArchiveAsync(DateOnly day, CancellationToken ct = default)
    {
        if (await ReadManifestAsync(day, ct) is { } existing)
        {
            await RecordAsync(day, existing, ct);   // a manifest written before the database kept them
            return (existing, false);
        }

        var from = new DateTimeOffset(day.ToDateTime(TimeOnly.MinValue), TimeSpan.Zero);
        var objects = new List<ArchivedObject>();
        foreach (var logType in await LogTypesOfDayAsync(from, ct))
            objects.Add(await ArchiveLogTypeAsync(day, from, logType, ct));

        var edges = await EdgesAsync(from, ct);
        var manifest = new DayManifest(Formats.Day(day), objects.Sum(o => o.Count),
            edges.FirstSeq, edges.LastSeq, edges.FirstPrevious, edges.LastCurrent, objects);
        var bytes = JsonSerializer.SerializeToUtf8Bytes(manifest, new JsonSerializerOptions { WriteIndented = true });
        await store.PutAsync(ManifestKey(day), new MemoryStream(bytes), "application/json", ct: ct);
        await RecordAsync(day, manifest, ct);
        return (manifest, true);
    }

    /// <summary>
    /// The manifest's objects in archive_manifests: the database lets the retention job remove an
    /// entry only when such a row lists the object its tombstone names (015_retention_guard.sql).
    /// </summary>
    public async Task RecordAsync(DateOnly day, DayManifest manifest, CancellationToken ct = default)
    {
        if (manifest.Objects.Count == 0) return;
        await using var cmd = db.CreateCommand(
            """
            INSERT INTO archive_manifests (day, log_type, object_key, sha256, entries, first_seq, last_seq, manifest_key)
            SELECT $1, o.log_type, o.key, o.sha256, o.entries, o.first_seq, o.last_seq, $2
            FROM unnest($3::text[], $4::text[], $5::text[], $6::bigint[], $7::bigint[], $8::bigint[]) AS o(log_type, key, sha256, entries, first_seq, last_seq)
            ON CONFLICT (day, log_type) DO NOTHING
            """);
        cmd.Parameters.Add(new() { Value = day });
        cmd.Parameters.Add(new() { Value = ManifestKey(day) });
        cmd.Parameters.Add(new() { Value = manifest.Objects.Select(o => o.LogType).ToArray() });
        cmd.Parameters.Add(new() { Value = manifest.Objects.Select(o => o.Key).ToArray() });
        cmd.Parameters.Add(new() { Value = manifest.Objects.Select(o => o.Sha256).ToArray() });
        cmd.Parameters.Add(new() { Value = manifest.Objects.Select(o => o.Count).ToArray() });
        cmd.Parameters.Add(new() { Value = manifest.Objects.Select(o => o.FirstSeq).ToArray() });
        cmd.Parameters.Add(new() { Value = manifest.Objects.Select(o => o.LastSeq).ToArray() });
        await cmd.ExecuteNonQueryAsync(ct);
    }

    public async Task<DayManifest?> ReadManifestAsync(DateOnly day, CancellationToken ct = default)
    {
        await using var stream = await store.OpenReadAsync(ManifestKey(day), ct);
        return stream is null ? null : await JsonSerializer.DeserializeAsync<DayManifest>(stream, cancellationToken: ct);
    }

    private async Task<ArchivedObject> ArchiveLogTypeAsync(DateOnly day, DateTimeOffset from, string logType, CancellationToken ct)
    {
        var key = ArchiveKeys.LedgerObject(day, logType);
        // Written to a temporary file first: memory stays bounded however large the day is.
        var temp = Path.GetTempFileName();
        try
        {
            long count = 0, first = 0, last = 0;
            await using (var file = new FileStream(temp, FileMode.Create, FileAccess.Write))
            await using (var gzip = new GZipStream(file, CompressionLevel.Optimal))
            {
                await using var cmd = db.CreateCommand(
                    """
                    SELECT seq, canonical, previous_hash, current_hash FROM audit_log
                    WHERE created_at >= $1 AND created_at < $2 AND log_type = $3 ORDER BY seq
                    """);
                cmd.Parameters.Add(new() { Value = from });
                cmd.Parameters.Add(new() { Value = from.AddDays(1) });
                cmd.Parameters.Add(new() { Value = logType });
                await using var reader = await cmd.ExecuteReaderAsync(ct);
                while (await reader.ReadAsync(ct))
                {
                    var seq = reader.GetInt64(0);
                    var canonical = reader.GetFieldValue<byte[]>(1);
                    await gzip.WriteAsync(canonical.AsMemory(0, canonical.Length - 1), ct);
                    await gzip.WriteAsync(Encoding.UTF8.GetBytes(
                        $",\"previous_hash\":\"{reader.GetString(2)}\",\"current_hash\":\"{reader.GetString(3)}\"}}\n"), ct);
                    if (count++ == 0) first = seq;
                    last = seq;
                }
            }
            var sha = await ArchiveHashes.OfFileAsync(temp, ct);
            var size = new FileInfo(temp).Length;
            if (await store.ExistsAsync(key, ct))
            {
                // A crash left this object behind before the manifest: it must be the same bytes.
                if (await ArchiveHashes.OfObjectAsync(store, key, ct) != sha)
                    throw new InvalidOperationException($"{key} already exists with different content; the ledger and the archive disagree");
            }
            else
            {
                await using var upload = File.OpenRead(temp);
                await store.PutAsync(key, upload, "application/gzip", ct: ct);
                if (await ArchiveHashes.OfObjectAsync(store, key, ct) != sha)
                    throw new InvalidOperationException($"{key} did not read back as written");
            }
            return new ArchivedObject(key, logType, count, first, last, size, sha);
        }
        finally
        {
            File.Delete(temp);
        }
    }

    private async Task<List<string>> LogTypesOfDayAsync(DateTimeOffset from, CancellationToken ct)
    {
        await using var cmd = db.CreateCommand(
            "SELECT DISTINCT log_type FROM audit_log WHERE created_at >= $1 AND created_at < $2 ORDER BY log_type");
        cmd.Parameters.Add(new() { Value = from });
        cmd.Parameters.Add(new() { Value = from.AddDays(1) });
        var types = new List<string>();
        await using var reader = await cmd.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct)) types.Add(reader.GetString(0));
        return types;
    }

    private async Task<(long? FirstSeq, long? LastSeq, string? FirstPrevious, string? LastCurrent)> EdgesAsync(DateTimeOffset from, CancellationToken ct)
    {
        await using var cmd = db.CreateCommand(
            """
            SELECT (SELECT seq FROM audit_log WHERE created_at >= $1 AND created_at < $2 ORDER BY seq LIMIT 1),
                   (SELECT seq FROM audit_log WHERE created_at >= $1 AND created_at < $2 ORDER BY seq DESC LIMIT 1),
                   (SELECT previous_hash FROM audit_log WHERE created_at >= $1 AND created_at < $2 ORDER BY seq LIMIT 1),
                   (SELECT current_hash FROM audit_log WHERE created_at >= $1 AND created_at < $2 ORDER BY seq DESC LIMIT 1)
            """);
        cmd.Parameters.Add(new() { Value = from });
        cmd.Parameters.Add(new() { Value = from.AddDays(1) });
        await using var reader = await cmd.ExecuteReaderAsync(ct);
        await reader.ReadAsync(ct);
        return (reader.IsDBNull(0) ? null : reader.GetInt64(0), reader.IsDBNull(1) ? null : reader.GetInt64(1),
            reader.IsDBNull(2) ? null : reader.GetString(2), reader.IsDBNull(3) ? null : reader.GetString(3));
    }
}
