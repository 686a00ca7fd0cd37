using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;
using CompliancePortal.Core.Accounts;
using CompliancePortal.Core.Archive;
using CompliancePortal.Core.Audit;
using CompliancePortal.Core.Ledger;
using CompliancePortal.Core.Packages;
using CompliancePortal.Core.Positions;
using CompliancePortal.Core.Search;
using CompliancePortal.Packages;
using CompliancePortal.Tests.Infrastructure;
using Hangfire;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;

namespace CompliancePortal.Tests.Packages;

/// <summary>
/// Compliance packages end to end on a real database and archive folder: a period's records in
/// and around it, the package built by the real builder, its ZIP opened and checked by the test.
/// </summary>
[Collection(PostgresCollection.Name)]
public sealed class CompliancePackageTests(PostgresFixture postgres) : IAsyncLifetime
{
    private static readonly DateOnly From = new(2026, 10, 5), To = new(2026, 10, 9);
    private static readonly DateOnly GrantFrom = new(2026, 10, 1), GrantTo = new(2026, 10, 31);
    private readonly TestClock _clock = new(new DateTimeOffset(2026, 11, 25, 9, 0, 0, TimeSpan.Zero));
    private readonly string _archive = Path.Combine(Path.GetTempPath(), "cp-packages-" + Guid.NewGuid().ToString("N")[..8]);
    private PortalFactory _portal = null!;
    private TestDatabase _db = null!;

    public async Task InitializeAsync()
    {
        _db = await postgres.CreateDatabaseAsync();
        _portal = new PortalFactory(_db, b =>
        {
            b.UseSetting("Archive:Folder", _archive);
            b.UseSetting("Positions:CatchUpDays", "0");
            b.UseSetting("Positions:EndOfDayUtc", "21:00");
            b.UseSetting("Packages:ExpiresAfter", "2.00:00:00");
            // The seeded trade_failed and circuit breaker would raise alerts, dated by the test clock
            // whenever the monitor gets to them (it moves while seeding): sections are checked exactly here.
            b.UseSetting("Alerts:Enabled", "false");
            b.ConfigureTestServices(s => s.AddSingleton<TimeProvider>(_clock));
        });
        _ = _portal.Services;
    }

    public async Task DisposeAsync()
    {
        await _portal.DisposeAsync();
        try { Directory.Delete(_archive, recursive: true); } catch (DirectoryNotFoundException) { }
    }

    private T Service<T>() where T : notnull => _portal.Services.GetRequiredService<T>();

    /// <summary>(tag, timestamp, log type, event, extra fields): in the period and just outside it, interleaved in seq order.</summary>
    private static readonly (string Tag, string At, string Type, string Event, JsonObject Data)[] Records =
    [
        ("before-trade", "2026-10-02T15:00:00Z", "TRADE", "trade_executed", new() { ["trade_id"] = "TRD-0", ["asset"] = "SPY", ["action"] = "BUY", ["quantity"] = 1, ["price"] = 570.1 }),
        ("trade-1", "2026-10-05T14:30:00.123456Z", "TRADE", "trade_executed", new() { ["trade_id"] = "TRD-1", ["asset"] = "QQQ", ["action"] = "SELL_PUT", ["quantity"] = 5, ["fill_price"] = 8.52, ["commission"] = 3.25, ["broker"] = "IBKR" }),
        ("failed-1", "2026-10-05T14:31:00Z", "TRADE", "trade_failed", new() { ["trade_id"] = "TRD-F", ["asset"] = "QQQ", ["error"] = "market_closed" }),
        ("nav-1", "2026-10-05T20:15:00Z", "NAV", "nav_calculated", new() { ["nav"] = 156789.45, ["methodology"] = "black_scholes" }),
        ("fee-1", "2026-10-06T20:20:00Z", "NAV", "management_fee_calculated", new() { ["fee"] = 130.66, ["rate"] = 0.01 }),
        ("after-risk", "2026-10-12T09:00:00Z", "RISK", "circuit_breaker_triggered", new() { ["trigger"] = "drawdown" }),
        ("risk-1", "2026-10-07T10:00:00Z", "RISK", "risk_check_passed", new() { ["asset"] = "SPY" }),
        ("compliance-1", "2026-10-08T11:00:00Z", "COMPLIANCE", "personal_trade_preclearance", new() { ["request_id"] = "PCT-2026-0045", ["decision"] = "approved" }),
        ("email-1", "2026-10-08T12:00:00Z", "COMMUNICATION", "email_archived", new() { ["from"] = "pm@fund.example", ["subject"] = "Q3 letter" }),
        ("system-1", "2026-10-08T13:00:00Z", "SYSTEM", "api_call", new() { ["latency_ms"] = 12 }),
        ("trade-2", "2026-10-09T23:59:59.999999Z", "TRADE", "trade_executed", new() { ["trade_id"] = "TRD-2", ["asset"] = "IWM", ["action"] = "BUY", ["quantity"] = 100, ["price"] = 221.5 }),
        ("after-trade", "2026-10-10T00:00:00Z", "TRADE", "trade_executed", new() { ["trade_id"] = "TRD-3", ["asset"] = "IWM", ["action"] = "SELL", ["quantity"] = 100, ["price"] = 222 }),
        ("before-nav", "2026-10-04T20:15:00Z", "NAV", "nav_calculated", new() { ["nav"] = 155000.00 }),
    ];

    private async Task<Dictionary<string, long>> SeedAsync()
    {
        _clock.Now = new DateTimeOffset(2026, 10, 7, 12, 0, 0, TimeSpan.Zero);
        var key = await _portal.CreateKeyAsync("sources", ["TRADE", "RISK", "SYSTEM", "NAV", "COMPLIANCE", "POSITION", "COMMUNICATION"]);
        using var client = _portal.CreateClient();
        var body = new JsonArray([.. Records.Select(r =>
        {
            var e = new JsonObject { ["timestamp"] = r.At, ["log_type"] = r.Type, ["event"] = r.Event, ["tag"] = r.Tag };
            foreach (var (k, v) in r.Data) e[k] = v?.DeepClone();
            return (JsonNode)e;
        })]).ToJsonString();
        var response = await client.PostJsonAsync(body, key);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var receipts = (await response.JsonAsync()).GetProperty("receipts").EnumerateArray().Select(r => r.GetProperty("seq").GetInt64()).ToList();

        // The end-of-day book of Wednesday 7 October, frozen by the snapshot job after 21:00.
        var positions = await IngestClient.SendPositionsAsync(client, key,
            """{"date":"2026-10-07","positions":[{"asset":"SPY","quantity":200,"market_value":80400.00,"delta":200}]}""");
        Assert.Equal(HttpStatusCode.OK, positions.StatusCode);
        _clock.Now = new DateTimeOffset(2026, 10, 7, 21, 10, 0, TimeSpan.Zero);
        await Service<PositionSnapshotter>().RunAsync(_clock.Now);
        _clock.Now = new DateTimeOffset(2026, 11, 25, 9, 0, 0, TimeSpan.Zero);
        return Records.Select((r, i) => (r.Tag, Seq: receipts[i])).ToDictionary(x => x.Tag, x => x.Seq);
    }

    private async Task<(RecordReader Reader, string User)> AuditorAsync(DateOnly? from = null, DateOnly? to = null)
    {
        var user = await _portal.CreateUserAsync(UserRoles.Auditor, from ?? GrantFrom, to ?? GrantTo);
        return (RecordReader.Auditor(new Actor(user), from ?? GrantFrom, to ?? GrantTo), user);
    }

    private async Task<CompliancePackage> BuildAsync(RecordReader reader, IReadOnlyCollection<string>? sections = null)
    {
        var (package, error) = await Service<PackageService>().RequestAsync(reader, From, To, sections ?? [.. PackageSections.All.Select(s => s.Name)]);
        Assert.True(package is not null, error);
        await Service<PackageBuilder>().BuildAsync(package.Id);
        return (await Service<PackageService>().FindAsync(package.Id))!;
    }

    private async Task<byte[]> ObjectAsync(string key)
    {
        await using var stream = (await Service<IArchiveStore>().OpenReadAsync(key))!;
        using var copy = new MemoryStream();
        await stream.CopyToAsync(copy);
        return copy.ToArray();
    }

    [Fact]
    public async Task Package_EveryFileHashesAsTheManifestSays_SectionsHoldExactlyThePeriodsRecords_AndTheChainVerifies()
    {
        var seqs = await SeedAsync();
        var (reader, user) = await AuditorAsync();
        var reports = new List<PackageProgress>();
        Service<PackageProgressBroadcaster>().Reported += p => { lock (reports) reports.Add(p); };

        var package = await BuildAsync(reader);

        Assert.Equal(PackageStatus.Ready, package.Status);
        Assert.Equal(_clock.Now.AddDays(2), package.ExpiresAt);
        var zipBytes = await ObjectAsync(package.ArchiveKey!);
        Assert.Equal(PackageZip.Sha256(zipBytes), package.Sha256);
        Assert.Equal(zipBytes.Length, package.SizeBytes);
        var built = JsonDocument.Parse((string)(await _db.ScalarAsync(
            $"SELECT event_data::text FROM audit_log WHERE event = 'compliance_package_built' AND event_data->>'package_id' = '{package.Id}'"))!).RootElement;
        Assert.Equal(package.Sha256, built.GetProperty("sha256").GetString());

        var zip = PackageZip.Read(zipBytes);
        var listed = zip.Manifest.GetProperty("files").EnumerateArray().ToDictionary(f => f.GetProperty("path").GetString()!, f => f.GetProperty("sha256").GetString()!);
        Assert.Equal(zip.Files.Keys.Where(k => k is not ("manifest.json" or "manifest.sig")).Order(), listed.Keys.Order());
        foreach (var (path, sha) in listed) Assert.True(PackageZip.Sha256(zip.Files[path]) == sha, $"{path} does not hash as the manifest says");

        // Each section holds exactly the period's records of its kind, as the hashed entries.
        string[] TagsOf(string path) => [.. zip.Lines(path).Select(l => JsonDocument.Parse(l).RootElement.GetProperty("data").GetProperty("tag").GetString()!)];
        Assert.Equal(["nav-1", "fee-1"], TagsOf("nav_calculations/nav_calculations.ndjson"));
        Assert.Equal(["fee-1"], TagsOf("fee_calculations/fee_calculations.ndjson"));
        Assert.Equal(["risk-1"], TagsOf("risk_events/risk_events.ndjson"));
        Assert.Equal(["email-1"], TagsOf("email_archive/communications.ndjson"));
        // Compliance logs: the seeded entry plus the portal's own audit entries of the period (none: they are dated November).
        Assert.Equal(["compliance-1"], TagsOf("compliance_logs/compliance_logs.ndjson"));

        var blotters = zip.Files.Keys.Where(k => k.StartsWith("trade_blotters/", StringComparison.Ordinal)).Order().ToList();
        Assert.Equal(Enumerable.Range(5, 5).Select(d => $"trade_blotters/blotter_2026-10-{d:D2}.csv"), blotters);
        Assert.Equal(["timestamp,trade_id,asset,action,quantity,price,commission,broker,executing_user",
                      "2026-10-05T14:30:00.123456Z,TRD-1,QQQ,SELL_PUT,5,8.52,3.25,IBKR,"], zip.Lines("trade_blotters/blotter_2026-10-05.csv").Select(l => l.TrimEnd('\r')));
        Assert.Equal("2026-10-09T23:59:59.999999Z,TRD-2,IWM,BUY,100,221.5,,,", zip.Lines("trade_blotters/blotter_2026-10-09.csv").Last().TrimEnd('\r'));
        Assert.Single(zip.Lines("trade_blotters/blotter_2026-10-06.csv"));

        var snapshot = zip.Files["position_snapshots/positions_2026-10-07.json"];
        Assert.Equal(await _db.ScalarAsync("SELECT sha256 FROM position_snapshots WHERE date = '2026-10-07'"), PackageZip.Sha256(snapshot));
        Assert.Single(zip.Files.Keys, k => k.StartsWith("position_snapshots/", StringComparison.Ordinal));

        // The segment runs from the period's first entry (trade-1) to its last (the snapshot's POSITION
        // entry, dated 7 October 21:10); the three entries between them dated outside are withheld but linked.
        var submitted = (long)(await _db.ScalarAsync("SELECT seq FROM audit_log WHERE event = 'positions_submitted'"))!;
        var frozen = (long)(await _db.ScalarAsync("SELECT seq FROM audit_log WHERE event = 'position_snapshot'"))!;
        var (entries, withheld, last) = zip.VerifyChain();
        var segment = zip.Manifest.GetProperty("ledger_segment");
        Assert.Equal(seqs["trade-1"], segment.GetProperty("first_seq").GetInt64());
        Assert.Equal(frozen, segment.GetProperty("last_seq").GetInt64());
        Assert.Equal(await _db.ScalarAsync($"SELECT previous_hash FROM audit_log WHERE seq = {seqs["trade-1"]}"), segment.GetProperty("first_previous_hash").GetString());
        Assert.Equal(await _db.ScalarAsync($"SELECT current_hash FROM audit_log WHERE seq = {frozen}"), last);
        Assert.Equal(last, segment.GetProperty("last_current_hash").GetString());
        Assert.Equal(3, withheld);   // after-risk, after-trade, before-nav
        Assert.Equal(Records.Where(r => !r.Tag.StartsWith("before", StringComparison.Ordinal) && !r.Tag.StartsWith("after", StringComparison.Ordinal))
                .Select(r => seqs[r.Tag]).Append(submitted).Append(frozen).Order(),
            entries.Keys.Order());
        foreach (var path in listed.Keys.Where(p => p.EndsWith(".ndjson", StringComparison.Ordinal) && !p.StartsWith("ledger/", StringComparison.Ordinal)))
            foreach (var line in zip.Lines(path))
                Assert.Equal(entries[JsonDocument.Parse(line).RootElement.GetProperty("seq").GetInt64()], line);
        Assert.Contains("hashlib.sha256(e['previous_hash'].encode() + c)", System.Text.Encoding.UTF8.GetString(zip.Files["README.md"]));

        // The request and the build are ledger events; progress was reported up to ready.
        Assert.Equal($"user:{user}", await _db.ScalarAsync($"SELECT source FROM audit_log WHERE event = 'compliance_package_requested' AND event_data->>'package_id' = '{package.Id}'"));
        lock (reports)
        {
            Assert.Equal(PackageStatus.Ready, reports[^1].Status);
            Assert.Equal(100, reports[^1].Percent);
            var percents = reports.Where(r => r.Status == PackageStatus.Building).Select(r => r.Percent).ToList();
            Assert.Equal(percents.Order(), percents);
            Assert.True(percents.Distinct().Count() > 5, string.Join(",", percents));
        }
    }

    [Fact]
    public async Task ReadmeRecipes_RunByPython_PassOnTheUnpackedPackage_AndCatchAlteredBytes()
    {
        await SeedAsync();
        var (reader, _) = await AuditorAsync();
        var package = await BuildAsync(reader);
        var folder = Path.Combine(_archive, "unpacked");
        System.IO.Compression.ZipFile.ExtractToDirectory(new MemoryStream(await ObjectAsync(package.ArchiveKey!)), folder);
        var readme = await File.ReadAllTextAsync(Path.Combine(folder, "README.md"));
        var blocks = System.Text.RegularExpressions.Regex.Matches(readme, "```(?:python)?\n(.*?)```", System.Text.RegularExpressions.RegexOptions.Singleline)
            .Select(m => m.Groups[1].Value).ToList();
        var filesCheck = blocks.Single(b => b.StartsWith("python3 -c", StringComparison.Ordinal));
        await File.WriteAllTextAsync(Path.Combine(folder, "check_chain.py"), blocks.Single(b => b.StartsWith("import json, hashlib", StringComparison.Ordinal)));

        Assert.Equal("files ok", (await RunAsync(folder, "/bin/sh", "-c", filesCheck)).Output.Trim());
        var chain = await RunAsync(folder, "python3", "check_chain.py");
        Assert.True(chain.Exit == 0, chain.Output);
        Assert.Contains("== manifest: True", chain.Output);
        Assert.Contains("sections ok", chain.Output);

        // One changed digit in a section file: the file check names it.
        var risk = Path.Combine(folder, "risk_events", "risk_events.ndjson");
        await File.WriteAllTextAsync(risk, (await File.ReadAllTextAsync(risk)).Replace("risk_check_passed", "risk_check_failed"));
        Assert.Contains("risk_events/risk_events.ndjson", (await RunAsync(folder, "/bin/sh", "-c", filesCheck)).Output);
        // One changed byte in the segment's hashed content: the chain check names its seq.
        var ledger = Path.Combine(folder, "ledger", "ledger.ndjson");
        await File.WriteAllTextAsync(ledger, (await File.ReadAllTextAsync(ledger)).Replace("SELL_PUT", "SELL_CALL"));
        var broken = await RunAsync(folder, "python3", "check_chain.py");
        Assert.NotEqual(0, broken.Exit);
        Assert.Contains("bad hash at seq", broken.Output);
    }

    private static Task<(int Exit, string Output)> RunAsync(string folder, string program, params string[] args) =>
        ExternalProgram.RunAsync(folder, program, args);

    [Fact]
    public async Task Package_HoldsTheRawMessageOfEachArchivedEmail_AndFailsWhenTheArchivedBytesChanged()
    {
        var key = await _portal.CreateKeyAsync("mail-gateway", ["COMMUNICATION"]);
        using var client = _portal.CreateClient();
        var inPeriod = TestEmail.Letter(new DateTimeOffset(2026, 10, 8, 9, 30, 0, TimeSpan.FromHours(-4)));
        var after = TestEmail.Letter(new DateTimeOffset(2026, 10, 12, 9, 30, 0, TimeSpan.FromHours(-4)), subject: "Next week");
        var archived = await (await client.PostEmailAsync(inPeriod, key)).JsonAsync();
        var later = await (await client.PostEmailAsync(after, key)).JsonAsync();
        // Through the events API, an entry naming another object, or a message of another day, is refused.
        string Forged(string archiveKey, string sha) =>
            $$"""{"timestamp":"2026-10-08T10:00:00Z","log_type":"COMMUNICATION","event":"email_archived","archive_key":"{{archiveKey}}","sha256":"{{sha}}"}""";
        var otherObject = await client.PostJsonAsync(Forged(archived.GetProperty("archive_key").GetString()!, new string('0', 64)), key);
        var otherDay = await client.PostJsonAsync(Forged(later.GetProperty("archive_key").GetString()!, later.GetProperty("sha256").GetString()!), key);
        Assert.Equal(HttpStatusCode.BadRequest, otherObject.StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, otherDay.StatusCode);
        Assert.Contains("names a message of 2026-10-12, but this entry is of 2026-10-08", await otherDay.Content.ReadAsStringAsync());
        // One that got in before ingest checked the day (written straight to the ledger) is not followed either.
        var legacy = System.Text.Encoding.UTF8.GetBytes(
            $$"""{"archive_key":"{{later.GetProperty("archive_key").GetString()}}","sha256":"{{later.GetProperty("sha256").GetString()}}"}""");
        var at = new DateTimeOffset(2026, 10, 8, 10, 0, 0, TimeSpan.Zero);
        await _portal.Services.GetRequiredService<ILedgerAppend>().AppendAsync("legacy-gateway",
            [new LedgerEvent(LogTypes.Communication, "email_archived", at, null, null, null, null, legacy, at)]);
        var (reader, _) = await AuditorAsync();

        var package = await BuildAsync(reader, [PackageSections.EmailArchive]);

        Assert.Equal(PackageStatus.Ready, package.Status);
        var zip = PackageZip.Read(await ObjectAsync(package.ArchiveKey!));
        var sha = archived.GetProperty("sha256").GetString()!;
        Assert.Equal([$"email_archive/messages/{sha}.eml"], zip.Files.Keys.Where(k => k.StartsWith("email_archive/messages/", StringComparison.Ordinal)));
        Assert.Equal(inPeriod, zip.Files[$"email_archive/messages/{sha}.eml"]);
        Assert.Contains(zip.Manifest.GetProperty("files").EnumerateArray(),
            f => f.GetProperty("path").GetString() == $"email_archive/messages/{sha}.eml" && f.GetProperty("sha256").GetString() == sha);
        Assert.Equal(2, zip.Lines("email_archive/communications.ndjson").Count());   // the archived one and the legacy one

        // The archived file altered afterwards: the next package refuses to hand it out.
        await File.AppendAllTextAsync(Path.Combine(_archive, archived.GetProperty("archive_key").GetString()!.Replace('/', Path.DirectorySeparatorChar)), "tampered");
        var second = await BuildAsync(reader, [PackageSections.EmailArchive]);
        Assert.Equal(PackageStatus.Failed, second.Status);
        Assert.Contains("no longer matches its recorded SHA-256", second.Error);
    }

    [Fact]
    public async Task Package_WithoutCommunications_OmitsTheEmailArchive_AndSaysSo()
    {
        var (reader, _) = await AuditorAsync();
        var package = await BuildAsync(reader, [PackageSections.EmailArchive, PackageSections.RiskEvents]);

        var zip = PackageZip.Read(await ObjectAsync(package.ArchiveKey!));

        Assert.DoesNotContain(zip.Files.Keys, k => k.StartsWith("email_archive/", StringComparison.Ordinal));
        Assert.Equal("email_archive", zip.Manifest.GetProperty("omitted_sections")[0].GetProperty("section").GetString());
        Assert.Empty(zip.Lines("risk_events/risk_events.ndjson"));
        Assert.Equal(["README.md", "ledger/checkpoint.note", "ledger/ledger.ndjson", "ledger/proof.json", "ledger/verifier_key.txt",
            "manifest.json", "manifest.sig", "risk_events/risk_events.ndjson", "verify_package.py"], zip.Files.Keys.Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task Request_OutsideTheGrantedPeriod_IsRefusedAndStoresNothing()
    {
        var (reader, user) = await AuditorAsync(new DateOnly(2026, 10, 6), GrantTo);
        var service = Service<PackageService>();
        var all = PackageSections.All.Select(s => s.Name).ToArray();

        var (outside, error) = await service.RequestAsync(reader, From, To, all);
        var (none, noGrant) = await service.RequestAsync(RecordReader.Auditor(new Actor(user), null, null), From, To, all);
        var (backwards, reversed) = await service.RequestAsync(reader, To, From, all);
        var (unknown, badSection) = await service.RequestAsync(reader, new DateOnly(2026, 10, 6), To, ["trade_blotters", "tax_returns"]);

        Assert.Null(outside);
        Assert.Contains("outside your granted period 2026-10-06..2026-10-31", error);
        Assert.Null(none);
        Assert.Contains("no granted audit period", noGrant);
        Assert.Null(backwards);
        Assert.Contains("ends before it starts", reversed);
        Assert.Null(unknown);
        Assert.Contains("tax_returns", badSection);

        using var client = await _portal.SignedInClientAsync(user);
        var api = await client.PostAsJsonAsync("/api/v1/packages", new { from = "2026-10-05", to = "2026-10-09", sections = all });
        Assert.Equal(HttpStatusCode.Forbidden, api.StatusCode);
        Assert.Contains("outside your granted period", await api.Content.ReadAsStringAsync());
        var badSectionApi = await client.PostAsJsonAsync("/api/v1/packages", new { from = "2026-10-06", to = "2026-10-09", sections = new[] { "tax_returns" } });
        Assert.Equal(HttpStatusCode.BadRequest, badSectionApi.StatusCode);

        Assert.Equal(0L, await _db.ScalarAsync("SELECT count(*) FROM compliance_packages"));
        Assert.Equal(0L, await _db.ScalarAsync("SELECT count(*) FROM audit_log WHERE event = 'compliance_package_requested'"));
    }

    [Fact]
    public async Task Download_IsForTheRequesterOnly_StreamsTheStoredZip_IsRecorded_AndStopsAtExpiry()
    {
        await SeedAsync();
        var (reader, owner) = await AuditorAsync();
        var (_, other) = await AuditorAsync();
        var officer = await _portal.CreateUserAsync(UserRoles.ComplianceOfficer);
        var package = await BuildAsync(reader, [PackageSections.TradeBlotters]);
        var url = $"/api/v1/packages/{package.Id}/download";

        using var otherClient = await _portal.SignedInClientAsync(other);
        using var officerClient = await _portal.SignedInClientAsync(officer);
        using var ownerClient = await _portal.SignedInClientAsync(owner);
        Assert.Equal(HttpStatusCode.Forbidden, (await otherClient.GetAsync(url)).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await officerClient.GetAsync(url)).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await otherClient.GetAsync($"/api/v1/packages/{package.Id}")).StatusCode);
        Assert.Equal(0L, await _db.ScalarAsync("SELECT count(*) FROM audit_log WHERE event = 'compliance_package_downloaded'"));

        var response = await ownerClient.GetAsync(url);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("application/zip", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal(package.FileName, response.Content.Headers.ContentDisposition?.FileNameStar ?? response.Content.Headers.ContentDisposition?.FileName);
        Assert.Equal(package.Sha256, PackageZip.Sha256(await response.Content.ReadAsByteArrayAsync()));
        Assert.Equal($"user:{owner}|{package.Sha256}", await _db.ScalarAsync(
            "SELECT string_agg(source || '|' || (event_data->>'sha256'), ',') FROM audit_log WHERE event = 'compliance_package_downloaded'"));

        // Past its expiry the package cannot be downloaded, and the sweep deletes the object (once).
        // (A new sign-in: the old cookie is past its own lifetime on the moved clock.)
        _clock.Now = package.ExpiresAt!.Value.AddSeconds(1);
        using var later = await _portal.SignedInClientAsync(owner);
        Assert.Equal(HttpStatusCode.Gone, (await later.GetAsync(url)).StatusCode);
        Assert.Equal(1, await Service<PackageService>().ExpireDueAsync());
        Assert.Equal(0, await Service<PackageService>().ExpireDueAsync());
        Assert.False(await Service<IArchiveStore>().ExistsAsync(package.ArchiveKey!));
        Assert.Equal(PackageStatus.Expired, (await Service<PackageService>().FindAsync(package.Id))!.Status);
        Assert.Equal(HttpStatusCode.Gone, (await later.GetAsync(url)).StatusCode);
        Assert.Equal("true", await _db.ScalarAsync("SELECT event_data->>'object_deleted' FROM audit_log WHERE event = 'compliance_package_expired'"));
    }

    [Fact]
    public async Task Request_WhoseBuildWasNeverQueued_IsQueuedAgainOnceItIsSilentForLong_AndThenBuilt()
    {
        await SeedAsync();
        var (reader, _) = await AuditorAsync();
        var service = Service<PackageService>();
        var recording = new RecordingJobs();

        // The request is committed, then queueing its build fails (Hangfire's storage is down).
        var orders = new PackageOrders(service, new RecordingJobs(fail: true), NullLogger<PackageOrders>.Instance);
        var (package, error) = await orders.RequestAsync(reader, From, To, [PackageSections.TradeBlotters]);
        Assert.True(package is not null, error);
        Assert.Equal(PackageStatus.Queued, (await service.FindAsync(package.Id))!.Status);
        var recovery = new PackageRecoveryJob(service, recording, NullLogger<PackageRecoveryJob>.Instance);

        _clock.Now += TimeSpan.FromMinutes(9);
        Assert.Equal(0, await recovery.RunAsync(CancellationToken.None));
        _clock.Now += TimeSpan.FromMinutes(2);
        Assert.Equal(1, await recovery.RunAsync(CancellationToken.None));
        Assert.Equal(0, await recovery.RunAsync(CancellationToken.None)); // queued once, not again at every sweep

        Assert.Equal([package.Id], recording.PackageIds);
        await Service<PackageBuilder>().BuildAsync(recording.PackageIds[0]);
        Assert.Equal(PackageStatus.Ready, (await service.FindAsync(package.Id))!.Status);
        Assert.Equal(1L, await _db.ScalarAsync($"SELECT count(*) FROM audit_log WHERE event = 'compliance_package_built' AND event_data->>'package_id' = '{package.Id}'"));
    }

    [Fact]
    public async Task Build_HeldByARunThatDied_IsNotBuiltTwice_ButTakenOverOnceItIsSilentForLong()
    {
        await SeedAsync();
        var (reader, _) = await AuditorAsync();
        var service = Service<PackageService>();
        var (package, error) = await service.RequestAsync(reader, From, To, [PackageSections.TradeBlotters]);
        Assert.True(package is not null, error);
        // Another run claimed it and its process was killed: Building, held by that run, beating no more.
        await _db.ScalarAsync($"UPDATE compliance_packages SET status = 'Building', build_attempt = gen_random_uuid(), last_activity_at = '{_clock.Now:O}' WHERE id = '{package.Id}'");

        await Service<PackageBuilder>().BuildAsync(package.Id); // a second job for the same package: not its to build
        Assert.Equal(PackageStatus.Building, (await service.FindAsync(package.Id))!.Status);

        _clock.Now += TimeSpan.FromMinutes(5);
        Assert.Empty(await service.RequeueStalledAsync());
        _clock.Now += TimeSpan.FromMinutes(6);
        Assert.Equal([package.Id], await service.RequeueStalledAsync());
        await Service<PackageBuilder>().BuildAsync(package.Id);

        var built = (await service.FindAsync(package.Id))!;
        Assert.Equal(PackageStatus.Ready, built.Status);
        Assert.Equal(built.Sha256, PackageZip.Sha256(await ObjectAsync(built.ArchiveKey!)));
        Assert.Equal(1L, await _db.ScalarAsync($"SELECT count(*) FROM audit_log WHERE event = 'compliance_package_built' AND event_data->>'package_id' = '{package.Id}'"));
    }

    /// <summary>Hangfire's client as the package code uses it: records each queued build, or fails like storage that is down.</summary>
    private sealed class RecordingJobs(bool fail = false) : IBackgroundJobClient
    {
        public List<Guid> PackageIds { get; } = [];

        public string Create(Hangfire.Common.Job job, Hangfire.States.IState state)
        {
            if (fail) throw new InvalidOperationException("job storage is down");
            PackageIds.Add((Guid)job.Args[0]);
            return PackageIds.Count.ToString(System.Globalization.CultureInfo.InvariantCulture);
        }

        public bool ChangeState(string jobId, Hangfire.States.IState state, string expectedState) => throw new NotSupportedException();
    }
}
