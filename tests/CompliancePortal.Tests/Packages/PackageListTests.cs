using Bunit;
using CompliancePortal.Core.Packages;
using CompliancePortal.Packages.Pages;
using CompliancePortal.Tests.Infrastructure;

namespace CompliancePortal.Tests.Packages;

/// <summary>The package list shows live progress while building, the download while ready, and nothing to download once expired.</summary>
public sealed class PackageListTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 25, 12, 0, 0, TimeSpan.Zero);

    private static CompliancePackage Package(PackageStatus status, DateTimeOffset? expiresAt = null, int percent = 0) => new()
    {
        Id = Guid.NewGuid(),
        RequestedBy = "auditor",
        RequestedAt = Now.AddHours(-1),
        FromDate = new DateOnly(2026, 10, 1),
        ToDate = new DateOnly(2026, 10, 31),
        Sections = [PackageSections.TradeBlotters, PackageSections.RiskEvents],
        Status = status,
        ProgressPercent = percent,
        Sha256 = status == PackageStatus.Ready ? new string('a', 64) : null,
        SizeBytes = status == PackageStatus.Ready ? 3 << 20 : null,
        ExpiresAt = expiresAt,
    };

    [Fact]
    public async Task Building_ShowsTheLatestPushedPercent_Ready_OffersTheDownload_PastExpiry_ShowsExpired()
    {
        await using var ctx = PortalBunit.NewContext();
        var building = Package(PackageStatus.Building, percent: 20);
        var ready = Package(PackageStatus.Ready, Now.AddDays(1));
        var stale = Package(PackageStatus.Ready, Now.AddSeconds(-1));
        var live = new Dictionary<Guid, PackageProgress> { [building.Id] = new(building.Id, PackageStatus.Building, 47, "risk events") };

        var list = ctx.Render<PackageList>(p => p
            .Add(c => c.Packages, [building, ready, stale])
            .Add(c => c.Live, live)
            .Add(c => c.Now, Now));

        var rows = list.FindAll("tbody tr");
        Assert.Equal(3, rows.Count);
        Assert.Equal("47", rows[0].QuerySelector("[data-testid=package-progress]")!.GetAttribute("data-percent"));
        Assert.Contains("Building · 47% · risk events", rows[0].TextContent);
        Assert.Contains("Trade blotters, Risk events", rows[0].TextContent);
        Assert.Equal($"/api/v1/packages/{ready.Id}/download", rows[1].QuerySelector("[data-testid=package-download]")!.GetAttribute("href"));
        Assert.Contains("3 MiB", rows[1].TextContent);
        Assert.Null(rows[2].QuerySelector("[data-testid=package-download]"));
        Assert.Contains("Expired", rows[2].TextContent);
    }
}
