using System.Net;
using System.Net.Http.Json;
using CompliancePortal.Core.Accounts;
using CompliancePortal.Core.Retention;
using CompliancePortal.Tests.Infrastructure;
using Npgsql;

namespace CompliancePortal.Tests.Retention;

/// <summary>Legal holds: ComplianceOfficers place and release them, each change a ledger entry committed with it.</summary>
[Collection(PostgresCollection.Name)]
public sealed class LegalHoldTests(PostgresFixture postgres) : RetentionTest(postgres)
{
    [Fact]
    public async Task CreateAndRelease_EachIsAComplianceEntryWithTheHold()
    {
        var (hold, error) = await Holds.CreateAsync(Officer, new LegalHoldForm(new DateOnly(2026, 1, 1), new DateOnly(2026, 3, 31), "trade", " qqq ", null, "SEC inquiry 2026-17"));

        Assert.Null(error);
        Assert.Equal("TRADE", hold!.LogType);
        Assert.Equal("QQQ", hold.Asset);
        var created = Assert.Single(await LedgerDataAsync(LegalHoldService.CreatedEvent));
        Assert.Equal(hold.Id, created.GetProperty("hold_id").GetInt32());
        Assert.Equal("SEC inquiry 2026-17", created.GetProperty("reason").GetString());
        Assert.Equal("2026-03-31", created.GetProperty("to_day").GetString());
        Assert.Equal(Officer.UserName, await Db.ScalarAsync($"SELECT user_id FROM audit_log WHERE event = '{LegalHoldService.CreatedEvent}'"));
        Assert.Equal("COMPLIANCE", await Db.ScalarAsync($"SELECT log_type FROM audit_log WHERE event = '{LegalHoldService.CreatedEvent}'"));

        Assert.Equal("Give the reason for releasing the hold.", (await Holds.ReleaseAsync(Officer, hold.Id, " ")).Error);
        var (released, releaseError) = await Holds.ReleaseAsync(Officer, hold.Id, "inquiry closed");
        Assert.Null(releaseError);
        Assert.False(released!.IsActive);
        Assert.Contains("already released", (await Holds.ReleaseAsync(Officer, hold.Id, "again")).Error);
        var release = Assert.Single(await LedgerDataAsync(LegalHoldService.ReleasedEvent));
        Assert.Equal("inquiry closed", release.GetProperty("release_reason").GetString());
        Assert.Equal(1L, await Db.ScalarAsync("SELECT count(*) FROM legal_holds WHERE \"ReleasedAt\" IS NOT NULL"));
    }

    public static TheoryData<string, LegalHoldForm> BadForms => new()
    {
        { "no reason", new LegalHoldForm(new DateOnly(2026, 1, 1), new DateOnly(2026, 1, 2), null, null, null, "  ") },
        { "ends before it starts", new LegalHoldForm(new DateOnly(2026, 1, 2), new DateOnly(2026, 1, 1), null, null, null, "r") },
        { "no first day", new LegalHoldForm(null, new DateOnly(2026, 1, 1), null, null, null, "r") },
        { "unknown log type", new LegalHoldForm(new DateOnly(2026, 1, 1), new DateOnly(2026, 1, 2), "EMAIL", null, null, "r") },
        { "asset not a ticker", new LegalHoldForm(new DateOnly(2026, 1, 1), new DateOnly(2026, 1, 2), null, "DROP TABLE;", null, "r") },
        { "reason too long", new LegalHoldForm(new DateOnly(2026, 1, 1), new DateOnly(2026, 1, 2), null, null, null, new string('r', 1001)) },
    };

    [Theory]
    [MemberData(nameof(BadForms))]
    public async Task Create_WithABadForm_IsRefusedWithAReasonAndStoresNothing(string name, LegalHoldForm form)
    {
        var (hold, error) = await Holds.CreateAsync(Officer, form);

        Assert.Null(hold);
        Assert.False(string.IsNullOrWhiteSpace(error), name);
        Assert.Equal(0L, await Db.ScalarAsync("SELECT count(*) FROM legal_holds"));
        Assert.Equal(0L, await Db.ScalarAsync("SELECT count(*) FROM audit_log"));
    }

    [Fact]
    public async Task Holds_AsThePortalRole_CannotBeDeletedOrRewritten()
    {
        var (hold, _) = await Holds.CreateAsync(Officer, new LegalHoldForm(new DateOnly(2026, 1, 1), new DateOnly(2026, 1, 2), null, null, null, "matter 1"));
        foreach (var sql in new[] { "DELETE FROM legal_holds", "UPDATE legal_holds SET \"Reason\" = 'x'", "UPDATE legal_holds SET \"ToDay\" = '2020-01-01'" })
        {
            await using var connection = new NpgsqlConnection(Db.Connections.App);
            await connection.OpenAsync();
            await using var cmd = new NpgsqlCommand(sql, connection);
            await Assert.ThrowsAsync<PostgresException>(() => cmd.ExecuteNonQueryAsync());
        }
        Assert.Equal("matter 1", await Db.ScalarAsync($"SELECT \"Reason\" FROM legal_holds WHERE \"Id\" = {hold!.Id}"));
    }

    [Fact]
    public async Task Api_OnlyComplianceOfficersPlaceAndReleaseHolds()
    {
        var body = new { fromDay = "2026-01-01", toDay = "2026-01-31", logType = (string?)null, asset = "SPY", userId = (string?)null, reason = "subpoena 9" };
        foreach (var role in new[] { UserRoles.Employee, UserRoles.PortfolioManager, UserRoles.Auditor, UserRoles.Admin })
        {
            using var other = await Portal.SignedInClientAsync(await Portal.CreateUserAsync(role, new DateOnly(2026, 1, 1), new DateOnly(2026, 12, 31)));
            Assert.Equal(HttpStatusCode.Forbidden, (await other.PostAsJsonAsync("/api/v1/retention/holds", body)).StatusCode);
            Assert.Equal(HttpStatusCode.Forbidden, (await other.PostAsJsonAsync("/api/v1/retention/holds/1/release", new { reason = "x" })).StatusCode);
        }
        Assert.Equal(0L, await Db.ScalarAsync("SELECT count(*) FROM legal_holds"));

        using var officer = await Portal.SignedInClientAsync(await Portal.CreateUserAsync(UserRoles.ComplianceOfficer));
        var created = await officer.PostAsJsonAsync("/api/v1/retention/holds", body);
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var id = (await created.JsonAsync()).GetProperty("id").GetInt32();
        var refused = await officer.PostAsJsonAsync("/api/v1/retention/holds", body with { reason = "" });
        Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
        Assert.Contains("reason", await refused.Content.ReadAsStringAsync());
        Assert.Equal(HttpStatusCode.OK, (await officer.PostAsJsonAsync($"/api/v1/retention/holds/{id}/release", new { reason = "done" })).StatusCode);
        Assert.Equal(HttpStatusCode.Conflict, (await officer.PostAsJsonAsync($"/api/v1/retention/holds/{id}/release", new { reason = "again" })).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await officer.PostAsJsonAsync("/api/v1/retention/holds/9999/release", new { reason = "x" })).StatusCode);
        Assert.Equal(1L, await Db.ScalarAsync("SELECT count(*) FROM legal_holds"));
    }
}
