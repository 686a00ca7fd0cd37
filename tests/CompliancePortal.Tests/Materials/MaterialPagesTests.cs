using Bunit;
using CompliancePortal.Core.Accounts;
using CompliancePortal.Core.Audit;
using CompliancePortal.Core.Materials;
using CompliancePortal.Materials.Pages;
using CompliancePortal.Tests.Infrastructure;
using Microsoft.AspNetCore.Components;
using Microsoft.AspNetCore.Components.Forms;
using Microsoft.Extensions.DependencyInjection;
using MudBlazor;

namespace CompliancePortal.Tests.Materials;

/// <summary>The material page, the list and the upload page over the real materials service on PostgreSQL.</summary>
[Collection(PostgresCollection.Name)]
public sealed class MaterialPagesTests(PostgresFixture postgres) : PortalPageTest(postgres)
{
    private const string Retail = "Retail investors";

    private MarketingMaterialService Service => Portal.Services.GetRequiredService<MarketingMaterialService>();

    private async Task<long> SubmitAsync(string owner, string title)
    {
        await Service.SubmitAsync(new Actor(owner), new MaterialUpload(title, Retail, "brochure.pdf", new MemoryStream(SampleFiles.Pdf(title))));
        return (long)(await Db.ScalarAsync($"SELECT \"Id\" FROM marketing_materials WHERE \"Title\" = '{title}'"))!;
    }

    [Fact]
    public async Task DetailPage_ForTheOwner_ShowsTheMaterialAndANewVersionForm_NoDecision()
    {
        var id = await SubmitAsync("erin", "Q3 performance brochure");
        await using var ctx = PageContext("erin", UserRoles.Employee);

        var cut = ctx.Render<MaterialDetailPage>(p => p.Add(d => d.Id, id));

        cut.WaitForAssertion(() => Assert.Contains($"MM-{id}: Q3 performance brochure", cut.Find("h4").TextContent));
        Assert.Equal("pending review", cut.Find("[data-testid=mm-status]").TextContent.Trim());
        Assert.Contains($"For {Retail} · submitted by erin · version 1 is current", cut.Markup);
        Assert.Equal("waiting for review", cut.FindAll("[data-testid=mm-versions] tbody tr td")[4].TextContent.Trim());
        Assert.Contains("Upload a new version", cut.Markup);
        Assert.Empty(cut.FindAll("[data-testid=mm-approve]"));
        Assert.Empty(cut.FindAll("[data-testid=mm-decision]"));
    }

    [Fact]
    public async Task DetailPage_ForAnOfficer_OffersTheReview_AndShowsTheDecisionOnceMade()
    {
        var id = await SubmitAsync("erin", "Q3 performance brochure");
        await using var ctx = PageContext("casey", UserRoles.ComplianceOfficer);
        var cut = ctx.Render<MaterialDetailPage>(p => p.Add(d => d.Id, id));
        cut.WaitForElement("button[data-testid=mm-approve]");
        Assert.DoesNotContain("Upload a new version", cut.Markup);

        cut.Find("[data-testid=mm-comments] textarea, textarea[data-testid=mm-comments]").Change("balanced, periods stated");
        await cut.Find("button[data-testid=mm-approve]").ClickAsync(new());

        cut.WaitForAssertion(() => Assert.Contains("Version 1 approved by casey", cut.Find("[data-testid=mm-decision]").TextContent));
        Assert.Contains("balanced, periods stated", cut.Find("[data-testid=mm-decision]").TextContent);
        Assert.Equal("approved", cut.Find("[data-testid=mm-status]").TextContent.Trim());
        Assert.Empty(cut.FindAll("[data-testid=mm-approve]"));
        Assert.Equal("Approved", await Db.ScalarAsync($"SELECT \"Status\" FROM marketing_materials WHERE \"Id\" = {id}"));
    }

    [Fact]
    public async Task DetailPage_APendingMaterialOfSomeoneElse_IsNotShown()
    {
        var id = await SubmitAsync("erin", "Q3 performance brochure");
        await using var ctx = PageContext("frank", UserRoles.Employee);

        var cut = ctx.Render<MaterialDetailPage>(p => p.Add(d => d.Id, id));

        cut.WaitForAssertion(() => Assert.Contains($"Material MM-{id} does not exist or is not yours to see.", cut.Find("[data-testid=mm-not-visible]").TextContent));
        Assert.DoesNotContain("Q3 performance brochure", cut.Markup);
    }

    [Fact]
    public async Task DetailPage_AnOwnerNowAnAuditor_SeesTheMaterialButUploadsNoVersion()
    {
        var today = DateOnly.FromDateTime(DateTime.UtcNow);
        var erin = await Portal.CreateUserAsync(UserRoles.Auditor, today.AddDays(-30), today);
        var id = await SubmitAsync(erin, "Q3 performance brochure");
        await using var ctx = PageContext(erin, UserRoles.Auditor);

        var cut = ctx.Render<MaterialDetailPage>(p => p.Add(d => d.Id, id));

        cut.WaitForElement("[data-testid=mm-versions]");
        Assert.DoesNotContain("Upload a new version", cut.Markup);
        Assert.Empty(cut.FindAll("[data-testid=mm-approve]"));
    }

    [Fact]
    public async Task List_ForAnEmployee_ShowsApprovedAndOwnMaterials_NotTheQueue()
    {
        var mine = await SubmitAsync("erin", "Erins draft");
        var approved = await SubmitAsync("frank", "Franks fact sheet");
        await Service.DecideAsync(new Actor("casey"), approved, 1, approve: true, "fine");
        await SubmitAsync("frank", "Franks pending flyer");
        await using var ctx = PageContext("erin", UserRoles.Employee);

        var cut = ctx.Render<MaterialList>();

        cut.WaitForAssertion(() => Assert.Contains("Franks fact sheet", cut.Find("[data-testid=mm-approved]").TextContent));
        Assert.Single(cut.FindAll("[data-testid=mm-approved] tbody tr"));
        Assert.Contains("Erins draft", cut.Find("[data-testid=mm-mine]").TextContent);
        Assert.Single(cut.FindAll("[data-testid=mm-mine] tbody tr"));
        Assert.Empty(cut.FindAll("[data-testid=mm-pending]"));
        Assert.DoesNotContain("Franks pending flyer", cut.Markup);
        Assert.Equal("/materials/new", cut.Find("[data-testid=mm-new]").GetAttribute("href"));
        Assert.Equal($"/materials/{mine}", cut.Find("[data-testid=mm-mine] tbody a").GetAttribute("href"));
    }

    [Fact]
    public async Task List_ForAnAuditor_ShowsTheQueue_NoUploads()
    {
        await SubmitAsync("erin", "Erins draft");
        await SubmitAsync("frank", "Franks pending flyer");
        var today = DateOnly.FromDateTime(DateTime.UtcNow);
        await using var ctx = PageContext(await Portal.CreateUserAsync(UserRoles.Auditor, today.AddDays(-30), today), UserRoles.Auditor);

        var cut = ctx.Render<MaterialList>();

        cut.WaitForAssertion(() => Assert.Equal(2, cut.FindAll("[data-testid=mm-pending] tbody tr").Count));
        // Oldest first.
        Assert.Equal(["Erins draft", "Franks pending flyer"], cut.FindAll("[data-testid=mm-pending] tbody tr").Select(r => r.QuerySelectorAll("td")[1].TextContent.Trim()));
        Assert.Contains("No approved materials.", cut.Find("[data-testid=mm-approved]").TextContent);
        Assert.Empty(cut.FindAll("[data-testid=mm-mine]"));
        Assert.Empty(cut.FindAll("[data-testid=mm-new]"));
    }

    [Fact]
    public async Task UploadPage_Submit_StoresWhatWasEnteredAndOpensTheNewMaterial()
    {
        await using var ctx = PageContext("erin", UserRoles.Employee);
        var cut = ctx.Render<UploadMaterial>();
        var bytes = SampleFiles.Pdf("Q4 outlook");

        cut.Find("[data-testid=mm-title] input, input[data-testid=mm-title]").Change("Q4 outlook");
        var audience = cut.FindComponent<MudSelect<string>>();
        await cut.InvokeAsync(() => audience.Instance.ValueChanged.InvokeAsync("Existing clients"));
        cut.FindComponent<InputFile>().UploadFiles(InputFileContent.CreateFromBinary(bytes, "outlook.pdf"));
        cut.WaitForAssertion(() => Assert.Contains("outlook.pdf", cut.Find("[data-testid=mm-file-name]").TextContent));
        await cut.Find("button[data-testid=mm-submit]").ClickAsync(new());

        var navigation = ctx.Services.GetRequiredService<NavigationManager>();
        cut.WaitForAssertion(() => Assert.Matches(@"/materials/\d+$", navigation.Uri));
        var id = long.Parse(navigation.Uri[(navigation.Uri.LastIndexOf('/') + 1)..], System.Globalization.CultureInfo.InvariantCulture);
        Assert.Equal("Q4 outlook|Existing clients|erin|PendingReview", await Db.ScalarAsync(
            $"SELECT concat_ws('|', \"Title\", \"Audience\", \"Owner\", \"Status\") FROM marketing_materials WHERE \"Id\" = {id}"));
        Assert.Equal("outlook.pdf|" + Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(bytes)), await Db.ScalarAsync(
            $"SELECT concat_ws('|', \"FileName\", \"Sha256\") FROM marketing_material_versions WHERE \"MaterialId\" = {id}"));
    }
}
