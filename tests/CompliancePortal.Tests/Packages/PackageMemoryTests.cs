using System.Diagnostics;
using CompliancePortal.Core.Accounts;
using CompliancePortal.Core.Archive;
using CompliancePortal.Core.Audit;
using CompliancePortal.Core.Packages;
using CompliancePortal.Core.Search;
using CompliancePortal.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Xunit.Abstractions;

namespace CompliancePortal.Tests.Packages;

/// <summary>
/// A package of 200,000 events is built with the process's memory bounded: the peak growth of
/// the managed heap and of the working set during the build is measured for 20,000 and for
/// 200,000 events of the same period, and must not grow with the package.
/// </summary>
[Collection(MeasuredAloneCollection.Name)]
public sealed class PackageMemoryTests(PostgresFixture postgres, ITestOutputHelper output) : IAsyncLifetime
{
    private static readonly DateOnly From = new(2026, 10, 5), To = new(2026, 10, 9);
    private readonly string _archive = Path.Combine(Path.GetTempPath(), "cp-package-memory-" + Guid.NewGuid().ToString("N")[..8]);
    private PortalFactory _portal = null!;
    private TestDatabase _db = null!;

    public async Task InitializeAsync()
    {
        _db = await postgres.CreateDatabaseAsync();
        _portal = new PortalFactory(_db, b => b.UseSetting("Archive:Folder", _archive));
        _ = _portal.Services;
    }

    public async Task DisposeAsync()
    {
        await _portal.DisposeAsync();
        try { Directory.Delete(_archive, recursive: true); } catch (DirectoryNotFoundException) { }
    }

    [Fact]
    public async Task Build_Of200kEvents_UsesNoMoreMemoryThanOf20k()
    {
        var user = await _portal.CreateUserAsync(UserRoles.Auditor, From, To);
        var reader = RecordReader.Auditor(new Actor(user), From, To);

        await SeedAsync(0, 20_000);
        var (small, smallBytes) = await MeasuredBuildAsync(reader);
        await SeedAsync(20_000, 180_000);
        var (large, largeBytes) = await MeasuredBuildAsync(reader);

        output.WriteLine($"20k:  managed +{small.Managed / 1048576.0:0.0} MiB, working set +{small.WorkingSet / 1048576.0:0.0} MiB, zip {smallBytes / 1048576.0:0.0} MiB, {small.Seconds:0.0} s");
        output.WriteLine($"200k: managed +{large.Managed / 1048576.0:0.0} MiB, working set +{large.WorkingSet / 1048576.0:0.0} MiB, zip {largeBytes / 1048576.0:0.0} MiB, {large.Seconds:0.0} s");
        Assert.True(largeBytes > 8 * smallBytes, "the larger package must really be about ten times larger");
        const long slack = 32L << 20;
        Assert.True(large.Managed <= small.Managed + slack, $"managed heap grew with the package: {small.Managed} vs {large.Managed}");
        Assert.True(large.WorkingSet <= small.WorkingSet + 2 * slack, $"working set grew with the package: {small.WorkingSet} vs {large.WorkingSet}");
        Assert.True(large.Managed < 128L << 20, $"managed peak {large.Managed} is not bounded");
    }

    private sealed record Peak(long Managed, long WorkingSet, double Seconds);

    private async Task<(Peak Peak, long Bytes)> MeasuredBuildAsync(RecordReader reader)
    {
        var service = _portal.Services.GetRequiredService<PackageService>();
        var builder = _portal.Services.GetRequiredService<PackageBuilder>();
        var (package, error) = await service.RequestAsync(reader, From, To, [.. PackageSections.All.Select(s => s.Name)]);
        Assert.True(package is not null, error);

        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();
        var baseManaged = GC.GetTotalMemory(false);
        var baseWorkingSet = Environment.WorkingSet;
        long peakManaged = 0, peakWorkingSet = 0;
        using var stop = new CancellationTokenSource();
        var sampler = Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested)
            {
                peakManaged = Math.Max(peakManaged, GC.GetTotalMemory(false) - baseManaged);
                peakWorkingSet = Math.Max(peakWorkingSet, Environment.WorkingSet - baseWorkingSet);
                try { await Task.Delay(5, stop.Token); } catch (OperationCanceledException) { }
            }
        });
        var clock = Stopwatch.StartNew();
        await builder.BuildAsync(package.Id);
        clock.Stop();
        await stop.CancelAsync();
        await sampler;

        var built = (await service.FindAsync(package.Id))!;
        Assert.Equal(PackageStatus.Ready, built.Status);
        // The ZIP is complete: its manifest lists the whole segment.
        await using var zip = (await _portal.Services.GetRequiredService<IArchiveStore>().OpenReadAsync(built.ArchiveKey!))!;
        using var archive = new System.IO.Compression.ZipArchive(zip, System.IO.Compression.ZipArchiveMode.Read);
        using var manifest = System.Text.Json.JsonDocument.Parse(archive.GetEntry("manifest.json")!.Open());
        var segment = manifest.RootElement.GetProperty("ledger_segment");
        Assert.Equal(await _db.ScalarAsync($"SELECT count(*) FROM audit_log WHERE \"timestamp\" >= '2026-10-05' AND \"timestamp\" < '2026-10-10'"),
            segment.GetProperty("entries").GetInt64() - segment.GetProperty("withheld").GetInt64());
        return (new Peak(peakManaged, peakWorkingSet, clock.Elapsed.TotalSeconds), built.SizeBytes!.Value);
    }

    private Task SeedAsync(int start, int count) =>
        PackageSeed.AppendAsync(_db.Connections.App, new DateTimeOffset(From.ToDateTime(TimeOnly.MinValue), TimeSpan.Zero), TimeSpan.FromDays(5), start, count);
}

/// <summary>
/// Tests that measure this process's memory run alone, after every parallel collection: other test
/// classes allocating at the same time would show up in the measurement. Own cluster, same setup.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class MeasuredAloneCollection : ICollectionFixture<PostgresFixture>
{
    public const string Name = "measured-alone";
}
