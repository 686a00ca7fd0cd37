using System.Text.Json;
using Bunit;
using CompliancePortal.ComplianceLogs.Pages;
using CompliancePortal.Core.ComplianceLogs;
using CompliancePortal.Tests.Infrastructure;

namespace CompliancePortal.Tests.ComplianceLogs;

/// <summary>The compliance-log forms' footer and the record list, from given data.</summary>
public sealed class ComplianceLogComponentsTests
{
    [Fact]
    public async Task Footer_WithoutAnError_ShowsOnlyTheButton_WhichSaves()
    {
        await using var ctx = PortalBunit.NewContext();
        var saved = 0;

        var cut = ctx.Render<FormFooter>(p => p.Add(f => f.OnSave, () => saved++));
        Assert.Empty(cut.FindAll("[data-testid=compliance-error]"));
        await cut.Find("button[data-testid=compliance-record]").ClickAsync(new());

        Assert.Equal(1, saved);
    }

    [Fact]
    public async Task Footer_WithAnError_ShowsIt()
    {
        await using var ctx = PortalBunit.NewContext();

        var cut = ctx.Render<FormFooter>(p => p.Add(f => f.Error, "Fill in employee and course."));

        Assert.Equal("Fill in employee and course.", cut.Find("[data-testid=compliance-error]").TextContent.Trim());
    }

    [Fact]
    public async Task RecordList_ShowsEachRecordsFields_LeavingOutEmptyOnes()
    {
        await using var ctx = PortalBunit.NewContext();
        ComplianceRecord[] records =
        [
            new(42, new DateTime(2026, 11, 3, 16, 20, 5, DateTimeKind.Utc), ComplianceRecords.TrainingCompletedEvent, "casey",
                JsonDocument.Parse("""{"employee":"jane","course":"AML basics","completed_on":"2026-11-03","score":null}""").RootElement),
            new(41, new DateTime(2026, 11, 2, 9, 0, 0, DateTimeKind.Utc), ComplianceRecords.TrainingCompletedEvent, "dana",
                JsonDocument.Parse("""{"employee":"erin","course":"Code of ethics","score":92}""").RootElement),
        ];

        var cut = ctx.Render<RecordList>(p => p.Add(l => l.Records, records));

        var rows = cut.FindAll("[data-testid=compliance-records] tbody tr");
        Assert.Equal(2, rows.Count);
        Assert.Equal(["42", "2026-11-03 16:20", "casey", "employee: jane · course: AML basics · completed_on: 2026-11-03"],
            rows[0].QuerySelectorAll("td").Select(td => td.TextContent.Trim()));
        Assert.Equal("employee: erin · course: Code of ethics · score: 92", rows[1].QuerySelectorAll("td")[3].TextContent.Trim());
        Assert.DoesNotContain("Nothing recorded yet.", cut.Markup);
    }

    [Fact]
    public async Task RecordList_Empty_SaysNothingIsRecorded()
    {
        await using var ctx = PortalBunit.NewContext();

        var cut = ctx.Render<RecordList>(p => p.Add(l => l.Records, Array.Empty<ComplianceRecord>()));

        Assert.Equal("Nothing recorded yet.", cut.Find("[data-testid=compliance-records] tbody").TextContent.Trim());
    }
}
