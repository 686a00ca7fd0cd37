using System.Net;
using System.Security.Cryptography;
using CompliancePortal.Core.Accounts;
using CompliancePortal.Core.Archive;
using CompliancePortal.Core.Audit;
using CompliancePortal.Core.Packages;
using CompliancePortal.Core.Search;
using CompliancePortal.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace CompliancePortal.Tests.Packages;

/// <summary>
/// The same package path against the S3 archive store (s3rver): a ZIP larger than one part goes up as
/// a multipart upload and comes back to its requester streamed from S3, byte for byte.
/// </summary>
[Collection(PostgresCollection.Name)]
public sealed class PackageS3Tests(PostgresFixture postgres, S3rverFixture s3) : IClassFixture<S3rverFixture>, IAsyncLifetime
{
    private readonly string _bucket = "packages-" + Guid.NewGuid().ToString("N")[..8];
    private PortalFactory _portal = null!;
    private TestDatabase _db = null!;

    public async Task InitializeAsync()
    {
        using (var setup = new S3ArchiveStore(new S3ArchiveOptions { ServiceUrl = s3.ServiceUrl, Bucket = _bucket, AccessKey = "S3RVER", SecretKey = "S3RVER" }))
            await setup.EnsureBucketAsync();
        _db = await postgres.CreateDatabaseAsync();
        _portal = new PortalFactory(_db, b =>
        {
            b.UseSetting("Archive:Kind", "S3");
            b.UseSetting("Archive:S3:ServiceUrl", s3.ServiceUrl);
            b.UseSetting("Archive:S3:Bucket", _bucket);
            b.UseSetting("Archive:S3:AccessKey", "S3RVER");
            b.UseSetting("Archive:S3:SecretKey", "S3RVER");
            b.UseSetting("Archive:S3:PartSizeBytes", (5 * 1024 * 1024).ToString(System.Globalization.CultureInfo.InvariantCulture));
        });
        _ = _portal.Services;
    }

    public async Task DisposeAsync() => await _portal.DisposeAsync();

    [Fact]
    public async Task Package_OnS3_IsUploadedAndStreamedBackToItsRequesterIntact()
    {
        var today = DateOnly.FromDateTime(DateTime.UtcNow);
        await PackageSeed.AppendAsync(_db.Connections.App, new DateTimeOffset(today.AddDays(-1).ToDateTime(TimeOnly.MinValue), TimeSpan.Zero),
            TimeSpan.FromDays(1), 0, 50_000);
        var user = await _portal.CreateUserAsync(UserRoles.Auditor, today.AddDays(-2), today);
        var (package, error) = await _portal.Services.GetRequiredService<PackageService>().RequestAsync(
            RecordReader.Auditor(new Actor(user), today.AddDays(-2), today), today.AddDays(-2), today, [.. PackageSections.All.Select(s => s.Name)]);
        Assert.True(package is not null, error);

        await _portal.Services.GetRequiredService<PackageBuilder>().BuildAsync(package.Id);

        var built = (await _portal.Services.GetRequiredService<PackageService>().FindAsync(package.Id))!;
        Assert.Equal(PackageStatus.Ready, built.Status);
        Assert.True(built.SizeBytes > 5 * 1024 * 1024, $"{built.SizeBytes} bytes: not enough for a multipart upload");
        using var client = await _portal.SignedInClientAsync(user);
        using var response = await client.GetAsync($"/api/v1/packages/{package.Id}/download", HttpCompletionOption.ResponseHeadersRead);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        await using var body = await response.Content.ReadAsStreamAsync();
        Assert.Equal(built.Sha256, Convert.ToHexStringLower(await SHA256.HashDataAsync(body)));
        var zip = PackageZip.Read(await (await _portal.Services.GetRequiredService<IArchiveStore>().OpenReadAsync(built.ArchiveKey!))!.ReadAllBytesAsync());
        Assert.True(zip.Manifest.GetProperty("ledger_segment").GetProperty("entries").GetInt64() >= 50_000);
    }
}

internal static class StreamBytes
{
    public static async Task<byte[]> ReadAllBytesAsync(this Stream stream)
    {
        await using (stream)
        {
            using var copy = new MemoryStream();
            await stream.CopyToAsync(copy);
            return copy.ToArray();
        }
    }
}
