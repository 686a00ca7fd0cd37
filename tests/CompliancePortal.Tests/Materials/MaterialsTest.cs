using CompliancePortal.Core;
using CompliancePortal.Core.Archive;
using CompliancePortal.Core.Audit;
using CompliancePortal.Core.Materials;
using CompliancePortal.Tests.Infrastructure;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;

namespace CompliancePortal.Tests.Materials;

/// <summary>
/// A portal on its own fresh database with its own archive folder (so objects from other tests or
/// runs are never seen) and a small size limit, so "oversize" needs no 20 MiB file.
/// </summary>
public abstract class MaterialsTest(PostgresFixture postgres) : IAsyncLifetime
{
    public const long MaxBytes = 64 * 1024;

    protected static readonly Actor Author = new("erin");
    protected static readonly Actor Officer = new("casey");
    protected const string Retail = "Retail investors";

    protected PortalFactory Portal { get; private set; } = null!;
    protected TestDatabase Db { get; private set; } = null!;
    protected string ArchiveFolder { get; } = Path.Combine(Path.GetTempPath(), "cp-materials-" + Guid.NewGuid().ToString("N")[..8]);

    protected MarketingMaterialService Service => Portal.Services.GetRequiredService<MarketingMaterialService>();
    protected IArchiveStore Archive => Portal.Services.GetRequiredService<IArchiveStore>();

    public async Task InitializeAsync()
    {
        Db = await postgres.CreateDatabaseAsync();
        Portal = new PortalFactory(Db, builder =>
        {
            builder.UseSetting("Archive:Kind", "Local");
            builder.UseSetting("Archive:Folder", ArchiveFolder);
            builder.UseSetting("Materials:MaxBytes", MaxBytes.ToString(System.Globalization.CultureInfo.InvariantCulture));
            Configure(builder);
        });
        await StartedAsync();
    }

    /// <summary>Settings of a derived test class, applied after the defaults above.</summary>
    protected virtual void Configure(IWebHostBuilder builder) { }

    /// <summary>Runs once the portal is up (e.g. to create a bucket).</summary>
    protected virtual Task StartedAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        await Portal.DisposeAsync();
        try { Directory.Delete(ArchiveFolder, recursive: true); } catch (DirectoryNotFoundException) { }
    }

    protected Task<Outcome<MarketingMaterial>> SubmitAsync(byte[] bytes, string fileName = "brochure.pdf", string title = "Q3 performance brochure", Actor? by = null) =>
        Service.SubmitAsync(by ?? Author, new MaterialUpload(title, Retail, fileName, new MemoryStream(bytes)));

    protected async Task<byte[]> ReadArchiveAsync(string key)
    {
        await using var stream = await Archive.OpenReadAsync(key) ?? throw new InvalidOperationException("missing " + key);
        using var copy = new MemoryStream();
        await stream.CopyToAsync(copy);
        return copy.ToArray();
    }

    protected async Task<List<string>> ArchivedKeysAsync()
    {
        var keys = new List<string>();
        await foreach (var o in Archive.ListAsync("materials/")) keys.Add(o.Key);
        return keys;
    }

    protected async Task<long> CountAsync(string sql) => (long)(await Db.ScalarAsync(sql))!;

    protected Task<object?> ScalarAsync(string sql) => Db.ScalarAsync(sql);
}
