using System.Net;
using System.Security.Cryptography;
using CompliancePortal.Blotter;
using CompliancePortal.Core.Accounts;
using CompliancePortal.Core.Blotter;
using CompliancePortal.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace CompliancePortal.Tests.Blotter;

/// <summary>Who may download a day's blotter, that the bytes are the recorded ones, and that each attempt is in the ledger.</summary>
[Collection(PostgresCollection.Name)]
public sealed class BlotterDownloadTests(PostgresFixture postgres) : PortalTest(postgres)
{
    private DateOnly _day;
    private StoredBlotter _stored = null!;

    public override async Task InitializeAsync()
    {
        await base.InitializeAsync();
        _day = BlotterJobTests.LastBusinessDay();
        (await Client.PostJsonAsync(BlotterJobTests.Trade(_day, "10:00:00", "T-1", ""","asset":"QQQ","quantity":5,"price":8.5"""), Key)).EnsureSuccessStatusCode();
        _stored = (await Portal.Services.GetRequiredService<BlotterArchive>().GenerateAsync(_day, TradeBlotterJob.Actor)).Blotter;
    }

    private Task<object?> DownloadsRecorded(string user, string outcome) => Db.ScalarAsync(
        $"SELECT count(*) FROM audit_log WHERE event = 'trade_blotter_downloaded' AND user_id = '{user}' AND event_data->>'outcome' = '{outcome}' AND event_data->>'date' = '{_day:yyyy-MM-dd}'");

    [Fact]
    public async Task Download_ByAnOfficer_IsTheStoredCsvWithItsHash_AndIsRecorded()
    {
        var officer = await Portal.CreateUserAsync(UserRoles.ComplianceOfficer);
        using var client = await Portal.SignedInClientAsync(officer);

        var response = await client.GetAsync(BlotterEndpoints.DownloadPath(_day));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var bytes = await response.Content.ReadAsByteArrayAsync();
        Assert.Equal(_stored.Sha256, Convert.ToHexStringLower(SHA256.HashData(bytes)));
        Assert.Equal(await File.ReadAllBytesAsync(Path.Combine(Portal.ArchiveFolder, _stored.ArchiveKey)), bytes);
        Assert.Contains(",T-1,QQQ,", System.Text.Encoding.UTF8.GetString(bytes));
        Assert.Equal($"blotter_{_day:yyyy-MM-dd}.csv", response.Content.Headers.ContentDisposition?.FileName?.Trim('"'));
        Assert.Equal(1L, await DownloadsRecorded(officer, "sent"));
    }

    [Fact]
    public async Task Download_ByAnAuditor_OnlyInsideTheGrantedPeriod()
    {
        var inside = await Portal.CreateUserAsync(UserRoles.Auditor, _day.AddDays(-3), _day);
        var outside = await Portal.CreateUserAsync(UserRoles.Auditor, _day.AddDays(1), _day.AddDays(30));
        using var insideClient = await Portal.SignedInClientAsync(inside);
        using var outsideClient = await Portal.SignedInClientAsync(outside);

        Assert.Equal(HttpStatusCode.OK, (await insideClient.GetAsync(BlotterEndpoints.DownloadPath(_day))).StatusCode);
        var refused = await outsideClient.GetAsync(BlotterEndpoints.DownloadPath(_day));

        Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);
        Assert.Contains("outside your granted period", await refused.Content.ReadAsStringAsync());
        Assert.DoesNotContain("T-1", await refused.Content.ReadAsStringAsync());
        Assert.Equal(1L, await DownloadsRecorded(inside, "sent"));
        Assert.Equal(1L, await DownloadsRecorded(outside, "outside_granted_period"));
    }

    [Theory]
    [InlineData(UserRoles.Employee)]
    [InlineData(UserRoles.PortfolioManager)]
    [InlineData(UserRoles.Admin)]
    public async Task Download_ByOtherRoles_Is403(string role)
    {
        using var client = await Portal.SignedInClientAsync(await Portal.CreateUserAsync(role));

        var response = await client.GetAsync(BlotterEndpoints.DownloadPath(_day));

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        Assert.Equal(0L, await Db.ScalarAsync("SELECT count(*) FROM audit_log WHERE event = 'trade_blotter_downloaded'"));
    }

    [Fact]
    public async Task Download_OfABadDateOrADayWithoutBlotter_SaysSo()
    {
        using var client = await Portal.SignedInClientAsync(await Portal.CreateUserAsync(UserRoles.ComplianceOfficer));

        var bad = await client.GetAsync("/api/v1/blotters/2024-13-45");
        var none = await client.GetAsync(BlotterEndpoints.DownloadPath(_day.AddDays(-30)));

        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
        Assert.Contains("is not a date", await bad.Content.ReadAsStringAsync());
        Assert.Equal(HttpStatusCode.NotFound, none.StatusCode);
        Assert.Contains("No trade blotter has been generated", await none.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task Download_OfAnAlteredArchiveObject_IsRefusedAndRecorded()
    {
        var officer = await Portal.CreateUserAsync(UserRoles.ComplianceOfficer);
        using var client = await Portal.SignedInClientAsync(officer);
        var path = Path.Combine(Portal.ArchiveFolder, _stored.ArchiveKey);
        await File.WriteAllTextAsync(path, (await File.ReadAllTextAsync(path)).Replace("8.5", "9.5"));

        var response = await client.GetAsync(BlotterEndpoints.DownloadPath(_day));

        Assert.Equal(HttpStatusCode.InternalServerError, response.StatusCode);
        var body = await response.Content.ReadAsStringAsync();
        Assert.Contains("does not match its recorded SHA-256", body);
        Assert.DoesNotContain("9.5", body);
        Assert.Equal(1L, await DownloadsRecorded(officer, "hash_mismatch"));
    }
}
