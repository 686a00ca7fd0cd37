using Bunit;
using CompliancePortal.Core.Materials;
using CompliancePortal.Materials.Pages;
using CompliancePortal.Tests.Infrastructure;

namespace CompliancePortal.Tests.Materials;

/// <summary>The status chip, the material table and the version table as rendered from given data.</summary>
public sealed class MaterialComponentsTests
{
    private static readonly DateTimeOffset Reviewed = new(2026, 11, 30, 14, 5, 0, TimeSpan.Zero);
    private static readonly DateTimeOffset Updated = new(2026, 12, 1, 9, 30, 0, TimeSpan.Zero);

    private static MarketingMaterial Material(long id, string owner = "erin", MaterialStatus status = MaterialStatus.PendingReview, int version = 1) => new()
    {
        Id = id, Owner = owner, Title = $"Brochure {id}", Audience = "Retail investors", CurrentVersion = version, Status = status,
        Reviewer = status == MaterialStatus.PendingReview ? null : "casey", ReviewedAt = status == MaterialStatus.PendingReview ? null : Reviewed,
        CreatedAt = Updated, UpdatedAt = Updated,
    };

    private static MaterialVersion Version(long materialId, int version) => new()
    {
        MaterialId = materialId, Version = version, Title = "Brochure", Audience = "Retail investors", FileName = $"brochure-v{version}.pdf",
        ContentType = "application/pdf", SizeBytes = 2048, Sha256 = new string((char)('a' + version), 64), ArchiveKey = $"materials/{materialId}/{version}",
        UploadedBy = "erin", UploadedAt = Updated,
    };

    private static MaterialReview Review(long materialId, int version, bool approved, string comments) => new()
    {
        MaterialId = materialId, Version = version, Approved = approved, Reviewer = "casey", Comments = comments, DecidedAt = Reviewed,
    };

    [Theory]
    [InlineData(MaterialStatus.PendingReview, "pending review", "warning")]
    [InlineData(MaterialStatus.Approved, "approved", "success")]
    [InlineData(MaterialStatus.Rejected, "rejected", "error")]
    public async Task StatusChip_ShowsTheLabelAndColourOfTheStatus(MaterialStatus status, string label, string colour)
    {
        await using var ctx = PortalBunit.NewContext();

        var chip = ctx.Render<MaterialStatusChip>(p => p.Add(c => c.Status, status)).Find("[data-testid=mm-status]");

        Assert.Equal(label, chip.TextContent.Trim());
        Assert.Contains($"mud-chip-color-{colour}", chip.ClassName);
    }

    [Fact]
    public async Task Table_WithReview_ShowsWhoApprovedAndWhen_AndLinksEachMaterial()
    {
        await using var ctx = PortalBunit.NewContext();

        var cut = ctx.Render<MaterialTable>(p => p.Add(t => t.Materials, [Material(7, status: MaterialStatus.Approved, version: 2)])
            .Add(t => t.ShowReview, true).Add(t => t.TestId, "mm-approved"));

        Assert.Contains("Approved by", cut.Find("[data-testid=mm-approved] thead").TextContent);
        var cells = cut.FindAll("[data-testid=mm-approved] tbody tr td").Select(td => td.TextContent.Trim()).ToList();
        Assert.Equal(["MM-7", "Brochure 7", "Retail investors", "v2", "erin", "casey, 2026-11-30 14:05 UTC", "approved"], cells);
        Assert.Equal("/materials/7", cut.Find("[data-testid=mm-approved] tbody a").GetAttribute("href"));
    }

    [Fact]
    public async Task Table_WithoutReview_ShowsTheLastChange()
    {
        await using var ctx = PortalBunit.NewContext();

        var cut = ctx.Render<MaterialTable>(p => p.Add(t => t.Materials, [Material(3)]).Add(t => t.TestId, "mm-mine"));

        Assert.Contains("Updated", cut.Find("[data-testid=mm-mine] thead").TextContent);
        Assert.DoesNotContain("Approved by", cut.Find("[data-testid=mm-mine] thead").TextContent);
        Assert.Contains("2026-12-01 09:30 UTC", cut.Find("[data-testid=mm-mine] tbody").TextContent);
        Assert.Equal("pending review", cut.Find("[data-testid=mm-status]").TextContent.Trim());
    }

    [Fact]
    public async Task Table_Empty_ShowsTheGivenText()
    {
        await using var ctx = PortalBunit.NewContext();

        var cut = ctx.Render<MaterialTable>(p => p.Add(t => t.Materials, Array.Empty<MarketingMaterial>()).Add(t => t.Empty, "Nothing waits for review.").Add(t => t.TestId, "mm-pending"));

        Assert.Contains("Nothing waits for review.", cut.Find("[data-testid=mm-pending]").TextContent);
        Assert.Empty(cut.FindAll("[data-testid=mm-pending] a"));
    }

    [Fact]
    public async Task VersionTable_ListsNewestFirst_WithEachVersionsDecision()
    {
        await using var ctx = PortalBunit.NewContext();
        var material = Material(5, status: MaterialStatus.PendingReview, version: 3);
        var detail = new MaterialDetail(material, [Version(5, 1), Version(5, 2), Version(5, 3)], [Review(5, 1, false, "performance claims lack a period")]);

        var cut = ctx.Render<MaterialVersionTable>(p => p.Add(t => t.Detail, detail).Add(t => t.Viewer, new MaterialViewer("erin", false, false)));

        var rows = cut.FindAll("[data-testid=mm-versions] tbody tr");
        Assert.Equal(["v3", "v2", "v1"], rows.Select(r => r.QuerySelector("td")!.TextContent.Trim()));
        Assert.Equal("waiting for review", rows[0].QuerySelectorAll("td")[4].TextContent.Trim());
        Assert.Equal("superseded before review", rows[1].QuerySelectorAll("td")[4].TextContent.Trim());
        Assert.Equal("rejected by casey: performance claims lack a period", rows[2].QuerySelectorAll("td")[4].TextContent.Trim());
        Assert.Contains("pdf, 2 KiB", rows[0].TextContent);
        Assert.Contains(new string('d', 64), rows[0].TextContent);
    }

    [Fact]
    public async Task VersionTable_TheOwnerDownloadsEveryVersion()
    {
        await using var ctx = PortalBunit.NewContext();
        var detail = new MaterialDetail(Material(5, version: 2), [Version(5, 1), Version(5, 2)], []);

        var cut = ctx.Render<MaterialVersionTable>(p => p.Add(t => t.Detail, detail).Add(t => t.Viewer, new MaterialViewer("erin", false, false)));

        var links = cut.FindAll("a[data-testid=mm-download]");
        Assert.Equal(["/api/v1/materials/5/versions/2/file", "/api/v1/materials/5/versions/1/file"], links.Select(a => a.GetAttribute("href")));
        Assert.Equal("brochure-v2.pdf", links[0].GetAttribute("download"));
    }

    [Fact]
    public async Task VersionTable_AnotherEmployee_DownloadsOnlyTheApprovedCurrentVersion()
    {
        await using var ctx = PortalBunit.NewContext();
        var detail = new MaterialDetail(Material(5, status: MaterialStatus.Approved, version: 2), [Version(5, 1), Version(5, 2)],
            [Review(5, 1, false, "no"), Review(5, 2, true, "fine")]);

        var cut = ctx.Render<MaterialVersionTable>(p => p.Add(t => t.Detail, detail).Add(t => t.Viewer, new MaterialViewer("frank", false, false)));

        var link = Assert.Single(cut.FindAll("a[data-testid=mm-download]"));
        Assert.Equal("/api/v1/materials/5/versions/2/file", link.GetAttribute("href"));
        // v1 is named, not linked.
        Assert.Contains("brochure-v1.pdf", cut.FindAll("[data-testid=mm-versions] tbody tr")[1].TextContent);
    }
}
