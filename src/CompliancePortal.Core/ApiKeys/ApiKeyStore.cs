using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;
using CompliancePortal.Core.Audit;
using CompliancePortal.Core.Data;
using Microsoft.EntityFrameworkCore;

namespace CompliancePortal.Core.ApiKeys;

/// <summary>
/// Finds the key behind an X-Api-Key header. Lookups are cached for a few seconds because every
/// ingest request needs one; a revocation therefore takes effect within <see cref="CacheFor"/>.
/// </summary>
public sealed class ApiKeyStore(IDbContextFactory<PortalDbContext> contexts, UserActionLog log, TimeProvider time)
{
    public static readonly TimeSpan CacheFor = TimeSpan.FromSeconds(5);

    private readonly ConcurrentDictionary<string, (ApiKey? Key, DateTimeOffset Until)> _cache = new();

    public static string Hash(string key) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(key)));

    /// <summary>A new random key: shown once, stored only as its hash.</summary>
    public static string NewKey() => "cpk_" + Convert.ToBase64String(RandomNumberGenerator.GetBytes(24))
        .Replace('+', '-').Replace('/', '_');

    public async Task<ApiKey?> FindActiveAsync(string presentedKey, CancellationToken ct)
    {
        var hash = Hash(presentedKey);
        var now = time.GetUtcNow();
        if (_cache.TryGetValue(hash, out var cached) && cached.Until > now) return cached.Key;

        await using var db = await contexts.CreateDbContextAsync(ct);
        var key = await db.ApiKeys.AsNoTracking().SingleOrDefaultAsync(k => k.KeyHash == hash && k.RevokedAt == null, ct);
        if (_cache.Count > 10_000) _cache.Clear(); // wrong keys must not grow the cache without bound
        _cache[hash] = (key, now + CacheFor);
        return key;
    }

    /// <summary>Creates or replaces the named key (used for the demo key at start-up).</summary>
    public async Task UpsertAsync(string name, string presentedKey, string[] logTypes, bool canVerify, CancellationToken ct)
    {
        await using var db = await contexts.CreateDbContextAsync(ct);
        var key = await db.ApiKeys.SingleOrDefaultAsync(k => k.Name == name, ct);
        if (key is null)
        {
            key = new ApiKey { Name = name, KeyHash = Hash(presentedKey), LogTypes = logTypes, CreatedAt = time.GetUtcNow() };
            db.ApiKeys.Add(key);
        }
        key.KeyHash = Hash(presentedKey);
        key.LogTypes = logTypes;
        key.CanVerify = canVerify;
        key.RevokedAt = null;
        await db.SaveChangesAsync(ct);
        _cache.Clear();
    }

    public async Task<IReadOnlyList<ApiKey>> ListAsync(CancellationToken ct)
    {
        await using var db = await contexts.CreateDbContextAsync(ct);
        return await db.ApiKeys.AsNoTracking().OrderBy(k => k.Name).ToListAsync(ct);
    }

    /// <summary>Makes a new key (a ledger entry says who and with which grants); the returned plain key is the only time anyone sees it.</summary>
    /// <param name="defaultLogType">For CLEF and OTLP records without a log_type: one of <paramref name="logTypes"/>, or null.</param>
    public async Task<(ApiKey Key, string PlainKey)> CreateAsync(Actor actor, string name, IReadOnlyCollection<string> logTypes, bool canVerify,
        string? defaultLogType, CancellationToken ct)
    {
        name = name.Trim();
        if (!System.Text.RegularExpressions.Regex.IsMatch(name, "^[a-z0-9][a-z0-9_-]{1,63}$"))
            throw new ArgumentException("A key name is 2-64 lower-case letters, digits, '-' or '_'.", nameof(name));
        if (logTypes.Count == 0 || logTypes.Any(t => !Ledger.LogTypes.IsKnown(t)))
            throw new ArgumentException("Grant at least one known log type.", nameof(logTypes));
        if (defaultLogType is not null && !logTypes.Contains(defaultLogType))
            throw new ArgumentException($"The default log type must be one the key may write ({string.Join(", ", logTypes)}).", nameof(defaultLogType));
        await using var db = await contexts.CreateDbContextAsync(ct);
        if (await db.ApiKeys.AnyAsync(k => k.Name == name, ct))
            throw new ArgumentException($"A key named '{name}' already exists (names stay unique even after revocation: they are ledger sources).", nameof(name));
        var plain = NewKey();
        var key = new ApiKey { Name = name, KeyHash = Hash(plain), LogTypes = [.. logTypes], CanVerify = canVerify, DefaultLogType = defaultLogType, CreatedAt = time.GetUtcNow() };
        db.ApiKeys.Add(key);
        await db.SaveChangesAsync(ct);
        await log.RecordAsync(actor, "api_key_created", new { key = key.Name, log_types = key.LogTypes, can_verify = key.CanVerify, default_log_type = key.DefaultLogType });
        return (key, plain);
    }

    /// <summary>Revokes a key: refused from now on in this process, within <see cref="CacheFor"/> in others.</summary>
    public async Task<ApiKey?> RevokeAsync(Actor actor, int id, CancellationToken ct)
    {
        await using var db = await contexts.CreateDbContextAsync(ct);
        var key = await db.ApiKeys.SingleOrDefaultAsync(k => k.Id == id, ct);
        if (key is null || key.RevokedAt is not null) return key;
        key.RevokedAt = time.GetUtcNow();
        await db.SaveChangesAsync(ct);
        _cache.Clear();
        await log.RecordAsync(actor, "api_key_revoked", new { key = key.Name });
        return key;
    }
}
