using System.Net;
using System.Security.Cryptography;
using System.Text;
using CompliancePortal.Core.Accounts;
using CompliancePortal.Core.Ledger;
using CompliancePortal.Core.Positions;
using CompliancePortal.Positions;
using CompliancePortal.Tests.Infrastructure;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;

namespace CompliancePortal.Tests.Positions;

/// <summary>The /positions page and the snapshot download: who sees which days, the bytes are the recorded ones, each attempt is in the ledger.</summary>
[Collection(PostgresCollection.Name)]
public sealed class PositionSnapshotDownloadTests(PostgresFixture postgres) : IAsyncLifetime
{
    private static readonly DateOnly Tuesday = new(2026, 11, 24), Wednesday = new(2026, 11, 25);
    private readonly TestClock _clock = new(new DateTimeOffset(2026, 11, 25, 15, 0, 0, TimeSpan.Zero));
    private PortalFactory _portal = null!;
    private TestDatabase _db = null!;
    private PositionSnapshot _snapshot = null!;

    public async Task InitializeAsync()
    {
        _db = await postgres.CreateDatabaseAsync();
        _portal = new PortalFactory(_db, b =>
        {
            b.UseSetting("Positions:CatchUpDays", "1");
            b.UseSetting("Positions:EndOfDayUtc", "21:00");
            b.ConfigureTestServices(s => s.AddSingleton<TimeProvider>(_clock));
        });
        var key = await _portal.CreateKeyAsync("trading", [LogTypes.Position]);
        using var client = _portal.CreateClient();
        var posted = await IngestClient.SendPositionsAsync(client, key,
            """{"date":"2026-11-25","positions":[{"asset":"SPY","quantity":200,"market_value":80400.00,"delta":200}]}""");
        Assert.Equal(HttpStatusCode.OK, posted.StatusCode);
        // Wednesday's book is frozen; Tuesday had none and becomes a missing-book exception.
        _clock.Now = new DateTimeOffset(2026, 11, 25, 21, 5, 0, TimeSpan.Zero);
        var outcomes = await _portal.Services.GetRequiredService<PositionSnapshotter>().RunAsync(_clock.Now);
        Assert.Contains(outcomes, o => o.Date == Tuesday && o.Missing);
        _snapshot = Assert.Single(outcomes, o => o.Date == Wednesday).Snapshot!;
    }

    public async Task DisposeAsync() => await _portal.DisposeAsync();

    private Task<object?> DownloadsRecorded(string user, string outcome) => _db.ScalarAsync(
        $"SELECT count(*) FROM audit_log WHERE event = 'position_snapshot_downloaded' AND user_id = '{user}' AND event_data->>'outcome' = '{outcome}' AND event_data->>'date' = '2026-11-25'");

    [Fact]
    public async Task Download_ByAnOfficer_IsTheArchivedJsonWithItsHash_AndIsRecorded()
    {
        var officer = await _portal.CreateUserAsync(UserRoles.ComplianceOfficer);
        using var client = await _portal.SignedInClientAsync(officer);

        var response = await client.GetAsync(PositionsEndpoints.DownloadPath(Wednesday));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal("positions_2026-11-25.json", response.Content.Headers.ContentDisposition?.FileName?.Trim('"'));
        var bytes = await response.Content.ReadAsByteArrayAsync();
        Assert.Equal(await File.ReadAllBytesAsync(Path.Combine(_portal.ArchiveFolder, _snapshot.ArchiveKey)), bytes);
        Assert.Equal(_snapshot.Sha256, Convert.ToHexStringLower(SHA256.HashData(bytes)));
        Assert.Contains("\"asset\":\"SPY\"", Encoding.UTF8.GetString(bytes).Replace(" ", ""));
        Assert.Equal(1L, await DownloadsRecorded(officer, "sent"));
    }

    [Fact]
    public async Task Download_OfADayOutsideTheAuditorsPeriod_Is403AndRecorded()
    {
        // What the page lists for each role: PositionSnapshotListTests.
        var auditorName = await _portal.CreateUserAsync(UserRoles.Auditor, Tuesday, Tuesday);
        using var auditor = await _portal.SignedInClientAsync(auditorName);

        var refused = await auditor.GetAsync(PositionsEndpoints.DownloadPath(Wednesday));
        Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);
        Assert.Contains("outside your granted period", await refused.Content.ReadAsStringAsync());
        Assert.Equal(1L, await DownloadsRecorded(auditorName, "outside_granted_period"));
    }

    [Fact]
    public async Task Download_OfAnAlteredArchiveObject_IsRefusedAndRecorded_AndBadDatesSaySo()
    {
        var officer = await _portal.CreateUserAsync(UserRoles.ComplianceOfficer);
        using var client = await _portal.SignedInClientAsync(officer);
        var path = Path.Combine(_portal.ArchiveFolder, _snapshot.ArchiveKey);
        await File.WriteAllTextAsync(path, (await File.ReadAllTextAsync(path)).Replace("80400", "90400"));

        var altered = await client.GetAsync(PositionsEndpoints.DownloadPath(Wednesday));
        var bad = await client.GetAsync("/api/v1/positions/snapshots/2026-02-30");
        var none = await client.GetAsync(PositionsEndpoints.DownloadPath(Tuesday));

        Assert.Equal(HttpStatusCode.InternalServerError, altered.StatusCode);
        var body = await altered.Content.ReadAsStringAsync();
        Assert.Contains("does not match its recorded SHA-256", body);
        Assert.DoesNotContain("90400", body);
        Assert.Equal(1L, await DownloadsRecorded(officer, "hash_mismatch"));
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, none.StatusCode);
        Assert.Contains("No position snapshot has been generated for 2026-11-24", await none.Content.ReadAsStringAsync());
    }
}
