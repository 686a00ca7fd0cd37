using System.Net;
using System.Net.Http.Json;
using CompliancePortal.Blotter;
using CompliancePortal.Certification;
using CompliancePortal.Core.Accounts;
using CompliancePortal.Core.Audit;
using CompliancePortal.Core.Blotter;
using CompliancePortal.Core.Certification;
using CompliancePortal.Tests.Blotter;
using CompliancePortal.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace CompliancePortal.Tests.Certification;

/// <summary>
/// A seeded business day (four trades, a failed trade, NAV, risk and system events) with its blotter
/// generated, then reviewed and certified against the real ledger, archive folder and database.
/// </summary>
[Collection(PostgresCollection.Name)]
public sealed class DailyCertificationTests(PostgresFixture postgres) : PortalTest(postgres)
{
    private DateOnly _day;
    private List<long> _seqs = [];

    private DailyCertification Certification => Portal.Services.GetRequiredService<DailyCertification>();
    private BlotterArchive Blotters => Portal.Services.GetRequiredService<BlotterArchive>();
    private string ApiPath => $"/api/v1/certifications/{_day:yyyy-MM-dd}";

    public override async Task InitializeAsync()
    {
        await base.InitializeAsync();
        _day = BlotterJobTests.LastBusinessDay();
        var response = await Client.PostNdJsonAsync(
        [
            BlotterJobTests.Trade(_day, "09:30:00", "T-1", ""","asset":"QQQ","action":"SELL_PUT","quantity":5,"fill_price":8.52,"commission":3.25,"broker":"alpaca" """),
            BlotterJobTests.Trade(_day, "10:00:00", "T-2", ""","asset":"SPY","action":"BUY","quantity":100,"price":402.10,"broker":"ib" """),
            BlotterJobTests.Trade(_day, "11:00:00", "T-3", ""","asset":"IWM","action":"SELL_CALL","quantity":2,"fill_price":1.25,"broker":"ib" """),
            BlotterJobTests.Trade(_day, "12:00:00", "T-4", ""","asset":"QQQ","action":"BUY_PUT","quantity":5,"fill_price":0.40,"broker":"alpaca" """),
            BlotterJobTests.Trade(_day, "12:30:00", "T-F", ""","asset":"QQQ","action":"BUY","quantity":1""", name: "trade_failed"),
            $$"""{"timestamp":"{{BlotterJobTests.At(_day, "16:15:00")}}","log_type":"NAV","event":"nav_calculated","nav":156789.45}""",
            $$"""{"timestamp":"{{BlotterJobTests.At(_day, "09:00:00")}}","log_type":"RISK","event":"risk_check","passed":true}""",
            $$"""{"timestamp":"{{BlotterJobTests.At(_day, "08:00:00")}}","log_type":"SYSTEM","event":"startup"}""",
            $$"""{"timestamp":"{{BlotterJobTests.At(_day, "17:00:00")}}","log_type":"SYSTEM","event":"shutdown"}""",
        ], Key);
        response.EnsureSuccessStatusCode();
        _seqs = [.. (await response.JsonAsync()).GetProperty("receipts").EnumerateArray().Select(r => r.GetProperty("seq").GetInt64())];
        await Blotters.GenerateAsync(_day, TradeBlotterJob.Actor);
    }

    private Task<object?> Count(string sql) => Db.ScalarAsync(sql);

    [Fact]
    public async Task Review_OfTheSeededDay_HasTheRightNumbers()
    {
        var review = await Certification.ReviewAsync(_day);

        Assert.Equal(9, review.LogCount);
        Assert.Equal(4, review.TradesLogged);
        Assert.Equal(4, review.TradesReconciled);
        Assert.Equal(BlotterState.Verified, review.Blotter);
        Assert.Empty(review.Differences);
        Assert.True(review.NavCalculated);
        Assert.Equal((_seqs.Min(), _seqs.Max()), (review.FirstSeq, review.LastSeq));
        Assert.True(review.Chain!.Intact);
        Assert.Equal(9, review.Chain.Entries);
        Assert.Empty(review.Blockers);
        Assert.Empty(review.Exceptions);
        Assert.Null(review.Certification);
    }

    [Fact]
    public async Task Review_WithABlotterRowRemovedAndOneAltered_ListsBothAsDifferences()
    {
        var path = Path.Combine(Portal.ArchiveFolder, BlotterArchive.Key(_day));
        var lines = (await File.ReadAllLinesAsync(path)).ToList();
        lines.RemoveAll(l => l.Contains(",T-2,"));
        lines = [.. lines.Select(l => l.Contains(",T-3,") ? l.Replace(",1.25,", ",1.35,") : l)];
        await File.WriteAllLinesAsync(path, lines);

        var review = await Certification.ReviewAsync(_day);

        Assert.Equal(BlotterState.HashMismatch, review.Blotter);
        Assert.Equal(4, review.TradesLogged);
        Assert.Equal(2, review.TradesReconciled);
        Assert.Equal(
            [("T-2", "missing_from_blotter"), ("T-3", "differs")],
            review.Differences.Select(d => (d.TradeId, d.Kind)));
        Assert.Equal("price: ledger '1.25', blotter '1.35'", review.Differences[1].Detail);
        Assert.Contains(review.Blockers, b => b.Contains("does not match the SHA-256"));

        using var officer = await Portal.SignedInClientAsync(await Portal.CreateUserAsync(UserRoles.ComplianceOfficer));
        var refused = await officer.PostAsJsonAsync(ApiPath, new { note = "looked at it" });
        Assert.Equal(HttpStatusCode.Conflict, refused.StatusCode);
        Assert.Equal(0L, await Count("SELECT count(*) FROM log_certifications"));
    }

    [Fact]
    public async Task Certify_WritesTheRowAndItsLedgerEntryTogether_AndASecondCertificationIsRefused()
    {
        var first = await Portal.CreateUserAsync(UserRoles.ComplianceOfficer);
        var second = await Portal.CreateUserAsync(UserRoles.ComplianceOfficer);
        using var firstClient = await Portal.SignedInClientAsync(first);
        using var secondClient = await Portal.SignedInClientAsync(second);

        var certified = await firstClient.PostAsJsonAsync(ApiPath, new { });

        Assert.Equal(HttpStatusCode.OK, certified.StatusCode);
        var ledgerSeq = (await certified.JsonAsync()).GetProperty("ledger_seq").GetInt64();
        Assert.Equal($"{first}|{ledgerSeq}", await Count($"SELECT concat_ws('|', \"CertifiedBy\", \"LedgerSeq\") FROM log_certifications WHERE \"Day\" = '{_day:yyyy-MM-dd}'"));
        Assert.Equal(
            $"COMPLIANCE|logs_certified|{first}|{_day:yyyy-MM-dd}|{first}|9|4|4|true|true|{DailyCertification.Statement}",
            await Count($"""
                SELECT concat_ws('|', log_type, event, user_id, event_data->>'date', event_data->>'certified_by', event_data->>'log_count',
                    event_data->>'trades_logged', event_data->>'trades_reconciled', event_data->>'nav_calculated',
                    event_data->>'chain_verified', event_data->>'statement')
                FROM audit_log WHERE seq = {ledgerSeq}
                """));

        var head = await Count("SELECT seq FROM ledger_head");
        var again = await secondClient.PostAsJsonAsync(ApiPath, new { note = "again" });

        Assert.Equal(HttpStatusCode.Conflict, again.StatusCode);
        Assert.Contains($"Already certified by {first}", await again.Content.ReadAsStringAsync());
        Assert.Equal(1L, await Count("SELECT count(*) FROM log_certifications"));
        Assert.Equal(1L, await Count("SELECT count(*) FROM audit_log WHERE event = 'logs_certified'"));
        Assert.Equal(head, await Count("SELECT seq FROM ledger_head"));
        var review = await Certification.ReviewAsync(_day);
        Assert.Equal((first, ledgerSeq), (review.Certification!.CertifiedBy, review.Certification.LedgerSeq));
    }

    [Fact]
    public async Task Certify_TwoOfficersAtOnce_TheDatabaseLetsExactlyOneWin()
    {
        var results = await Task.WhenAll(
            Certification.CertifyAsync(new Actor("cco-a"), _day, null),
            Certification.CertifyAsync(new Actor("cco-b"), _day, null));

        Assert.Single(results, r => r.Value is not null);
        Assert.Contains("Already certified", results.Single(r => r.Value is null).Error);
        Assert.Equal(1L, await Count("SELECT count(*) FROM log_certifications"));
        Assert.Equal(1L, await Count("SELECT count(*) FROM audit_log WHERE event = 'logs_certified'"));

        // The portal's role can neither add a second row for the day nor change or remove the first.
        await using var app = Db.AppDataSource();
        foreach (var sql in new[]
        {
            $"INSERT INTO log_certifications (\"Day\", \"CertifiedBy\", \"CertifiedAt\", \"CertificationData\", \"LedgerSeq\") VALUES ('{_day:yyyy-MM-dd}', 'x', now(), '{{}}', 1)",
            "UPDATE log_certifications SET \"CertifiedBy\" = 'x'",
            "DELETE FROM log_certifications",
        })
        {
            await using var cmd = app.CreateCommand(sql);
            await Assert.ThrowsAsync<Npgsql.PostgresException>(() => cmd.ExecuteNonQueryAsync());
        }
        Assert.Equal(1L, await Count("SELECT count(*) FROM log_certifications"));
    }

    [Theory]
    [InlineData(UserRoles.Employee)]
    [InlineData(UserRoles.PortfolioManager)]
    [InlineData(UserRoles.Auditor)]
    [InlineData(UserRoles.Admin)]
    public async Task Certify_ByAnyOtherRole_Is403_AndThePageIsDenied(string role)
    {
        using var client = await Portal.SignedInClientAsync(await Portal.CreateUserAsync(role, new DateOnly(2000, 1, 1), new DateOnly(2100, 1, 1)));

        var response = await client.PostAsJsonAsync(ApiPath, new { });
        var page = await client.GetAsync(CertificationEndpoints.PagePath(_day));

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        Assert.Contains("/account/denied", page.Headers.Location?.OriginalString);
        Assert.Equal(0L, await Count("SELECT count(*) FROM log_certifications"));
        Assert.Equal(0L, await Count("SELECT count(*) FROM audit_log WHERE event = 'logs_certified'"));
    }

    [Fact]
    public async Task Certify_ADayWithoutBlotter_OrWithUnexplainedDifferences_IsRefused_AndANoteLetsTheOfficerCertify()
    {
        var earlier = _day.AddDays(-1);
        while (!ShippedCalendar.Instance.IsBusinessDay(earlier)) earlier = earlier.AddDays(-1);
        (await Client.PostJsonAsync(BlotterJobTests.Trade(earlier, "10:00:00", "T-0", ""","asset":"QQQ" """), Key)).EnsureSuccessStatusCode();
        // A trade for the day that arrives after its blotter was written.
        (await Client.PostJsonAsync(BlotterJobTests.Trade(_day, "15:00:00", "T-late", ""","asset":"SPY","quantity":1 """), Key)).EnsureSuccessStatusCode();
        var officer = new Actor("cco");

        var noBlotter = await Certification.CertifyAsync(officer, earlier, "note");
        var noNote = await Certification.CertifyAsync(officer, _day, "  ");
        var today = await Certification.CertifyAsync(officer, DateOnly.FromDateTime(DateTime.UtcNow), "note");

        Assert.Contains("No trade blotter has been generated", noBlotter.Error);
        Assert.Contains("1 trade difference(s)", noNote.Error);
        Assert.Contains("Explain them in a note", noNote.Error);
        Assert.Contains("not over yet", today.Error);
        Assert.Equal(0L, await Count("SELECT count(*) FROM log_certifications"));
        Assert.Equal(0L, await Count("SELECT count(*) FROM audit_log WHERE event = 'logs_certified'"));

        var withNote = await Certification.CertifyAsync(officer, _day, "T-late was booked after the close; confirmed with the desk");
        Assert.NotNull(withNote.Value);
        Assert.Equal("5|4|false|T-late|missing_from_blotter|T-late was booked after the close; confirmed with the desk", await Count(
            $"""
            SELECT concat_ws('|', event_data->>'trades_logged', event_data->>'trades_reconciled', event_data->>'reconciled',
                event_data->'differences'->0->>'trade_id', event_data->'differences'->0->>'kind', event_data->>'note')
            FROM audit_log WHERE seq = {withNote.Value!.LedgerSeq}
            """));

        var days = await Certification.DaysAsync();
        Assert.Null(days.Single(d => d.Day == earlier).Certification);
        Assert.Equal("cco", days.Single(d => d.Day == _day).Certification!.CertifiedBy);
        Assert.DoesNotContain(days, d => !ShippedCalendar.Instance.IsBusinessDay(d.Day) && d.Day != _day);
    }

    [Fact]
    public async Task Review_WhenTheChainIsBrokenInTheDaysRange_BlocksCertification()
    {
        await Db.ExecuteAsAdminAsync($"SET session_replication_role = replica; UPDATE audit_log SET event_data = '{{}}' WHERE seq = {_seqs[2]}");

        var review = await Certification.ReviewAsync(_day);
        var result = await Certification.CertifyAsync(new Actor("cco"), _day, "note");

        Assert.False(review.ChainVerified);
        Assert.Equal(_seqs[2], review.Chain!.FirstBadSeq);
        Assert.Contains("chain does not verify", result.Error);
        Assert.Equal(0L, await Count("SELECT count(*) FROM log_certifications"));
    }
}
