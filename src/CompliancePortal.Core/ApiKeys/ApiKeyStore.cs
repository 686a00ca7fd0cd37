using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;
using CompliancePortal.Core.Data;
using Microsoft.EntityFrameworkCore;

namespace CompliancePortal.Core.ApiKeys;

/// <summary>
/// Finds the key behind an X-Api-Key header. Lookups are cached for a few seconds because every
/// ingest request needs one; a revocation therefore takes effect within <see cref="CacheFor"/>.
/// </summary>
public sealed class ApiKeyStore(IDbContextFactory<PortalDbContext> contexts, TimeProvider time)
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
}
