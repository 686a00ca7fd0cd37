using System.IO.Compression;
using System.Security.Cryptography;
using System.Text.Json;
using CompliancePortal.Core.Archive;
using CompliancePortal.Core.Ledger;
using CompliancePortal.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace CompliancePortal.Tests.Archive;

/// <summary>A day of the real ledger archived to a real store, every hash recomputed by the test.</summary>
[Collection(PostgresCollection.Name)]
public sealed class DailyArchiveTests(PostgresFixture postgres) : PortalTest(postgres)
{
    private readonly string _root = Path.Combine(Path.GetTempPath(), "cp-daily-" + Guid.NewGuid().ToString("N")[..8]);

    public override async Task DisposeAsync()
    {
        await base.DisposeAsync();
        try { Directory.Delete(_root, recursive: true); } catch (DirectoryNotFoundException) { }
    }

    [Fact]
    public async Task Archive_Day_ObjectsReadBackMatchTheManifestAndTheLedger_AndARerunAddsNothing()
    {
        await Client.PostNdJsonAsync(Enumerable.Range(1, 30).Select(i => IngestClient.Trade(i)), Key);
        await Client.PostNdJsonAsync(Enumerable.Range(1, 5).Select(i => $$"""{"log_type":"SYSTEM","event":"api_call","latency_ms":{{i}}}"""), Key);
        var store = new LocalFolderArchiveStore(_root);
        var archive = new DailyArchive(Portal.Services.GetRequiredService<Npgsql.NpgsqlDataSource>(), store);
        var today = DateOnly.FromDateTime(DateTime.UtcNow);

        var (manifest, written) = await archive.ArchiveAsync(today);

        Assert.True(written);
        Assert.Equal(35, manifest.Count);
        Assert.Equal(["SYSTEM", "TRADE"], manifest.Objects.Select(o => o.LogType));
        Assert.Equal(1, manifest.FirstSeq);
        Assert.Equal(35, manifest.LastSeq);
        Assert.Equal(ChainHash.Genesis, manifest.FirstPreviousHash);
        Assert.Equal(await Db.ScalarAsync("SELECT current_hash FROM audit_log WHERE seq = 35"), manifest.LastCurrentHash);
        foreach (var o in manifest.Objects)
        {
            await using var stream = (await store.OpenReadAsync(o.Key))!;
            using var bytes = new MemoryStream();
            await stream.CopyToAsync(bytes);
            Assert.Equal(o.Sha256, Convert.ToHexStringLower(SHA256.HashData(bytes.ToArray())));
            bytes.Position = 0;
            using var lines = new StreamReader(new GZipStream(bytes, CompressionMode.Decompress));
            var seqs = new List<long>();
            while (await lines.ReadLineAsync() is { } line)
            {
                using var entry = JsonDocument.Parse(line);
                Assert.Equal(o.LogType, entry.RootElement.GetProperty("log_type").GetString());
                var seq = entry.RootElement.GetProperty("seq").GetInt64();
                Assert.Equal(await Db.ScalarAsync($"SELECT current_hash FROM audit_log WHERE seq = {seq}"), entry.RootElement.GetProperty("current_hash").GetString());
                seqs.Add(seq);
            }
            Assert.Equal(o.Count, seqs.Count);
            Assert.Equal(o.FirstSeq, seqs[0]);
            Assert.Equal(o.LastSeq, seqs[^1]);
        }

        var files = Directory.GetFiles(_root, "*", SearchOption.AllDirectories).Length;
        var (again, wroteAgain) = await archive.ArchiveAsync(today);
        Assert.False(wroteAgain);
        Assert.Equal(manifest.LastCurrentHash, again.LastCurrentHash);
        Assert.Equal(files, Directory.GetFiles(_root, "*", SearchOption.AllDirectories).Length);
    }

    [Fact]
    public async Task Archive_AfterACrashBeforeTheManifest_ReusesIdenticalObjectsAndRefusesDifferentOnes()
    {
        await Client.PostNdJsonAsync(Enumerable.Range(1, 3).Select(i => IngestClient.Trade(i)), Key);
        var store = new LocalFolderArchiveStore(_root);
        var archive = new DailyArchive(Portal.Services.GetRequiredService<Npgsql.NpgsqlDataSource>(), store);
        var today = DateOnly.FromDateTime(DateTime.UtcNow);
        var (manifest, _) = await archive.ArchiveAsync(today);
        await store.DeleteAsync(DailyArchive.ManifestKey(today));

        var (rebuilt, written) = await archive.ArchiveAsync(today);
        Assert.True(written);
        Assert.Equal(manifest.Objects.Single().Sha256, rebuilt.Objects.Single().Sha256);

        await store.DeleteAsync(DailyArchive.ManifestKey(today));
        var trade = rebuilt.Objects.Single().Key;
        await store.DeleteAsync(trade);
        await store.PutAsync(trade, new MemoryStream([1, 2, 3]), "application/gzip");
        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => archive.ArchiveAsync(today));
        Assert.Contains("different content", error.Message);
    }
}
