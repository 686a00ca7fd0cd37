namespace CompliancePortal.Core.Archive;

/// <summary>An object as listed by an archive store.</summary>
public sealed record ArchiveObject(string Key, long Size);

/// <summary>How long an object must stay unchangeable (S3 Object Lock); null for no lock.</summary>
public sealed record RetentionRule(string Mode, DateTimeOffset RetainUntil);

/// <summary>
/// Where archives, snapshots, blotters, packages and documents live outside PostgreSQL: a local
/// folder by default, or an S3 bucket. Keys are '/'-separated paths of letters, digits and
/// <c>-_.=</c>; objects are written whole (never visible half-written) and read as streams.
/// </summary>
public interface IArchiveStore
{
    /// <summary>Stores <paramref name="content"/> under <paramref name="key"/>, replacing nothing: an existing key is refused.</summary>
    Task PutAsync(string key, Stream content, string contentType, RetentionRule? retention = null, CancellationToken ct = default);

    /// <summary>The object's bytes as a stream the caller disposes, or null when there is no such key.</summary>
    Task<Stream?> OpenReadAsync(string key, CancellationToken ct = default);

    Task<bool> ExistsAsync(string key, CancellationToken ct = default);

    /// <summary>Objects whose key starts with <paramref name="prefix"/>, in key order.</summary>
    IAsyncEnumerable<ArchiveObject> ListAsync(string prefix, CancellationToken ct = default);

    /// <summary>Removes an object (retention permitting); true when it existed.</summary>
    Task<bool> DeleteAsync(string key, CancellationToken ct = default);
}

/// <summary>Thrown when a key is already taken: archives are written once.</summary>
public sealed class ArchiveObjectExistsException(string key) : Exception($"archive object '{key}' already exists");

public static class ArchiveKeys
{
    /// <summary>Everything the daily archive writes lives under this prefix.</summary>
    public const string Ledger = "ledger/";

    /// <summary>
    /// One prefix per log type for the archived entries (ledger/TRADE/, ledger/SYSTEM/, ...), so
    /// bucket lifecycle rules, which select objects by prefix, can keep each record type for its
    /// own period. Day manifests stay under ledger/YYYY/MM/DD/, outside every type's prefix.
    /// </summary>
    public static string LedgerTypePrefix(string logType) => $"{Ledger}{logType}/";

    /// <summary>The archive object of one UTC day of one log type.</summary>
    public static string LedgerObject(DateOnly day, string logType) =>
        Check($"{LedgerTypePrefix(logType)}{day:yyyy}/{day:MM}/{day:dd}/{logType}.ndjson.gz");

    /// <summary>Refuses keys that could escape the store's root or that S3 would treat differently.</summary>
    public static string Check(string key)
    {
        if (string.IsNullOrEmpty(key) || key.Length > 512 || key.StartsWith('/') || key.EndsWith('/')
            || key.Split('/').Any(part => part is "" or "." or ".." || part.Any(c => !(char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.' or '='))))
            throw new ArgumentException($"'{key}' is not a valid archive key", nameof(key));
        return key;
    }
}

/// <summary>SHA-256 of stored objects and local files, as manifests and ledger entries record them (lower-case hex).</summary>
public static class ArchiveHashes
{
    public static async Task<string> OfObjectAsync(IArchiveStore store, string key, CancellationToken ct = default) =>
        await OfObjectOrNullAsync(store, key, ct) ?? throw new InvalidOperationException($"{key} is missing");

    /// <summary>The object's SHA-256, or null when there is no such key.</summary>
    public static async Task<string?> OfObjectOrNullAsync(IArchiveStore store, string key, CancellationToken ct = default)
    {
        await using var stream = await store.OpenReadAsync(key, ct);
        return stream is null ? null : Convert.ToHexStringLower(await System.Security.Cryptography.SHA256.HashDataAsync(stream, ct));
    }

    public static async Task<string> OfFileAsync(string path, CancellationToken ct = default)
    {
        await using var stream = File.OpenRead(path);
        return Convert.ToHexStringLower(await System.Security.Cryptography.SHA256.HashDataAsync(stream, ct));
    }
}
