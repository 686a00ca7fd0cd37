using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;
using CompliancePortal.Core.Accounts;
using CompliancePortal.Core.Audit;
using CompliancePortal.Core.Materials;
using CompliancePortal.E2E.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;

namespace CompliancePortal.E2E.Materials;

[Collection(BrowserCollection.Name)]
public sealed partial class MaterialReviewFlowTests(BrowserFixture browser)
{
    [GeneratedRegex(@"/materials/\d+$")]
    private static partial Regex MaterialPage();

    [Fact]
    public async Task AnUploadedMaterial_IsApproved_AndShowsInTheApprovedList()
    {
        var title = "Q3 income strategy brochure " + Random.Shared.Next(1000, 9999);
        var pdf = Encoding.ASCII.GetBytes($"%PDF-1.4\n% {title}\n%%EOF\n");

        // An employee uploads a PDF for review.
        var author = await browser.NewPageAsync();
        var errors = author.CollectErrors();
        await browser.SignInAsync(author, UserRoles.Employee);
        await author.GotoAsync("/materials/new");
        await author.GetByLabel("Title").FillAsync(title);
        await author.GetByTestId("mm-audience").ClickAsync();
        await author.GetByRole(AriaRole.Option, new() { Name = "Existing clients" }).ClickAsync();
        await author.Locator("input[type=file]").SetInputFilesAsync(new FilePayload { Name = "brochure.pdf", MimeType = "application/pdf", Buffer = pdf });
        await Assertions.Expect(author.GetByTestId("mm-file-name")).ToContainTextAsync("brochure.pdf");
        await author.SaveScreenshotAsync("material-upload.png");
        await author.GetByTestId("mm-submit").ClickAsync();
        await author.WaitForURLAsync(MaterialPage());
        await Assertions.Expect(author.GetByTestId("mm-status")).ToHaveTextAsync("pending review");
        var id = author.Url.Split('/').Last();

        // The officer finds it waiting, reads it and approves with comments.
        var officer = await browser.NewPageAsync();
        await browser.SignInAsync(officer, UserRoles.ComplianceOfficer);
        await officer.GotoAsync("/materials");
        await officer.GetByTestId("mm-pending").GetByRole(AriaRole.Link, new() { Name = $"MM-{id}" }).ClickAsync();
        await officer.WaitForURLAsync($"**/materials/{id}");
        var download = await officer.RunAndWaitForDownloadAsync(() => officer.GetByTestId("mm-download").ClickAsync());
        Assert.Equal("brochure.pdf", download.SuggestedFilename);
        Assert.Equal(pdf, await File.ReadAllBytesAsync(await download.PathAsync()));
        await officer.GetByLabel("Comments (required)").FillAsync("Fair and balanced; performance shown net of fees.");
        await officer.GetByRole(AriaRole.Heading, new() { Name = $"Review version 1" }).ClickAsync();   // blur, and let the focus line's animation end: only the picture depends on it
        await officer.WaitForTimeoutAsync(500);
        await officer.SaveScreenshotAsync("material-review.png");
        await officer.GetByTestId("mm-approve").ClickAsync();
        await Assertions.Expect(officer.GetByTestId("mm-decision")).ToContainTextAsync("approved by");
        await Assertions.Expect(officer.GetByTestId("mm-status")).ToHaveTextAsync("approved");
        await Assertions.Expect(officer.GetByTestId("mm-approve")).ToHaveCountAsync(0);

        // The author's open page receives the decision without a reload.
        await Assertions.Expect(author.GetByTestId("mm-status")).ToHaveTextAsync("approved");
        await Assertions.Expect(author.GetByTestId("mm-decision")).ToContainTextAsync("performance shown net of fees");

        // Everyone who may use it finds it in the approved list.
        await author.GotoAsync("/materials");
        var row = author.GetByTestId("mm-approved").Locator("tr", new() { HasText = title });
        await Assertions.Expect(row).ToContainTextAsync("Existing clients");
        await Assertions.Expect(row.GetByTestId("mm-status")).ToHaveTextAsync("approved");
        await author.SaveScreenshotAsync("materials-approved.png");
        Assert.Empty(errors);
    }

    [Fact]
    public async Task NewVersion_TypedAndChosenTheMomentThePageOpens_IsStoredAsTyped()
    {
        var service = browser.Portal.Services.GetRequiredService<MarketingMaterialService>();
        var author = await browser.NewPageAsync();
        var owner = await browser.SignInAsync(author, UserRoles.Employee);
        var first = Encoding.ASCII.GetBytes("%PDF-1.4\n% fact sheet, November\n%%EOF\n");
        var material = (await service.SubmitAsync(new Actor(owner), new MaterialUpload("Fact sheet", "Existing clients", "v1.pdf", new MemoryStream(first)))).Value!;
        var title = "Fact sheet, December " + Random.Shared.Next(1000, 9999);
        var second = Encoding.ASCII.GetBytes($"%PDF-1.4\n% {title}\n%%EOF\n");

        await author.GotoAsync($"/materials/{material.Id}");
        await author.GetByLabel("Title").FillAsync(title);
        await author.Locator("input[type=file]").SetInputFilesAsync(new FilePayload { Name = "v2.pdf", MimeType = "application/pdf", Buffer = second });
        await author.GetByTestId("mm-submit").ClickAsync();

        await Assertions.Expect(author.GetByTestId("mm-versions").Locator("tbody tr")).ToHaveCountAsync(2);
        var detail = await service.FindAsync(material.Id, new MaterialViewer(owner, IsOfficer: false, IsAuditor: false));
        var version = Assert.Single(detail!.Versions, v => v.Version == 2);
        Assert.Equal((2, title, "v2.pdf", Convert.ToHexStringLower(SHA256.HashData(second))),
            (detail.Material.CurrentVersion, version.Title, version.FileName, version.Sha256));
    }
}
