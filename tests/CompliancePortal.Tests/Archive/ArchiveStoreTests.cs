using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;
using Amazon.Runtime;
using CompliancePortal.Core.Archive;
using CompliancePortal.Tests.Infrastructure;

namespace CompliancePortal.Tests.Archive;

/// <summary>Both archive stores behave the same: write once, read back byte for byte, list, delete.</summary>
public abstract class ArchiveStoreContract
{
    protected abstract IArchiveStore Store { get; }

    private static byte[] Bytes(int size) => RandomNumberGenerator.GetBytes(size);

    private async Task<byte[]> ReadAsync(string key)
    {
        await using var stream = await Store.OpenReadAsync(key) ?? throw new InvalidOperationException("missing " + key);
        using var copy = new MemoryStream();
        await stream.CopyToAsync(copy);
        return copy.ToArray();
    }

    [Fact]
    public async Task PutThenGet_ReturnsTheSameBytes()
    {
        var data = Bytes(10_000);
        await Store.PutAsync("archive/2026/11/26/TRADE.ndjson.gz", new MemoryStream(data), "application/gzip");

        Assert.Equal(data, await ReadAsync("archive/2026/11/26/TRADE.ndjson.gz"));
        Assert.True(await Store.ExistsAsync("archive/2026/11/26/TRADE.ndjson.gz"));
        Assert.Null(await Store.OpenReadAsync("archive/2026/11/26/NONE.ndjson.gz"));
    }

    [Fact]
    public async Task Put_ExistingKey_IsRefusedAndKeepsTheFirstObject()
    {
        await Store.PutAsync("once/object.json", new MemoryStream(Encoding.UTF8.GetBytes("first")), "application/json");

        await Assert.ThrowsAsync<ArchiveObjectExistsException>(() =>
            Store.PutAsync("once/object.json", new MemoryStream(Encoding.UTF8.GetBytes("second")), "application/json"));
        Assert.Equal("first", Encoding.UTF8.GetString(await ReadAsync("once/object.json")));
    }

    [Fact]
    public async Task ListAndDelete_SeeExactlyThePrefix()
    {
        foreach (var key in new[] { "list/a/1.txt", "list/a/2.txt", "list/b/3.txt" })
            await Store.PutAsync(key, new MemoryStream([1, 2, 3]), "text/plain");

        var listed = new List<string>();
        await foreach (var o in Store.ListAsync("list/a/")) listed.Add(o.Key);
        Assert.Equal(["list/a/1.txt", "list/a/2.txt"], listed);

        Assert.True(await Store.DeleteAsync("list/a/1.txt"));
        Assert.False(await Store.DeleteAsync("list/a/1.txt"));
        Assert.False(await Store.ExistsAsync("list/a/1.txt"));
    }

    [Theory]
    [InlineData("../escape.txt")]
    [InlineData("/absolute.txt")]
    [InlineData("a//b.txt")]
    [InlineData("spaces not allowed.txt")]
    public async Task Put_UnsafeKey_IsRefused(string key)
    {
        await Assert.ThrowsAsync<ArgumentException>(() => Store.PutAsync(key, new MemoryStream([1]), "text/plain"));
    }
}

public sealed class LocalFolderArchiveStoreTests : ArchiveStoreContract, IDisposable
{
    private readonly LocalFolderArchiveStore _store = new(Path.Combine(Path.GetTempPath(), "cp-archive-" + Guid.NewGuid().ToString("N")[..8]));

    protected override IArchiveStore Store => _store;

    [Fact]
    public async Task Put_LeavesNoPartialFileBehind()
    {
        await _store.PutAsync("x/y.bin", new MemoryStream(new byte[100]), "application/octet-stream");

        Assert.Equal(["y.bin"], Directory.GetFiles(Path.Combine(_store.Root, "x")).Select(Path.GetFileName));
    }

    public void Dispose()
    {
        try { Directory.Delete(_store.Root, recursive: true); } catch (DirectoryNotFoundException) { }
    }
}

public sealed class S3ArchiveStoreTests : ArchiveStoreContract, IClassFixture<S3rverFixture>, IDisposable
{
    private readonly RecordingHttpClientFactory _http = new();
    private readonly S3ArchiveStore _store;
    private readonly S3ArchiveOptions _options;

    public S3ArchiveStoreTests(S3rverFixture s3)
    {
        _options = new S3ArchiveOptions
        {
            ServiceUrl = s3.ServiceUrl,
            Bucket = "compliance-" + Guid.NewGuid().ToString("N")[..8],
            AccessKey = "S3RVER",
            SecretKey = "S3RVER",
            PartSizeBytes = 5 * 1024 * 1024,
        };
        _store = new S3ArchiveStore(_options, _http);
        _store.EnsureBucketAsync().GetAwaiter().GetResult();
    }

    protected override IArchiveStore Store => _store;

    [Fact]
    public async Task Put_LargeObject_GoesAsMultipartAndReadsBackIntact()
    {
        var data = RandomNumberGenerator.GetBytes(12 * 1024 * 1024 + 123);

        await _store.PutAsync("big/package.zip", new MemoryStream(data), "application/zip");

        await using var stream = (await _store.OpenReadAsync("big/package.zip"))!;
        using var copy = new MemoryStream();
        await stream.CopyToAsync(copy);
        Assert.Equal(SHA256.HashData(data), SHA256.HashData(copy.ToArray()));
        Assert.Equal(3, _http.Requests.Count(r => r.Method == "PUT" && r.Url.Contains("partNumber=")));
    }

    [Fact]
    public async Task Put_WithRetention_SendsObjectLockHeaders()
    {
        var until = new DateTimeOffset(2033, 11, 27, 0, 0, 0, TimeSpan.Zero);

        await _store.PutAsync("locked/manifest.json", new MemoryStream([1, 2]), "application/json", new RetentionRule("COMPLIANCE", until));

        var put = _http.Requests.Single(r => r.Method == "PUT" && r.Url.Contains("locked/manifest.json"));
        Assert.Equal("COMPLIANCE", put.Headers["x-amz-object-lock-mode"]);
        Assert.StartsWith("2033-11-27T00:00:00", put.Headers["x-amz-object-lock-retain-until-date"]);
    }

    [Fact]
    public async Task Put_WithObjectLockModeConfigured_LocksRecordsForTheirRetention_AndLeavesWorkingCopiesUnlocked()
    {
        var http = new RecordingHttpClientFactory();
        using var locked = new S3ArchiveStore(new S3ArchiveOptions
        {
            ServiceUrl = _options.ServiceUrl, Bucket = _options.Bucket, AccessKey = "S3RVER", SecretKey = "S3RVER", ObjectLockMode = "GOVERNANCE",
        }, http);
        var before = DateTimeOffset.UtcNow;

        foreach (var key in new[] { "ledger/SYSTEM/2026/11/26/SYSTEM.ndjson.gz", "ledger/TRADE/2026/11/26/TRADE.ndjson.gz", "blotters/2026/11/blotter_2026-11-26.csv", "packages/p1/package.zip", "backups/2026/11/27/portal.dump" })
            await locked.PutAsync(key, new MemoryStream([1]), "application/octet-stream");

        DateTimeOffset? LockedUntil(string key)
        {
            var put = http.Requests.Single(r => r.Method == "PUT" && r.Url.Contains(key));
            if (!put.Headers.TryGetValue("x-amz-object-lock-retain-until-date", out var until)) return null;
            Assert.Equal("GOVERNANCE", put.Headers["x-amz-object-lock-mode"]);
            return DateTimeOffset.Parse(until, System.Globalization.CultureInfo.InvariantCulture);
        }
        Assert.Equal(365, (LockedUntil("ledger/SYSTEM/")!.Value - before).TotalDays, 0.01);
        Assert.Equal(2555, (LockedUntil("ledger/TRADE/")!.Value - before).TotalDays, 0.01);
        Assert.Equal(2555, (LockedUntil("blotters/")!.Value - before).TotalDays, 0.01);
        Assert.Null(LockedUntil("packages/"));
        Assert.Null(LockedUntil("backups/"));
        Assert.Throws<InvalidOperationException>(() => new S3ArchiveStore(new S3ArchiveOptions { ServiceUrl = _options.ServiceUrl, Bucket = "b", ObjectLockMode = "forever" }));
    }

    public void Dispose() => _store.Dispose();

    /// <summary>Lets the test see what the SDK sent (s3rver accepts Object Lock headers but ignores them).</summary>
    private sealed class RecordingHttpClientFactory : HttpClientFactory
    {
        public ConcurrentQueue<(string Method, string Url, Dictionary<string, string> Headers)> Requests { get; } = new();

        public override HttpClient CreateHttpClient(IClientConfig clientConfig) => new(new Recorder(this, new HttpClientHandler()));

        private sealed class Recorder(RecordingHttpClientFactory owner, HttpMessageHandler inner) : DelegatingHandler(inner)
        {
            protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
            {
                var headers = request.Headers.Concat(request.Content?.Headers ?? Enumerable.Empty<KeyValuePair<string, IEnumerable<string>>>())
                    .ToDictionary(h => h.Key.ToLowerInvariant(), h => string.Join(",", h.Value));
                owner.Requests.Enqueue((request.Method.Method, request.RequestUri!.ToString(), headers));
                return base.SendAsync(request, cancellationToken);
            }
        }
    }
}
