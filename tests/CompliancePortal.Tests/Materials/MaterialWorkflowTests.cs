using CompliancePortal.Core.Audit;
using CompliancePortal.Core.Materials;
using CompliancePortal.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace CompliancePortal.Tests.Materials;

/// <summary>The review workflow's rows, archive objects and ledger entries, against the real PostgreSQL.</summary>
[Collection(PostgresCollection.Name)]
public sealed class MaterialWorkflowTests(PostgresFixture postgres) : MaterialsTest(postgres)
{
    private const string Entries = "SELECT count(*) FROM audit_log WHERE log_type = 'COMPLIANCE' AND event = 'marketing_material_review'";

    [Fact]
    public async Task Submit_StoresTheFileThenItsRowsAndLedgerEntryNamingItsHash()
    {
        var pdf = SampleFiles.Pdf();

        var result = await SubmitAsync(pdf);

        Assert.Null(result.Error);
        var material = result.Value!;
        Assert.Equal(MaterialStatus.PendingReview, material.Status);
        var sha = SampleFiles.Sha256(pdf);
        var key = $"materials/{material.Id}/v1/{sha}.pdf";
        Assert.Equal(pdf, await ReadArchiveAsync(key));
        Assert.Equal($"{sha}|{key}|application/pdf|{pdf.Length}|erin", await ScalarAsync(
            $"SELECT concat_ws('|', \"Sha256\", \"ArchiveKey\", \"ContentType\", \"SizeBytes\", \"UploadedBy\") FROM marketing_material_versions WHERE \"MaterialId\" = {material.Id}"));
        Assert.Equal(1L, await CountAsync(Entries));
        Assert.Equal($"MM-{material.Id}|submitted|1|Q3 performance brochure|{Retail}|{sha}|{key}|pending|erin", await ScalarAsync(
            "SELECT concat_ws('|', event_data->>'material_id', event_data->>'action', event_data->>'version', event_data->>'title', event_data->>'audience', event_data->>'sha256', event_data->>'archive_key', event_data->>'decision', user_id) FROM audit_log WHERE event = 'marketing_material_review'"));
    }

    [Fact]
    public async Task Approve_ByAnOfficerWithComments_IsRecordedAndListedAsApproved()
    {
        var submitted = (await SubmitAsync(SampleFiles.Pdf())).Value!;

        var decided = await Service.DecideAsync(Officer, submitted.Id, 1, approve: true, "  fair and balanced; disclosures present  ");

        Assert.Null(decided.Error);
        Assert.Equal(MaterialStatus.Approved, decided.Value!.Status);
        Assert.Equal([submitted.Id], (await Service.ApprovedAsync()).Select(m => m.Id));
        Assert.Empty(await Service.PendingAsync());
        Assert.Equal("Approved|casey", await ScalarAsync($"SELECT concat_ws('|', \"Status\", \"Reviewer\") FROM marketing_materials WHERE \"Id\" = {submitted.Id}"));
        Assert.Equal("t|casey|fair and balanced; disclosures present", await ScalarAsync(
            $"SELECT concat_ws('|', \"Approved\", \"Reviewer\", \"Comments\") FROM marketing_material_reviews WHERE \"MaterialId\" = {submitted.Id} AND \"Version\" = 1"));
        Assert.Equal("approved|approved|casey|fair and balanced; disclosures present|Approved", await ScalarAsync(
            "SELECT concat_ws('|', event_data->>'action', event_data->>'decision', event_data->>'reviewer', event_data->>'comments', event_data->>'status') FROM audit_log WHERE event_data->>'action' = 'approved'"));
    }

    [Fact]
    public async Task NewVersion_RestartsTheReview_AndOnlyTheCurrentVersionCanBeDecided()
    {
        var submitted = (await SubmitAsync(SampleFiles.Pdf())).Value!;
        await Service.DecideAsync(Officer, submitted.Id, 1, approve: true, "ok");
        var docx = SampleFiles.Docx();

        var second = await Service.AddVersionAsync(Author, submitted.Id, new MaterialUpload("Q3 brochure, corrected", "Existing clients", "brochure.docx", new MemoryStream(docx)));

        Assert.Null(second.Error);
        Assert.Equal(MaterialStatus.PendingReview, second.Value!.Status);
        Assert.Equal(2, second.Value.CurrentVersion);
        Assert.Empty(await Service.ApprovedAsync());
        var key = $"materials/{submitted.Id}/v2/{SampleFiles.Sha256(docx)}.docx";
        Assert.Equal(docx, await ReadArchiveAsync(key));
        Assert.Equal($"new_version|2|Q3 brochure, corrected|Existing clients|{key}|pending|PendingReview", await ScalarAsync(
            "SELECT concat_ws('|', event_data->>'action', event_data->>'version', event_data->>'title', event_data->>'audience', event_data->>'archive_key', event_data->>'decision', event_data->>'status') FROM audit_log WHERE event_data->>'action' = 'new_version'"));
        // Version 1 keeps its row and its approval; deciding it again is refused.
        Assert.Equal(2L, await CountAsync($"SELECT count(*) FROM marketing_material_versions WHERE \"MaterialId\" = {submitted.Id}"));
        Assert.Contains("not the current version", (await Service.DecideAsync(Officer, submitted.Id, 1, false, "late")).Error);

        var rejected = await Service.DecideAsync(Officer, submitted.Id, 2, approve: false, "hypothetical performance without disclosures");
        Assert.Equal(MaterialStatus.Rejected, rejected.Value!.Status);
        Assert.Contains("already rejected", (await Service.DecideAsync(Officer, submitted.Id, 2, true, "changed my mind")).Error);
        Assert.Equal(4L, await CountAsync(Entries));
    }

    [Fact]
    public async Task NewVersion_BySomeoneOtherThanTheOwner_IsRefusedAndStoresNothing()
    {
        var submitted = (await SubmitAsync(SampleFiles.Pdf())).Value!;

        var result = await Service.AddVersionAsync(new Actor("mallory"), submitted.Id, new MaterialUpload("mine now", Retail, "b.pdf", new MemoryStream(SampleFiles.Pdf())));

        Assert.Contains("Only erin", result.Error);
        Assert.Single(await ArchivedKeysAsync());
        Assert.Equal(1, (await Service.FindAsync(submitted.Id, new MaterialViewer("casey", true, false)))!.Material.CurrentVersion);
    }

    [Fact]
    public async Task Decide_OwnMaterial_IsRefusedAndChangesNothing()
    {
        var own = (await SubmitAsync(SampleFiles.Pdf(), by: Officer)).Value!;

        var decided = await Service.DecideAsync(Officer, own.Id, 1, approve: true, "looks great to me");

        Assert.Equal("Nobody may review their own material.", decided.Error);
        Assert.Equal("PendingReview", await ScalarAsync($"SELECT \"Status\" FROM marketing_materials WHERE \"Id\" = {own.Id}"));
        Assert.Equal(0L, await CountAsync("SELECT count(*) FROM marketing_material_reviews"));
        Assert.Equal(1L, await CountAsync(Entries));
    }

    [Fact]
    public async Task Decide_WithoutComments_IsRefused()
    {
        var submitted = (await SubmitAsync(SampleFiles.Pdf())).Value!;

        Assert.Equal("A decision needs comments.", (await Service.DecideAsync(Officer, submitted.Id, 1, true, "   ")).Error);
        Assert.Equal("PendingReview", await ScalarAsync($"SELECT \"Status\" FROM marketing_materials WHERE \"Id\" = {submitted.Id}"));
    }

    [Fact]
    public async Task Submit_WhenTheLedgerWriteFails_LeavesNoRows()
    {
        await FailLedgerAsync();

        await Assert.ThrowsAsync<PostgresException>(() => SubmitAsync(SampleFiles.Pdf()));

        Assert.Equal(0L, await CountAsync("SELECT count(*) FROM marketing_materials"));
        Assert.Equal(0L, await CountAsync("SELECT count(*) FROM marketing_material_versions"));
        Assert.Equal(0L, await CountAsync("SELECT count(*) FROM audit_log"));
        // The file was stored first: an unreferenced object is harmless, a row naming a missing one would not be.
        Assert.Single(await ArchivedKeysAsync());
    }

    [Fact]
    public async Task Decide_WhenTheLedgerWriteFails_LeavesTheMaterialPending()
    {
        var submitted = (await SubmitAsync(SampleFiles.Pdf())).Value!;
        await FailLedgerAsync();

        await Assert.ThrowsAsync<PostgresException>(() => Service.DecideAsync(Officer, submitted.Id, 1, true, "fine"));

        Assert.Equal("PendingReview|", await ScalarAsync($"SELECT concat(\"Status\", '|', \"Reviewer\") FROM marketing_materials WHERE \"Id\" = {submitted.Id}"));
        Assert.Equal(0L, await CountAsync("SELECT count(*) FROM marketing_material_reviews"));
        Assert.Equal(1L, await CountAsync(Entries));
    }

    [Fact]
    public async Task NewVersion_WhenTheLedgerWriteFails_KeepsTheApprovedVersionCurrent()
    {
        var submitted = (await SubmitAsync(SampleFiles.Pdf())).Value!;
        await Service.DecideAsync(Officer, submitted.Id, 1, true, "fine");
        await FailLedgerAsync();

        await Assert.ThrowsAsync<PostgresException>(() =>
            Service.AddVersionAsync(Author, submitted.Id, new MaterialUpload("v2", Retail, "b.png", new MemoryStream(SampleFiles.Png()))));

        Assert.Equal("Approved|1", await ScalarAsync($"SELECT concat(\"Status\", '|', \"CurrentVersion\") FROM marketing_materials WHERE \"Id\" = {submitted.Id}"));
        Assert.Equal(1L, await CountAsync("SELECT count(*) FROM marketing_material_versions"));
    }

    public static TheoryData<string, byte[], string> Refusals() => new()
    {
        { "program.pdf", SampleFiles.Executable(), "not a PDF, DOCX, PNG or JPEG" },
        { "sheet.docx", SampleFiles.ZipWithoutDocument(), "not a PDF, DOCX, PNG or JPEG" },
        { "brochure.docx", SampleFiles.Pdf(), "content is a PDF, but its name ends in '.docx'" },
        { "photo.png", SampleFiles.Jpeg(), "content is a JPEG, but its name ends in '.png'" },
        { "empty.pdf", [], "The file is empty." },
        { "huge.pdf", [.. SampleFiles.Pdf(), .. new byte[MaxBytes]], "larger than the 64 KiB limit" },
    };

    [Theory]
    [MemberData(nameof(Refusals))]
    public async Task Submit_WrongContentOrOversize_IsRefusedAndNothingIsStored(string fileName, byte[] bytes, string message)
    {
        var result = await SubmitAsync(bytes, fileName);

        Assert.Contains(message, result.Error);
        Assert.Null(result.Value);
        Assert.Empty(await ArchivedKeysAsync());
        Assert.Equal(0L, await CountAsync("SELECT count(*) FROM marketing_materials"));
        Assert.Equal(0L, await CountAsync("SELECT count(*) FROM audit_log"));
    }

    [Fact]
    public async Task Submit_AtExactlyTheLimit_IsAccepted_AndEveryAcceptedTypeIsNamedByItsBytes()
    {
        var pdf = SampleFiles.Pdf();
        var atLimit = pdf.Concat(new byte[MaxBytes - pdf.Length]).ToArray();

        Assert.Null((await SubmitAsync(atLimit)).Error);
        Assert.Null((await SubmitAsync(SampleFiles.Docx(), "memo.DOCX")).Error);
        Assert.Null((await SubmitAsync(SampleFiles.Png(), "chart.png")).Error);
        Assert.Null((await SubmitAsync(SampleFiles.Jpeg(), "team.jpeg")).Error);
        Assert.Equal("application/pdf,application/vnd.openxmlformats-officedocument.wordprocessingml.document,image/png,image/jpeg", await ScalarAsync(
            "SELECT string_agg(\"ContentType\", ',' ORDER BY \"Id\") FROM marketing_material_versions"));
    }

    [Theory]
    [InlineData("", Retail, "Give the material a title.")]
    [InlineData("Brochure", null, "Choose the intended audience.")]
    [InlineData("Brochure", "Martians", "not one of the audiences")]
    public async Task Submit_BadFields_AreRefusedBeforeTheFileIsRead(string title, string? audience, string message)
    {
        var result = await Service.SubmitAsync(Author, new MaterialUpload(title, audience, "b.pdf", new MemoryStream(SampleFiles.Pdf())));

        Assert.Contains(message, result.Error);
        Assert.Empty(await ArchivedKeysAsync());
    }

    [Fact]
    public async Task Versions_AndDecisions_CannotBeChangedOrRemoved_EvenByTheOwnerRole()
    {
        var submitted = (await SubmitAsync(SampleFiles.Pdf())).Value!;
        await Service.DecideAsync(Officer, submitted.Id, 1, true, "fine");

        foreach (var connection in new[] { Db.Connections.App, Db.Connections.Owner })
            foreach (var sql in new[]
            {
            "UPDATE marketing_material_versions SET \"Sha256\" = repeat('0', 64)",
            "DELETE FROM marketing_material_versions",
            "UPDATE marketing_material_reviews SET \"Approved\" = false",
            "DELETE FROM marketing_material_reviews",
        })
            {
                await using var db = new NpgsqlConnection(connection);
                await db.OpenAsync();
                await using var cmd = new NpgsqlCommand(sql, db);
                var refused = await Assert.ThrowsAsync<PostgresException>(() => cmd.ExecuteNonQueryAsync());
                Assert.Equal(PostgresErrorCodes.InsufficientPrivilege, refused.SqlState);
            }
        Assert.Equal(SampleFiles.Sha256(await ReadArchiveAsync((await Service.FindAsync(submitted.Id, new MaterialViewer("x", true, false)))!.Versions[0].ArchiveKey)),
            await ScalarAsync("SELECT \"Sha256\" FROM marketing_material_versions"));
    }

    private Task FailLedgerAsync() => Db.ExecuteAsAdminAsync("""
        CREATE FUNCTION fail_materials() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN IF NEW.event = 'marketing_material_review' THEN RAISE EXCEPTION 'ledger write failed'; END IF; RETURN NEW; END $$;
        CREATE TRIGGER fail_materials BEFORE INSERT ON audit_log FOR EACH ROW EXECUTE FUNCTION fail_materials();
        """);
}

/// <summary>Open material pages on every portal instance hear about a review step.</summary>
[Collection(PostgresCollection.Name)]
public sealed class MaterialLiveTests(PostgresFixture postgres) : MaterialsTest(postgres)
{
    [Fact]
    public async Task Submit_OnOneInstance_RaisesChangedOnAnotherInstance()
    {
        await using var other = new PortalFactory(Db, b => b.UseSetting("Archive:Folder", ArchiveFolder));
        var heard = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        other.Services.GetRequiredService<MarketingMaterialService>().Changed += () => heard.TrySetResult();

        await SubmitAsync(SampleFiles.Pdf());

        await heard.Task.WaitAsync(TimeSpan.FromSeconds(10));
    }
}
