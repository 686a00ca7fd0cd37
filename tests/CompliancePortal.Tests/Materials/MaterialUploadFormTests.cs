using Bunit;
using CompliancePortal.Accounts;
using CompliancePortal.Core.Archive;
using CompliancePortal.Core.Audit;
using CompliancePortal.Core.Data;
using CompliancePortal.Core.Ledger;
using CompliancePortal.Core.Materials;
using CompliancePortal.Materials.Pages;
using CompliancePortal.Tests.Infrastructure;
using Microsoft.AspNetCore.Components.Forms;
using Microsoft.AspNetCore.Http;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Npgsql;

namespace CompliancePortal.Tests.Materials;

/// <summary>
/// The upload form shows why an upload is refused. No database exists and the archive folder must
/// stay empty: every refusal here has to come before anything is stored.
/// </summary>
public sealed class MaterialUploadFormTests : IDisposable
{
    private readonly string _archive = Path.Combine(Path.GetTempPath(), "cp-mm-form-" + Guid.NewGuid().ToString("N")[..8]);

    private BunitContext NewContext() => PortalBunit.NewContext("erin", services => MaterialFormServices.Add(services, _archive, maxBytes: 1024));

    private static async Task SubmitAsync(IRenderedComponent<MaterialUploadForm> cut) =>
        await cut.Find("button[data-testid=mm-submit]").ClickAsync(new());

    private static void Choose(IRenderedComponent<MaterialUploadForm> cut, byte[] bytes, string name) =>
        cut.FindComponent<InputFile>().UploadFiles(InputFileContent.CreateFromBinary(bytes, name));

    private static string ErrorOf(IRenderedComponent<MaterialUploadForm> cut) => cut.Find("[data-testid=mm-error]").TextContent;

    [Fact]
    public async Task Submit_Empty_AsksForATitle()
    {
        await using var ctx = NewContext();
        var cut = ctx.Render<MaterialUploadForm>();

        await SubmitAsync(cut);

        cut.WaitForAssertion(() => Assert.Contains("Give the material a title.", ErrorOf(cut)));
    }

    [Fact]
    public async Task Submit_WithATitleOnly_AsksForTheAudience()
    {
        await using var ctx = NewContext();
        var cut = ctx.Render<MaterialUploadForm>();

        cut.Find("[data-testid=mm-title] input, input[data-testid=mm-title]").Change("Q3 brochure");
        await SubmitAsync(cut);

        cut.WaitForAssertion(() => Assert.Contains("Choose the intended audience.", ErrorOf(cut)));
    }

    [Fact]
    public async Task Submit_WithoutAFile_AsksForOne()
    {
        await using var ctx = NewContext();
        var cut = ctx.Render<MaterialUploadForm>(p => p.Add(f => f.InitialTitle, "Q3 brochure").Add(f => f.InitialAudience, "Existing clients"));

        await SubmitAsync(cut);

        cut.WaitForAssertion(() => Assert.Contains("Choose the file to upload.", ErrorOf(cut)));
    }

    [Fact]
    public async Task Submit_AnExecutableNamedPdf_SaysTheContentIsNotAcceptedAndStoresNothing()
    {
        await using var ctx = NewContext();
        var cut = ctx.Render<MaterialUploadForm>(p => p.Add(f => f.InitialTitle, "Q3 brochure").Add(f => f.InitialAudience, "Existing clients"));

        Choose(cut, SampleFiles.Executable(), "brochure.pdf");
        cut.WaitForAssertion(() => Assert.Contains("brochure.pdf", cut.Find("[data-testid=mm-file-name]").TextContent));
        await SubmitAsync(cut);

        cut.WaitForAssertion(() => Assert.Contains("not a PDF, DOCX, PNG or JPEG", ErrorOf(cut)));
        Assert.False(Directory.Exists(_archive));
    }

    [Fact]
    public async Task Submit_APdfNamedDocx_AsksToRenameIt()
    {
        await using var ctx = NewContext();
        var cut = ctx.Render<MaterialUploadForm>(p => p.Add(f => f.InitialTitle, "Q3 brochure").Add(f => f.InitialAudience, "Existing clients"));

        Choose(cut, SampleFiles.Pdf(), "brochure.docx");
        await SubmitAsync(cut);

        cut.WaitForAssertion(() => Assert.Contains("content is a PDF, but its name ends in '.docx'; rename it to .pdf", ErrorOf(cut)));
    }

    [Fact]
    public async Task Submit_AFileOverTheLimit_NamesTheLimitAndStoresNothing()
    {
        await using var ctx = NewContext();
        var cut = ctx.Render<MaterialUploadForm>(p => p.Add(f => f.InitialTitle, "Q3 brochure").Add(f => f.InitialAudience, "Existing clients"));

        Choose(cut, [.. SampleFiles.Pdf(), .. new byte[1024]], "brochure.pdf");
        await SubmitAsync(cut);

        cut.WaitForAssertion(() => Assert.Contains("The file is larger than the 1 KiB limit.", ErrorOf(cut)));
        Assert.False(Directory.Exists(_archive));
    }

    public void Dispose()
    {
        if (Directory.Exists(_archive)) Directory.Delete(_archive, recursive: true);
    }
}

/// <summary>The officer's decision form asks for comments before anything reaches the database.</summary>
public sealed class MaterialDecisionFormTests
{
    [Theory]
    [InlineData("mm-approve")]
    [InlineData("mm-reject")]
    public async Task Decide_WithoutComments_AsksForThem(string button)
    {
        await using var ctx = PortalBunit.NewContext("casey", services =>
            MaterialFormServices.Add(services, Path.Combine(Path.GetTempPath(), "cp-mm-unused"), maxBytes: 1024));
        var cut = ctx.Render<MaterialDecisionForm>(p => p.Add(f => f.MaterialId, 7).Add(f => f.Version, 2));

        cut.Find("[data-testid=mm-comments] textarea, textarea[data-testid=mm-comments]").Change("   ");
        await cut.Find($"button[data-testid={button}]").ClickAsync(new());

        cut.WaitForAssertion(() => Assert.Contains("A decision needs comments.", cut.Find("[data-testid=mm-decision-error]").TextContent));
        Assert.Contains("Review version 2", cut.Markup);
    }
}

/// <summary>
/// The material forms' services with a database that does not exist: every answer these tests
/// expect has to come before any query.
/// </summary>
internal static class MaterialFormServices
{
    public static void Add(IServiceCollection services, string archiveFolder, long maxBytes)
    {
        var nowhere = new DbContextOptionsBuilder<PortalDbContext>().UseNpgsql("Host=127.0.0.1;Port=1;Database=none").Options;
        var signal = new LedgerCommitSignal();
        var writer = new LedgerWriter(NpgsqlDataSource.Create("Host=127.0.0.1;Port=1"), Options.Create(new LedgerOptions()), signal, NullLogger<LedgerWriter>.Instance);
        var ledger = new LedgerAppend(writer, signal);
        services.AddSingleton<IDbContextFactory<PortalDbContext>>(new NoFactory(nowhere));
        services.AddSingleton<IArchiveStore>(new LocalFolderArchiveStore(archiveFolder));
        services.AddSingleton<ILedgerAppend>(ledger);
        services.AddSingleton(new UserActionLog(ledger, TimeProvider.System));
        services.AddSingleton(Options.Create(new MaterialsOptions { MaxBytes = maxBytes }));
        services.AddSingleton(TimeProvider.System);
        services.AddSingleton<MarketingMaterialService>();
        services.AddSingleton<IHttpContextAccessor, HttpContextAccessor>();
        services.AddSingleton<RoleCheck>();
        services.AddScoped<CurrentActor>();
    }

    private sealed class NoFactory(DbContextOptions<PortalDbContext> options) : IDbContextFactory<PortalDbContext>
    {
        public PortalDbContext CreateDbContext() => new(options);
    }
}
