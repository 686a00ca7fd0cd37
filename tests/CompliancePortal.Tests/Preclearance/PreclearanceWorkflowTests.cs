using CompliancePortal.Core;
using CompliancePortal.Core.Audit;
using CompliancePortal.Core.Preclearance;
using CompliancePortal.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace CompliancePortal.Tests.Preclearance;

/// <summary>The workflow's state and its ledger entries, against the real PostgreSQL.</summary>
[Collection(PostgresCollection.Name)]
public sealed class PreclearanceWorkflowTests(PostgresFixture postgres) : PortalTest(postgres)
{
    private static readonly Actor Employee = new("erin");
    private static readonly Actor Officer = new("casey");
    private PreclearanceService Service => Portal.Services.GetRequiredService<PreclearanceService>();

    private static PreclearanceForm Form(string security = "TSLA", int quantity = 100, TradeSide side = TradeSide.Buy, DateOnly? day = null) =>
        new(security, side, quantity, "Schwab 1234", day ?? new DateOnly(2026, 12, 2), "diversifying");

    private Task<object?> LedgerAsync(string sql) => Db.ScalarAsync(sql);

    [Fact]
    public async Task Submit_NeedsReview_ThenOfficerApproves_EachStepIsALedgerEntry()
    {
        var submitted = await Service.SubmitAsync(Employee, Form());
        Assert.Null(submitted.Error);
        Assert.Matches(@"^PCT-\d{4}-0001$", submitted.Value!.Id);
        Assert.Equal(PreclearanceStatus.PendingReview, submitted.Value.Status);

        var decided = await Service.DecideAsync(Officer, submitted.Value.Id, approve: true, "no conflict, not restricted");

        Assert.Null(decided.Error);
        Assert.Equal(PreclearanceStatus.Approved, decided.Value!.Status);
        Assert.Equal(2L, await LedgerAsync("SELECT count(*) FROM audit_log WHERE log_type = 'COMPLIANCE' AND event = 'personal_trade_preclearance'"));
        // The seed's fields, on the decision entry.
        Assert.Equal("approved|casey|no conflict, not restricted|erin|TSLA|100|buy", await LedgerAsync(
            "SELECT concat_ws('|', event_data->>'decision', event_data->>'reviewer', event_data->>'reasoning', event_data->>'employee', event_data->>'security', event_data->>'quantity', event_data->>'side') FROM audit_log WHERE event_data->>'action' = 'decided'"));
        Assert.Equal(submitted.Value.Id, await LedgerAsync("SELECT event_data->>'request_id' FROM audit_log WHERE event_data->>'action' = 'decided'"));
    }

    [Fact]
    public async Task Submit_RestrictedSecurity_IsAutoDeniedNamingTheRule()
    {
        await Db.ExecuteAsAdminAsync("INSERT INTO restricted_list (\"Security\", \"EffectiveFrom\", \"Reason\", \"AddedBy\", \"AddedAt\") VALUES ('TSLA', '2026-01-01', 'advising on an offering', 'casey', now())");

        var result = await Service.SubmitAsync(Employee, Form());

        Assert.Equal(PreclearanceStatus.Denied, result.Value!.Status);
        Assert.Equal(PreclearanceService.SystemReviewer, result.Value.Reviewer);
        Assert.StartsWith(PreclearanceRules.RestrictedList, result.Value.Reasoning);
        Assert.Equal("denied", await LedgerAsync("SELECT event_data->>'decision' FROM audit_log WHERE event = 'personal_trade_preclearance'"));
    }

    [Fact]
    public async Task Submit_WhileTheFirmTradedTheUnderlying_IsDeniedByTheBlackout()
    {
        await Client.PostJsonAsync("""{"timestamp":"2026-12-01T15:00:00Z","log_type":"TRADE","event":"trade_executed","asset":"NVDA","quantity":5}""", Key);

        var result = await Service.SubmitAsync(Employee, Form("NVDA", day: new DateOnly(2026, 12, 3)));

        Assert.Equal(PreclearanceStatus.Denied, result.Value!.Status);
        Assert.StartsWith(PreclearanceRules.Blackout, result.Value.Reasoning);
    }

    [Fact]
    public async Task Submit_SmallLargeCapTrade_IsAutoApprovedWithExpiry()
    {
        var result = await Service.SubmitAsync(Employee, Form("AAPL", quantity: 50));

        Assert.Equal(PreclearanceStatus.Approved, result.Value!.Status);
        Assert.NotNull(result.Value.ExpiresAt);
    }

    [Fact]
    public void Approval_TheDayBeforeThanksgiving_ExpiresAtTheEndOfFriday_WithTheShippedHolidays()
    {
        var expires = Service.EndOfNextBusinessDay(new DateTimeOffset(2026, 11, 25, 15, 0, 0, TimeSpan.Zero));

        Assert.Equal(new DateOnly(2026, 11, 27), DateOnly.FromDateTime(expires.UtcDateTime));
        Assert.Equal(TimeOnly.MaxValue, TimeOnly.FromDateTime(expires.UtcDateTime));
    }

    [Fact]
    public async Task Decide_OwnRequest_IsRefusedAndChangesNothing()
    {
        var submitted = await Service.SubmitAsync(Officer, Form());

        var decided = await Service.DecideAsync(Officer, submitted.Value!.Id, approve: true, "fine by me");

        Assert.Contains("own request", decided.Error);
        Assert.Equal("PendingReview", await LedgerAsync($"SELECT \"Status\" FROM preclearance_requests WHERE \"Id\" = '{submitted.Value.Id}'"));
        Assert.Equal(1L, await LedgerAsync("SELECT count(*) FROM audit_log WHERE event = 'personal_trade_preclearance'"));
    }

    [Fact]
    public async Task Decide_WithoutReasoning_IsRefused()
    {
        var submitted = await Service.SubmitAsync(Employee, Form());

        Assert.Contains("reasoning", (await Service.DecideAsync(Officer, submitted.Value!.Id, false, "  ")).Error);
    }

    [Fact]
    public async Task Submit_WhenTheLedgerWriteFails_LeavesNoStateChange()
    {
        // Make the ledger refuse this one kind of entry, as a failing disk or a bug would.
        await Db.ExecuteAsAdminAsync("""
            CREATE FUNCTION fail_preclearance() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN IF NEW.event = 'personal_trade_preclearance' THEN RAISE EXCEPTION 'ledger write failed'; END IF; RETURN NEW; END $$;
            CREATE TRIGGER fail_preclearance BEFORE INSERT ON audit_log FOR EACH ROW EXECUTE FUNCTION fail_preclearance();
            """);

        await Assert.ThrowsAsync<PostgresException>(() => Service.SubmitAsync(Employee, Form()));

        Assert.Equal(0L, await LedgerAsync("SELECT count(*) FROM preclearance_requests"));
        Assert.Equal(0L, await LedgerAsync("SELECT count(*) FROM preclearance_counters"));
        await Db.ExecuteAsAdminAsync("DROP TRIGGER fail_preclearance ON audit_log");
        Assert.Matches(@"-0001$", (await Service.SubmitAsync(Employee, Form())).Value!.Id);
    }

    [Fact]
    public async Task Report_AfterExpiry_IsRefusedAndTheSweepRecordsTheExpiry()
    {
        var approved = await Service.SubmitAsync(Employee, Form("AAPL", quantity: 50));
        await Db.ExecuteAsAdminAsync($"UPDATE preclearance_requests SET \"ExpiresAt\" = now() - interval '1 minute' WHERE \"Id\" = '{approved.Value!.Id}'");

        var report = await Service.ReportAsync(Employee, approved.Value.Id, executed: true, 190.5m, 50);
        var expired = await Service.ExpireDueAsync();

        Assert.Contains("expired", report.Error);
        Assert.Equal(1, expired);
        Assert.Equal("Expired", await LedgerAsync($"SELECT \"Status\" FROM preclearance_requests WHERE \"Id\" = '{approved.Value.Id}'"));
        Assert.Equal("Expired", await LedgerAsync("SELECT event_data->>'status' FROM audit_log WHERE event_data->>'action' = 'expired'"));
    }

    [Fact]
    public async Task Report_Executed_RecordsPriceAndCountsForTheHoldingPeriod()
    {
        var approved = await Service.SubmitAsync(Employee, Form("AAPL", quantity: 50, day: new DateOnly(2026, 12, 1)));

        var report = await Service.ReportAsync(Employee, approved.Value!.Id, executed: true, 190.5m, 50);
        var sellSoon = await Service.SubmitAsync(Employee, Form("AAPL", quantity: 50, side: TradeSide.Sell, day: new DateOnly(2026, 12, 10)));

        Assert.Equal(PreclearanceStatus.Executed, report.Value!.Status);
        Assert.Equal(PreclearanceStatus.Denied, sellSoon.Value!.Status);
        Assert.StartsWith(PreclearanceRules.HoldingPeriod, sellSoon.Value.Reasoning);
    }

    [Fact]
    public async Task Requests_OfAnotherEmployee_AreNeitherVisibleNorReportable()
    {
        var mine = await Service.SubmitAsync(Employee, Form("AAPL", quantity: 50));
        var other = new Actor("mallory");

        Assert.Null(await Service.FindAsync(mine.Value!.Id, other.UserName, isOfficer: false));
        Assert.NotNull(await Service.FindAsync(mine.Value.Id, Officer.UserName, isOfficer: true));
        Assert.Contains("Only the employee", (await Service.ReportAsync(other, mine.Value.Id, false, null, null)).Error);
    }

    [Theory]
    [InlineData("", 10, "ticker")]
    [InlineData("AAPL; DROP TABLE x", 10, "ticker")]
    [InlineData("AAPL", 0, "above zero")]
    public async Task Submit_InvalidForm_IsRefusedAndStoresNothing(string security, int quantity, string message)
    {
        var result = await Service.SubmitAsync(Employee, Form(security, quantity));

        Assert.Contains(message, result.Error);
        Assert.Equal(0L, await LedgerAsync("SELECT count(*) FROM preclearance_requests"));
    }
}

/// <summary>Who may see and decide requests through the API.</summary>
[Collection(PostgresCollection.Name)]
public sealed class PreclearanceAccessTests(PostgresFixture postgres) : PortalTest(postgres)
{
    [Fact]
    public async Task Api_AnotherEmployeesRequest_Is403AndAnAuditorCannotDecide()
    {
        var owner = await Portal.CreateUserAsync(CompliancePortal.Core.Accounts.UserRoles.Employee);
        var service = Portal.Services.GetRequiredService<PreclearanceService>();
        var request = (await service.SubmitAsync(new Actor(owner), new PreclearanceForm("TSLA", TradeSide.Buy, 10, "acct", new DateOnly(2026, 12, 2), "why not"))).Value!;

        using var ownerClient = await Portal.SignedInClientAsync(owner);
        using var other = await Portal.SignedInClientAsync(await Portal.CreateUserAsync(CompliancePortal.Core.Accounts.UserRoles.Employee));
        using var auditor = await Portal.SignedInClientAsync(await Portal.CreateUserAsync(CompliancePortal.Core.Accounts.UserRoles.Auditor, new DateOnly(2026, 1, 1), new DateOnly(2026, 12, 31)));
        using var officer = await Portal.SignedInClientAsync(await Portal.CreateUserAsync(CompliancePortal.Core.Accounts.UserRoles.ComplianceOfficer));

        Assert.Equal(System.Net.HttpStatusCode.OK, (await ownerClient.GetAsync($"/api/v1/preclearance/{request.Id}")).StatusCode);
        Assert.Equal(System.Net.HttpStatusCode.Forbidden, (await other.GetAsync($"/api/v1/preclearance/{request.Id}")).StatusCode);
        Assert.Equal(System.Net.HttpStatusCode.NotFound, (await other.GetAsync("/api/v1/preclearance/PCT-1999-0001")).StatusCode);
        var decision = new { approve = true, reasoning = "looks fine" };
        Assert.Equal(System.Net.HttpStatusCode.Forbidden, (await auditor.PostAsync($"/api/v1/preclearance/{request.Id}/decision", System.Net.Http.Json.JsonContent.Create(decision))).StatusCode);
        Assert.Equal(System.Net.HttpStatusCode.Forbidden, (await ownerClient.PostAsync($"/api/v1/preclearance/{request.Id}/decision", System.Net.Http.Json.JsonContent.Create(decision))).StatusCode);
        Assert.Equal("PendingReview", await Db.ScalarAsync($"SELECT \"Status\" FROM preclearance_requests WHERE \"Id\" = '{request.Id}'"));
        Assert.Equal(System.Net.HttpStatusCode.OK, (await officer.PostAsync($"/api/v1/preclearance/{request.Id}/decision", System.Net.Http.Json.JsonContent.Create(decision))).StatusCode);
        Assert.Equal("Approved", await Db.ScalarAsync($"SELECT \"Status\" FROM preclearance_requests WHERE \"Id\" = '{request.Id}'"));
    }

    [Fact]
    public async Task RestrictedList_AddAndEnd_AreLedgerEntriesAndTheEntryDeniesMeanwhile()
    {
        var list = Portal.Services.GetRequiredService<RestrictedListService>();
        var service = Portal.Services.GetRequiredService<PreclearanceService>();
        var officer = new Actor("casey");

        Assert.Null(await list.AddAsync(officer, "gme", new DateOnly(2026, 12, 1), null, "material non-public information"));
        var denied = await service.SubmitAsync(new Actor("erin"), new PreclearanceForm("GME", TradeSide.Buy, 10, "acct", new DateOnly(2026, 12, 2), "meme"));
        var entry = (await list.ListAsync()).Single();
        Assert.Null(await list.EndAsync(officer, entry.Id, new DateOnly(2026, 12, 2)));
        var allowedAfter = await service.SubmitAsync(new Actor("erin"), new PreclearanceForm("GME", TradeSide.Buy, 10, "acct", new DateOnly(2026, 12, 3), "meme"));

        Assert.Equal(PreclearanceStatus.Denied, denied.Value!.Status);
        Assert.Equal(PreclearanceStatus.PendingReview, allowedAfter.Value!.Status);
        Assert.Equal("GME|2026-12-02", await Db.ScalarAsync("SELECT concat_ws('|', event_data->>'security', event_data->>'effective_to') FROM audit_log WHERE event = 'restricted_list_ended'"));
        Assert.Equal(1L, await Db.ScalarAsync("SELECT count(*) FROM audit_log WHERE event = 'restricted_list_added'"));
        Assert.Equal(Failure.Invalid("The entry ends before it starts."), await list.AddAsync(officer, "AMC", new DateOnly(2026, 12, 5), new DateOnly(2026, 12, 1), "x"));
    }
}

/// <summary>Open pages on every portal instance hear about a request's change.</summary>
[Collection(PostgresCollection.Name)]
public sealed class PreclearanceLiveTests(PostgresFixture postgres) : PortalTest(postgres)
{
    [Fact]
    public async Task Submit_OnOneInstance_RaisesChangedOnAnotherInstance()
    {
        await using var other = new PortalFactory(Db);
        var heard = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        other.Services.GetRequiredService<PreclearanceService>().Changed += () => heard.TrySetResult();

        await Portal.Services.GetRequiredService<PreclearanceService>()
            .SubmitAsync(new Actor("erin"), new PreclearanceForm("TSLA", TradeSide.Buy, 10, "acct", new DateOnly(2026, 12, 2), "why not"));

        await heard.Task.WaitAsync(TimeSpan.FromSeconds(10));
    }
}
