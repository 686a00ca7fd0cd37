using AngleSharp.Dom;
using Bunit;
using CompliancePortal.ComplianceLogs.Pages;
using CompliancePortal.Core.Accounts;
using CompliancePortal.Core.Audit;
using CompliancePortal.Core.ComplianceLogs;
using CompliancePortal.Tests.Infrastructure;
using Microsoft.AspNetCore.Components;
using Microsoft.Extensions.DependencyInjection;
using MudBlazor;

namespace CompliancePortal.Tests.ComplianceLogs;

/// <summary>
/// The three compliance-log forms and the log page over the real <see cref="ComplianceRecords"/> on
/// PostgreSQL: a refusal is shown and writes nothing, a recorded form is the ledger entry of what was typed.
/// </summary>
[Collection(PostgresCollection.Name)]
public sealed class ComplianceLogFormsTests(PostgresFixture postgres) : PortalPageTest(postgres)
{
    /// <summary>The input (or textarea) of the MudBlazor field labelled <paramref name="label"/>.</summary>
    private static IElement Field(IRenderedComponent<IComponent> cut, string label)
    {
        var text = cut.FindComponents<MudTextField<string>>().Where(f => f.Instance.Label == label).Select(f => f.Find("input, textarea"));
        var year = cut.FindComponents<MudNumericField<int>>().Where(f => f.Instance.Label == label).Select(f => f.Find("input"));
        var score = cut.FindComponents<MudNumericField<int?>>().Where(f => f.Instance.Label == label).Select(f => f.Find("input"));
        return text.Concat(year).Concat(score).Single();
    }

    private static async Task RecordAsync(IRenderedComponent<IComponent> cut) => await cut.Find("button[data-testid=compliance-record]").ClickAsync(new());

    private static string ErrorOf(IRenderedComponent<IComponent> cut) => cut.Find("[data-testid=compliance-error]").TextContent.Trim();

    private Task<object?> ComplianceEntriesAsync() => Db.ScalarAsync("SELECT count(*) FROM audit_log WHERE log_type = 'COMPLIANCE' AND event IN ('policy_violation','training_completed','annual_review')");

    private Task<object?> EntryAsync(string @event) =>
        Db.ScalarAsync($"SELECT user_id || ' ' || event_data::text FROM audit_log WHERE event = '{@event}'");

    [Fact]
    public async Task PolicyViolation_Incomplete_ShowsTheRefusalAndRecordsNothing()
    {
        await using var ctx = PageContext("casey", UserRoles.ComplianceOfficer);
        var recorded = 0;
        var cut = ctx.Render<PolicyViolationForm>(p => p.Add(f => f.OnRecorded, () => recorded++));

        Field(cut, "Employee").Change("erin");
        await RecordAsync(cut);

        cut.WaitForAssertion(() => Assert.Equal("Fill in employee, policy, description and action taken.", ErrorOf(cut)));
        Assert.Equal(0, recorded);
        Assert.Equal(0L, await ComplianceEntriesAsync());
    }

    [Fact]
    public async Task PolicyViolation_Recorded_IsTheLedgerEntryOfWhatWasTyped()
    {
        await using var ctx = PageContext("casey", UserRoles.ComplianceOfficer);
        var recorded = 0;
        var cut = ctx.Render<PolicyViolationForm>(p => p.Add(f => f.OnRecorded, () => recorded++));

        Field(cut, "Employee").Change("erin");
        Field(cut, "Policy").Change("Gifts and entertainment");
        await cut.InvokeAsync(() => cut.FindComponent<MudSelect<string>>().Instance.ValueChanged.InvokeAsync("high"));
        Field(cut, "What happened").Change("accepted concert tickets");
        Field(cut, "Action taken").Change("reimbursed; written warning");
        await RecordAsync(cut);

        cut.WaitForAssertion(() => Assert.Equal(1, recorded));
        Assert.Empty(cut.FindAll("[data-testid=compliance-error]"));
        Assert.Equal("""casey {"policy": "Gifts and entertainment", "employee": "erin", "severity": "high", "description": "accepted concert tickets", "action_taken": "reimbursed; written warning"}""",
            await EntryAsync(ComplianceRecords.PolicyViolationEvent));
        Assert.Equal("", Field(cut, "Employee").GetAttribute("value") ?? "");
    }

    [Fact]
    public async Task Training_WithAScoreOver100_ShowsTheRefusal()
    {
        await using var ctx = PageContext("casey", UserRoles.ComplianceOfficer);
        var cut = ctx.Render<TrainingForm>();

        Field(cut, "Employee").Change("erin");
        Field(cut, "Course").Change("Code of ethics 2026");
        // The field clamps to its Max, so the service's check is reached by a value set past the input.
        await cut.InvokeAsync(() => cut.FindComponent<MudNumericField<int?>>().Instance.ValueChanged.InvokeAsync(101));
        await RecordAsync(cut);

        cut.WaitForAssertion(() => Assert.Equal("A score is between 0 and 100.", ErrorOf(cut)));
        Assert.Equal(0L, await ComplianceEntriesAsync());
    }

    [Fact]
    public async Task Training_Recorded_OnTodayByDefault_WithTheTypedScore()
    {
        await using var ctx = PageContext("casey", UserRoles.ComplianceOfficer);
        var recorded = 0;
        var cut = ctx.Render<TrainingForm>(p => p.Add(f => f.OnRecorded, () => recorded++));

        Field(cut, "Employee").Change("erin");
        Field(cut, "Course").Change("Code of ethics 2026");
        Field(cut, "Score (optional)").Change("92");
        await RecordAsync(cut);

        cut.WaitForAssertion(() => Assert.Equal(1, recorded));
        Assert.Equal($$"""casey {"score": 92, "course": "Code of ethics 2026", "employee": "erin", "completed_on": "{{DateTime.UtcNow:yyyy-MM-dd}}"}""",
            await EntryAsync(ComplianceRecords.TrainingCompletedEvent));
    }

    [Fact]
    public async Task AnnualReview_Incomplete_ShowsTheRefusal()
    {
        await using var ctx = PageContext("casey", UserRoles.ComplianceOfficer);
        var cut = ctx.Render<AnnualReviewForm>();

        Field(cut, "Scope (Rule 206(4)-7 annual review)").Change("compliance program");
        await RecordAsync(cut);

        cut.WaitForAssertion(() => Assert.Equal("Fill in scope, findings and conclusion.", ErrorOf(cut)));
        Assert.Equal(0L, await ComplianceEntriesAsync());
    }

    [Fact]
    public async Task AnnualReview_Recorded_ForLastYearByDefault()
    {
        await using var ctx = PageContext("casey", UserRoles.ComplianceOfficer);
        var recorded = 0;
        var cut = ctx.Render<AnnualReviewForm>(p => p.Add(f => f.OnRecorded, () => recorded++));

        Assert.Equal((DateTime.UtcNow.Year - 1).ToString(System.Globalization.CultureInfo.InvariantCulture), Field(cut, "Year reviewed").GetAttribute("value"));
        Field(cut, "Scope (Rule 206(4)-7 annual review)").Change("compliance program");
        Field(cut, "Findings").Change("two late Form 13F filings");
        Field(cut, "Conclusion").Change("program effective");
        await RecordAsync(cut);

        cut.WaitForAssertion(() => Assert.Equal(1, recorded));
        Assert.Equal($$"""casey {"scope": "compliance program", "findings": "two late Form 13F filings", "conclusion": "program effective", "review_year": {{DateTime.UtcNow.Year - 1}}}""",
            await EntryAsync(ComplianceRecords.AnnualReviewEvent));
    }

    [Fact]
    public async Task Page_ListsTheRecordedViolations_AndANewOneOnceRecorded()
    {
        var records = Portal.Services.GetRequiredService<ComplianceRecords>();
        await records.RecordAsync(new Actor("dana"), new PolicyViolation("frank", "Personal trading", "low", "late report", "reminded"));
        await records.RecordAsync(new Actor("dana"), new TrainingCompletion("jane", "AML basics", new DateOnly(2026, 11, 3), null));
        await using var ctx = PageContext("casey", UserRoles.ComplianceOfficer);
        var cut = ctx.Render<ComplianceLog>();

        cut.WaitForAssertion(() => Assert.Contains("policy: Personal trading", cut.Find("[data-testid=compliance-records]").TextContent));
        Assert.DoesNotContain("AML basics", cut.Find("[data-testid=compliance-records]").TextContent);

        Field(cut, "Employee").Change("erin");
        Field(cut, "Policy").Change("Gifts and entertainment");
        Field(cut, "What happened").Change("accepted concert tickets");
        Field(cut, "Action taken").Change("reimbursed");
        await RecordAsync(cut);

        cut.WaitForAssertion(() => Assert.Equal(2, cut.FindAll("[data-testid=compliance-records] tbody tr").Count));
        var newest = cut.Find("[data-testid=compliance-records] tbody tr").TextContent;
        // The severity left at its default, medium.
        Assert.All(["employee: erin", "policy: Gifts and entertainment", "severity: medium", "action_taken: reimbursed"], part => Assert.Contains(part, newest));
    }
}
