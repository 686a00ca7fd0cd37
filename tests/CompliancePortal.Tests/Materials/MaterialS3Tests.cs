using System.Net;
using CompliancePortal.Core.Accounts;
using CompliancePortal.Core.Archive;
using CompliancePortal.Tests.Infrastructure;
using Microsoft.AspNetCore.Hosting;

namespace CompliancePortal.Tests.Materials;

/// <summary>The same workflow with the archive store on S3 (s3rver): files go in and come back verified.</summary>
[Collection(PostgresCollection.Name)]
public sealed class MaterialS3Tests(PostgresFixture postgres, S3rverFixture s3) : MaterialsTest(postgres), IClassFixture<S3rverFixture>
{
    private const long Limit = 12L * 1024 * 1024;

    protected override void Configure(IWebHostBuilder builder)
    {
        builder.UseSetting("Archive:Kind", "S3");
        builder.UseSetting("Archive:S3:ServiceUrl", s3.ServiceUrl);
        builder.UseSetting("Archive:S3:Bucket", "materials-" + Guid.NewGuid().ToString("N")[..8]);
        builder.UseSetting("Archive:S3:AccessKey", "S3RVER");
        builder.UseSetting("Archive:S3:SecretKey", "S3RVER");
        builder.UseSetting("Archive:S3:PartSizeBytes", (5 * 1024 * 1024).ToString(System.Globalization.CultureInfo.InvariantCulture));
        builder.UseSetting("Materials:MaxBytes", Limit.ToString(System.Globalization.CultureInfo.InvariantCulture));
    }

    protected override Task StartedAsync() => ((S3ArchiveStore)Archive).EnsureBucketAsync();

    [Fact]
    public async Task Submit_AMultipartSizedPdf_IsStoredOnS3AndDownloadsVerified()
    {
        var pdf = SampleFiles.Pdf().Concat(new byte[11 * 1024 * 1024]).ToArray();
        var material = (await SubmitAsync(pdf)).Value!;
        using var officer = await Portal.SignedInClientAsync(await Portal.CreateUserAsync(UserRoles.ComplianceOfficer));

        var response = await officer.GetAsync($"/api/v1/materials/{material.Id}/versions/1/file");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(SampleFiles.Sha256(pdf), SampleFiles.Sha256(await response.Content.ReadAsByteArrayAsync()));
        Assert.Equal([$"materials/{material.Id}/v1/{SampleFiles.Sha256(pdf)}.pdf"], await ArchivedKeysAsync());
    }

    [Fact]
    public async Task Submit_WhenTheKeyHoldsOtherBytes_IsRefusedAndRecordsNothing_SameBytesAreReused()
    {
        var pdf = SampleFiles.Pdf();
        var key = $"materials/1/v1/{SampleFiles.Sha256(pdf)}.pdf";
        // A database recreated under a kept archive: the next id's key is already taken.
        await Archive.PutAsync(key, new MemoryStream(SampleFiles.Pdf()), "application/pdf");

        var refused = await SubmitAsync(pdf);
        Assert.Contains("already holds a different object", refused.Error);
        Assert.Equal(0L, await CountAsync("SELECT count(*) FROM marketing_materials"));
        Assert.Equal(0L, await CountAsync("SELECT count(*) FROM audit_log"));

        var next = $"materials/2/v1/{SampleFiles.Sha256(pdf)}.pdf";
        await Archive.PutAsync(next, new MemoryStream(pdf), "application/pdf");
        var reused = await SubmitAsync(pdf);
        Assert.Null(reused.Error);
        Assert.Equal(2, reused.Value!.Id);
    }
}
