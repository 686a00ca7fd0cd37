using CompliancePortal.Core.Accounts;
using CompliancePortal.Core.ComplianceLogs;
using CompliancePortal.E2E.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;

namespace CompliancePortal.E2E.ComplianceLogs;

/// <summary>The compliance log's three forms, each filled in and recorded the moment its tab shows.</summary>
[Collection(BrowserCollection.Name)]
public sealed class ComplianceLogPageTests(BrowserFixture browser)
{
    [Fact]
    public async Task EachForm_TypedTheMomentItShows_IsRecordedInTheLedgerAsTyped()
    {
        var page = await browser.NewPageAsync();
        var officer = await browser.SignInAsync(page, UserRoles.ComplianceOfficer);
        var employee = "e2e-emp-" + Random.Shared.Next(1000, 9999);

        await page.GotoAsync("/compliance-log");
        await page.GetByLabel("Employee").FillAsync(employee);
        await page.GetByLabel("Policy", new() { Exact = true }).FillAsync("Gifts and entertainment");
        await page.GetByLabel("What happened").FillAsync("Accepted concert tickets from a broker");
        await page.GetByLabel("Action taken").FillAsync("Tickets returned; written warning");
        await page.GetByTestId("compliance-record").ClickAsync();
        await Assertions.Expect(page.GetByTestId("compliance-records")).ToContainTextAsync(employee);
        Assert.Equal(Fields(("employee", employee), ("policy", "Gifts and entertainment"), ("severity", "medium"),
                ("description", "Accepted concert tickets from a broker"), ("action_taken", "Tickets returned; written warning")),
            await LatestAsync(ComplianceRecords.PolicyViolationEvent, employee, officer));

        await page.GetByRole(AriaRole.Tab, new() { Name = "Training completions" }).ClickAsync();
        // Course first, as a person starts with what they see: the training form replaces the violation form, both ask for an employee.
        await page.GetByLabel("Course").FillAsync("Code of ethics 2026");
        await page.GetByLabel("Employee").FillAsync(employee);
        await page.GetByLabel("Score (optional)").FillAsync("92");
        await page.GetByTestId("compliance-record").ClickAsync();
        await Assertions.Expect(page.GetByTestId("compliance-records")).ToContainTextAsync("Code of ethics 2026");
        var today = DateTime.UtcNow.ToString("yyyy-MM-dd");
        Assert.Equal(Fields(("employee", employee), ("course", "Code of ethics 2026"), ("completed_on", today), ("score", "92")),
            await LatestAsync(ComplianceRecords.TrainingCompletedEvent, employee, officer));

        var scope = $"Policies and procedures, {employee}";
        await page.GetByRole(AriaRole.Tab, new() { Name = "Annual reviews" }).ClickAsync();
        await page.GetByLabel("Year reviewed").FillAsync("2025");
        await page.GetByLabel("Scope (Rule 206(4)-7 annual review)").FillAsync(scope);
        await page.GetByLabel("Findings").FillAsync("Two late preclearance reports");
        await page.GetByLabel("Conclusion").FillAsync("Program adequate and effective");
        await page.GetByTestId("compliance-record").ClickAsync();
        await Assertions.Expect(page.GetByTestId("compliance-records")).ToContainTextAsync(scope);
        Assert.Equal(Fields(("review_year", "2025"), ("scope", scope), ("findings", "Two late preclearance reports"), ("conclusion", "Program adequate and effective")),
            await LatestAsync(ComplianceRecords.AnnualReviewEvent, scope, officer));
    }

    private static SortedDictionary<string, string> Fields(params (string Name, string Value)[] fields) =>
        new(fields.ToDictionary(f => f.Name, f => f.Value));

    /// <summary>The fields of the newest ledger record of <paramref name="event"/> mentioning <paramref name="mark"/>, which the officer recorded.</summary>
    private async Task<SortedDictionary<string, string>> LatestAsync(string @event, string mark, string officer)
    {
        var records = await browser.Portal.Services.GetRequiredService<ComplianceRecords>().RecentAsync(@event);
        var record = records.First(r => r.Data.GetRawText().Contains(mark));
        Assert.Equal(officer, record.RecordedBy);
        return new(record.Data.EnumerateObject().ToDictionary(p => p.Name, p => p.Value.ToString()));
    }
}
