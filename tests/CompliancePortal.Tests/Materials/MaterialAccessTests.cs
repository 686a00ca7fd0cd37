using System.Net;
using System.Net.Http.Json;
using Bunit;
using CompliancePortal.Core.Accounts;
using CompliancePortal.Core.Audit;
using CompliancePortal.Core.Materials;
using CompliancePortal.Materials.Pages;
using CompliancePortal.Tests.Infrastructure;

namespace CompliancePortal.Tests.Materials;

/// <summary>Who may decide, see and download, through the API and the pages, as each role.</summary>
[Collection(PostgresCollection.Name)]
public sealed class MaterialAccessTests(PostgresFixture postgres) : MaterialsTest(postgres)
{
    private async Task<(string Name, HttpClient Client)> SignInAsync(string role)
    {
        var name = await Portal.CreateUserAsync(role, role == UserRoles.Auditor ? new DateOnly(2026, 1, 1) : null, role == UserRoles.Auditor ? new DateOnly(2026, 12, 31) : null);
        return (name, await Portal.SignedInClientAsync(name));
    }

    private static JsonContent Decision(int version, bool approve, string comments) => JsonContent.Create(new { version, approve, comments });

    [Fact]
    public async Task Decision_OnlyAnOfficerOtherThanTheOwnerDecides_EveryoneElseIs403AndNothingChanges()
    {
        var (owner, ownerClient) = await SignInAsync(UserRoles.ComplianceOfficer);
        var (_, auditor) = await SignInAsync(UserRoles.Auditor);
        var (_, employee) = await SignInAsync(UserRoles.Employee);
        var (_, manager) = await SignInAsync(UserRoles.PortfolioManager);
        var (_, admin) = await SignInAsync(UserRoles.Admin);
        var (_, officer) = await SignInAsync(UserRoles.ComplianceOfficer);
        var material = (await SubmitAsync(SampleFiles.Pdf(), by: new Actor(owner))).Value!;
        var path = $"/api/v1/materials/{material.Id}/decision";

        foreach (var client in new[] { auditor, employee, manager, admin })
            Assert.Equal(HttpStatusCode.Forbidden, (await client.PostAsync(path, Decision(1, true, "approve it"))).StatusCode);
        var own = await ownerClient.PostAsync(path, Decision(1, true, "my own"));
        // Their role may decide, this material they may not: 403, like every other refusal of who acts.
        Assert.Equal(HttpStatusCode.Forbidden, own.StatusCode);
        Assert.Contains("Nobody may review their own material.", await own.Content.ReadAsStringAsync());
        Assert.Equal("PendingReview", await ScalarAsync($"SELECT \"Status\" FROM marketing_materials WHERE \"Id\" = {material.Id}"));
        Assert.Equal(0L, await CountAsync("SELECT count(*) FROM marketing_material_reviews"));

        Assert.Equal(HttpStatusCode.OK, (await officer.PostAsync(path, Decision(1, false, "performance shown without net-of-fees figures"))).StatusCode);
        Assert.Equal("Rejected", await ScalarAsync($"SELECT \"Status\" FROM marketing_materials WHERE \"Id\" = {material.Id}"));
    }

    [Fact]
    public async Task DetailPage_ShowsTheDecisionFormOnlyToAnOfficerWhoIsNotTheOwner()
    {
        var auditor = await Portal.CreateUserAsync(UserRoles.Auditor, new DateOnly(2026, 1, 1), new DateOnly(2026, 12, 31));
        var officer = await Portal.CreateUserAsync(UserRoles.ComplianceOfficer);
        var owner = await Portal.CreateUserAsync(UserRoles.Employee);
        var material = (await SubmitAsync(SampleFiles.Pdf(), by: new Actor(owner))).Value!;

        async Task<string> PageFor(string user, string role)
        {
            await using var ctx = PortalPages.NewContext(Portal, user, role, typeof(MarketingMaterialService), typeof(CompliancePortal.Search.RecordReaders));
            var cut = ctx.Render<MaterialDetailPage>(p => p.Add(d => d.Id, material.Id));
            cut.WaitForAssertion(() => Assert.Contains("Q3 performance brochure", cut.Find("h4").TextContent));
            return cut.Markup;
        }

        var auditorPage = await PageFor(auditor, UserRoles.Auditor);
        var officerPage = await PageFor(officer, UserRoles.ComplianceOfficer);
        var ownerPage = await PageFor(owner, UserRoles.Employee);

        Assert.DoesNotContain("mm-approve", auditorPage);
        Assert.DoesNotContain("mm-submit", auditorPage);
        Assert.Contains("mm-approve", officerPage);
        Assert.DoesNotContain("mm-approve", ownerPage);
        Assert.Contains("mm-submit", ownerPage);   // the owner may upload a new version
    }

    [Fact]
    public async Task Download_ChecksTheHash_AndIsRecorded_OthersSeeOnlyApprovedMaterials()
    {
        var (_, auditor) = await SignInAsync(UserRoles.Auditor);
        var (_, colleague) = await SignInAsync(UserRoles.Employee);
        var (owner, ownerClient) = await SignInAsync(UserRoles.Employee);
        var pdf = SampleFiles.Pdf();
        var material = (await SubmitAsync(pdf, by: new Actor(owner))).Value!;
        var path = $"/api/v1/materials/{material.Id}/versions/1/file";

        var download = await auditor.GetAsync(path);
        Assert.Equal(HttpStatusCode.OK, download.StatusCode);
        Assert.Equal("application/pdf", download.Content.Headers.ContentType?.MediaType);
        Assert.Equal(pdf, await download.Content.ReadAsByteArrayAsync());
        Assert.Equal(HttpStatusCode.OK, (await ownerClient.GetAsync(path)).StatusCode);
        // A colleague does not see a material still under review (nor its page: MaterialPagesTests).
        Assert.Equal(HttpStatusCode.NotFound, (await colleague.GetAsync(path)).StatusCode);
        Assert.Equal(2L, await CountAsync($"SELECT count(*) FROM audit_log WHERE event = 'marketing_material_downloaded' AND event_data->>'verified' = 'true' AND event_data->>'sha256' = '{SampleFiles.Sha256(pdf)}'"));

        await Service.DecideAsync(new Actor("casey"), material.Id, 1, true, "fine");
        Assert.Equal(pdf, await colleague.GetByteArrayAsync(path));
        var v2 = await Service.AddVersionAsync(new Actor(owner), material.Id, new MaterialUpload("v2", Retail, "v2.png", new MemoryStream(SampleFiles.Png())));
        Assert.Null(v2.Error);
        // Back under review: the colleague no longer sees it.
        Assert.Equal(HttpStatusCode.NotFound, (await colleague.GetAsync(path)).StatusCode);
    }

    /// <summary>#18, item 4: versions, decisions (their comments) and downloads follow the auditor's granted period.</summary>
    [Fact]
    public async Task Auditor_SeesWhatHappenedInTheirPeriod_AsItStoodThen_AndGets403OutsideIt()
    {
        var owner = await Portal.CreateUserAsync(UserRoles.Employee);
        var material = (await SubmitAsync(SampleFiles.Pdf(), by: new Actor(owner))).Value!;
        Assert.Null((await Service.DecideAsync(Officer, material.Id, 1, true, "fine in March")).Error);
        Assert.Null((await Service.AddVersionAsync(new Actor(owner), material.Id, new MaterialUpload("v2", Retail, "v2.png", new MemoryStream(SampleFiles.Png())))).Error);
        // Version 1 and its approval happened in March; version 2 (under review) today.
        await Db.ExecuteAsAdminAsync($"""
            SET session_replication_role = replica;
            UPDATE marketing_material_versions SET "UploadedAt" = '2026-03-10T10:00:00Z' WHERE "MaterialId" = {material.Id} AND "Version" = 1;
            UPDATE marketing_material_reviews SET "DecidedAt" = '2026-03-11T10:00:00Z' WHERE "MaterialId" = {material.Id} AND "Version" = 1;
            """);
        var today = DateOnly.FromDateTime(DateTime.UtcNow);
        MaterialViewer Auditor(string name, DateOnly from, DateOnly to) => new(name, false, true, from, to);
        var march = Auditor("march", new DateOnly(2026, 3, 1), new DateOnly(2026, 3, 31));
        var june = Auditor("june", new DateOnly(2026, 6, 1), new DateOnly(2026, 6, 30));
        var now = Auditor("now", today.AddDays(-1), today);

        var inMarch = (await Service.FindAsync(material.Id, march))!;
        Assert.Equal([1], inMarch.Versions.Select(v => v.Version));
        Assert.Equal((MaterialStatus.Approved, 1), (inMarch.Material.Status, inMarch.Material.CurrentVersion));
        Assert.Equal("fine in March", Assert.Single(inMarch.Reviews).Comments);
        Assert.Null(await Service.FindAsync(material.Id, june));
        var inNow = (await Service.FindAsync(material.Id, now))!;
        Assert.Equal([2], inNow.Versions.Select(v => v.Version));
        Assert.Equal(MaterialStatus.PendingReview, inNow.Material.Status);
        Assert.Empty(inNow.Reviews);   // March's comments are not this auditor's
        Assert.Equal([material.Id], (await Service.ForAuditorAsync(march)).Select(d => d.Material.Id));
        Assert.Empty(await Service.ForAuditorAsync(june));

        // Through the API, as signed-in auditors with those periods.
        using var marchClient = await Portal.SignedInClientAsync(await Portal.CreateUserAsync(UserRoles.Auditor, new DateOnly(2026, 3, 1), new DateOnly(2026, 3, 31)));
        using var juneClient = await Portal.SignedInClientAsync(await Portal.CreateUserAsync(UserRoles.Auditor, new DateOnly(2026, 6, 1), new DateOnly(2026, 6, 30)));
        var file = (int v) => $"/api/v1/materials/{material.Id}/versions/{v}/file";
        Assert.Equal(HttpStatusCode.OK, (await marchClient.GetAsync(file(1))).StatusCode);
        var later = await marchClient.GetAsync(file(2));
        Assert.Equal(HttpStatusCode.Forbidden, later.StatusCode);
        Assert.Contains("outside your granted period", await later.Content.ReadAsStringAsync());
        Assert.Equal(HttpStatusCode.Forbidden, (await juneClient.GetAsync(file(1))).StatusCode);
        Assert.Equal(1L, await CountAsync("SELECT count(*) FROM audit_log WHERE event = 'marketing_material_downloaded'"));
    }

    [Fact]
    public async Task Download_OfAnAlteredFile_IsRefusedAndRecordedAsDamaged()
    {
        var (_, officer) = await SignInAsync(UserRoles.ComplianceOfficer);
        var material = (await SubmitAsync(SampleFiles.Pdf())).Value!;
        var key = (await Service.FindAsync(material.Id, new MaterialViewer("x", true, false)))!.Versions[0].ArchiveKey;
        var file = Path.Combine(ArchiveFolder, key.Replace('/', Path.DirectorySeparatorChar));
        await File.AppendAllTextAsync(file, "tampered");

        var response = await officer.GetAsync($"/api/v1/materials/{material.Id}/versions/1/file");

        Assert.Equal(HttpStatusCode.InternalServerError, response.StatusCode);
        Assert.Contains("does not match its recorded SHA-256", await response.Content.ReadAsStringAsync());
        Assert.Equal("false", await ScalarAsync("SELECT event_data->>'verified' FROM audit_log WHERE event = 'marketing_material_downloaded'"));
    }
}
