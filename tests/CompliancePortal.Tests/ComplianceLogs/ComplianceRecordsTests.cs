using CompliancePortal.Core.Audit;
using CompliancePortal.Core.ComplianceLogs;
using CompliancePortal.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace CompliancePortal.Tests.ComplianceLogs;

[Collection(PostgresCollection.Name)]
public sealed class ComplianceRecordsTests(PostgresFixture postgres) : PortalTest(postgres)
{
    private static readonly Actor Officer = new("casey");

    [Fact]
    public async Task Record_EachKind_IsAComplianceLedgerEntryListedNewestFirst()
    {
        var records = Portal.Services.GetRequiredService<ComplianceRecords>();

        Assert.Null(await records.RecordAsync(Officer, new PolicyViolation("erin", "Gifts and entertainment", "medium", "accepted concert tickets", "reimbursed; warning")));
        Assert.Null(await records.RecordAsync(Officer, new TrainingCompletion("erin", "Code of ethics 2026", new DateOnly(2026, 11, 2), 92)));
        Assert.Null(await records.RecordAsync(Officer, new AnnualReview(2025, "compliance program", "two late filings", "program effective")));
        Assert.Null(await records.RecordAsync(Officer, new TrainingCompletion("jane", "AML basics", new DateOnly(2026, 11, 3), null)));

        var trainings = await records.RecentAsync(ComplianceRecords.TrainingCompletedEvent);
        Assert.Equal(["AML basics", "Code of ethics 2026"], trainings.Select(t => t.Data.GetProperty("course").GetString()));
        Assert.Equal("casey", trainings[0].RecordedBy);
        Assert.Equal(4L, await Db.ScalarAsync("SELECT count(*) FROM audit_log WHERE log_type = 'COMPLIANCE' AND event IN ('policy_violation','training_completed','annual_review')"));
        Assert.Equal("Gifts and entertainment", await Db.ScalarAsync("SELECT event_data->>'policy' FROM audit_log WHERE event = 'policy_violation'"));
    }

    [Fact]
    public async Task Record_Incomplete_IsRefusedAndWritesNothing()
    {
        var records = Portal.Services.GetRequiredService<ComplianceRecords>();

        Assert.NotNull(await records.RecordAsync(Officer, new PolicyViolation("erin", "", "medium", "x", "y")));
        Assert.NotNull(await records.RecordAsync(Officer, new PolicyViolation("erin", "p", "catastrophic", "x", "y")));
        Assert.NotNull(await records.RecordAsync(Officer, new TrainingCompletion("erin", "c", new DateOnly(2026, 1, 1), 101)));
        Assert.NotNull(await records.RecordAsync(Officer, new AnnualReview(1800, "s", "f", "c")));

        Assert.Equal(0L, await Db.ScalarAsync("SELECT count(*) FROM audit_log WHERE log_type = 'COMPLIANCE'"));
    }
}
