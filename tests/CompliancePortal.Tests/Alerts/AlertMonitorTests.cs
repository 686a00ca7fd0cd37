using System.Text.Json;
using CompliancePortal.Core;
using CompliancePortal.Core.Alerts;
using CompliancePortal.Core.Audit;
using CompliancePortal.Core.Ledger;
using CompliancePortal.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace CompliancePortal.Tests.Alerts;

/// <summary>
/// The alert monitor against a real PostgreSQL: every committed entry is judged once by the
/// shipped rules, across restarts and several portal instances, and raising and acknowledging
/// are ledger entries.
/// </summary>
[Collection(PostgresCollection.Name)]
public sealed class AlertMonitorTests(PostgresFixture postgres) : PortalTest(postgres)
{
    private static string Event(string logType, string @event, object data) =>
        JsonSerializer.Serialize(new Dictionary<string, object?>(JsonSerializer.Deserialize<Dictionary<string, object?>>(JsonSerializer.Serialize(data))!)
        {
            ["log_type"] = logType,
            ["event"] = @event,
        });

    private static string FailedTrade(int n) => Event("TRADE", "trade_failed", new { trade_id = $"TRD-F-{n}", asset = "SPY", error = "timeout" });

    private static string ApiError(int n, string @event = "api_error") => Event("SYSTEM", @event, new { level = "ERROR", endpoint = $"/v2/orders/{n}" });

    private async Task<long[]> PostAsync(HttpClient client, params string[] events)
    {
        var response = await client.PostNdJsonAsync(events, Key);
        response.EnsureSuccessStatusCode();
        var body = await response.JsonAsync();
        return [.. body.GetProperty("receipts").EnumerateArray().Select(r => r.GetProperty("seq").GetInt64())];
    }

    private async Task<List<(string Rule, long Seq, long Id)>> StoredAlertsAsync()
    {
        await using var connection = new NpgsqlConnection(Db.Connections.Owner);
        await connection.OpenAsync();
        await using var cmd = new NpgsqlCommand("SELECT \"Rule\", \"Seq\", \"Id\" FROM alerts ORDER BY \"Seq\", \"Rule\"", connection);
        await using var reader = await cmd.ExecuteReaderAsync();
        var alerts = new List<(string, long, long)>();
        while (await reader.ReadAsync()) alerts.Add((reader.GetString(0), reader.GetInt64(1), reader.GetInt64(2)));
        return alerts;
    }

    private async Task<List<JsonElement>> LedgerEventsAsync(string @event)
    {
        await using var connection = new NpgsqlConnection(Db.Connections.Owner);
        await connection.OpenAsync();
        await using var cmd = new NpgsqlCommand("SELECT event_data::text, source FROM audit_log WHERE event = $1 ORDER BY seq", connection);
        cmd.Parameters.Add(new() { Value = @event });
        await using var reader = await cmd.ExecuteReaderAsync();
        var found = new List<JsonElement>();
        while (await reader.ReadAsync())
        {
            using var doc = JsonDocument.Parse(reader.GetString(0));
            Assert.Equal(@event == AlertMonitor.RaisedEvent ? AlertMonitor.Monitor.Source : reader.GetString(1), reader.GetString(1));
            found.Add(doc.RootElement.Clone());
        }
        return found;
    }

    /// <summary>Waits until the monitor of <paramref name="factory"/> has judged and saved everything up to the chain head and every alert has its ledger entry.</summary>
    internal static async Task SettledAsync(PortalFactory factory)
    {
        var monitor = factory.Services.GetRequiredService<AlertMonitor>();
        await using var connection = new NpgsqlConnection(factory.Database.Connections.Owner);
        await connection.OpenAsync();
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while (true)
        {
            await using var cmd = new NpgsqlCommand("SELECT (SELECT seq FROM alert_cursor) = (SELECT seq FROM ledger_head) AND NOT EXISTS (SELECT 1 FROM alerts WHERE \"LedgerSeq\" IS NULL)", connection);
            if ((bool)(await cmd.ExecuteScalarAsync())! && monitor.Saved >= 0) return;
            if (DateTime.UtcNow > deadline) throw new TimeoutException("the alert monitor did not reach the chain head within 20 s");
            await Task.Delay(50);
        }
    }

    [Fact]
    public async Task CommittedEntries_RaiseOneAlertPerMatchingRule_EachWithItsLedgerEntry()
    {
        var seqs = await PostAsync(Client,
            Event("RISK", "circuit_breaker_triggered", new { level = "CRITICAL", trigger = "daily_loss_limit" }),
            FailedTrade(1),
            Event("TRADE", "trade_executed", new { trade_id = "TRD-S-1", slippage_pct = 0.031 }),
            Event("TRADE", "trade_executed", new { trade_id = "TRD-S-2", slippage_pct = 0.001 }),
            Event("SYSTEM", "api_call", new { endpoint = "/v2/orders", latency_ms = 2500 }),
            Event("SYSTEM", "api_call", new { endpoint = "/v2/orders", latency_ms = 40 }));
        await SettledAsync(Portal);

        var alerts = await StoredAlertsAsync();
        Assert.Equal(
            [("trading_halted", seqs[0]), ("execution_failure", seqs[1]), ("high_slippage", seqs[2]), ("slow_api", seqs[4])],
            alerts.Select(a => (a.Rule, a.Seq)));
        var raised = await LedgerEventsAsync(AlertMonitor.RaisedEvent);
        Assert.Equal(alerts.Select(a => a.Id), raised.Select(r => r.GetProperty("alert_id").GetInt64()));
        var recorded = await Portal.Services.GetRequiredService<AlertService>().ListAsync(new AlertFilter(OpenOnly: false));
        Assert.All(recorded, a => Assert.NotNull(a.LedgerSeq));
        Assert.Equal(alerts.Select(a => a.Seq), raised.Select(r => r.GetProperty("seq").GetInt64()));
        Assert.Equal("critical", raised[1].GetProperty("severity").GetString());
        Assert.Contains("trade_id=TRD-F-1", raised[1].GetProperty("message").GetString());

        var list = await Portal.Services.GetRequiredService<AlertService>().ListAsync(new AlertFilter());
        Assert.Equal(["trading_halted", "execution_failure", "high_slippage", "slow_api"], list.Select(a => a.Rule));  // most urgent first
        await using var dataSource = Db.AppDataSource();
        var verification = await LedgerVerifier.VerifyAsync(dataSource);
        Assert.True(verification.Intact, verification.Reason);
    }

    [Fact]
    public async Task SixErrorsOfOneEventWithinFiveMinutes_RaiseOneRepeatAlert_CountedAcrossARestart()
    {
        // Five api_errors and five of another event: no repeat yet.
        await PostAsync(Client, [.. Enumerable.Range(0, 5).Select(i => ApiError(i)), .. Enumerable.Range(0, 5).Select(i => ApiError(i, "db_error"))]);
        await SettledAsync(Portal);
        Assert.Empty(await StoredAlertsAsync());

        // The monitor's counts are rebuilt from the ledger after a restart: the sixth completes the repeat.
        await Portal.DisposeAsync();
        Portal = new PortalFactory(Db);
        Client = Portal.CreateClient();
        var sixth = await PostAsync(Client, ApiError(5));
        await SettledAsync(Portal);

        var alert = Assert.Single(await Portal.Services.GetRequiredService<AlertService>().ListAsync(new AlertFilter()));
        Assert.Equal(("repeated_errors", sixth[0]), (alert.Rule, alert.Seq));
        Assert.StartsWith("6 times within 5 minutes (same event), the last: SYSTEM api_error", alert.Message);
    }

    [Fact]
    public async Task OpenAlerts_MostUrgentFirst_EvenWhenMoreAreOpenThanTheListShows()
    {
        await PostAsync(Client, Event("RISK", "circuit_breaker_triggered", new { trigger = "drawdown" }));
        await PostAsync(Client, [.. Enumerable.Range(0, 3).Select(i => Event("SYSTEM", "api_call", new { endpoint = $"/v2/{i}", latency_ms = 1500 }))]);
        await SettledAsync(Portal);

        var shown = await Portal.Services.GetRequiredService<AlertService>().ListAsync(new AlertFilter(Limit: 2));
        Assert.Equal(["trading_halted", "slow_api"], shown.Select(a => a.Rule));
    }

    [Fact]
    public async Task TwoInstances_OnOneLedger_RaiseEachAlertOnce()
    {
        await using var second = new PortalFactory(Db);
        var secondClient = second.CreateClient();
        var posts = Enumerable.Range(0, 10).Select(i => PostAsync(i % 2 == 0 ? Client : secondClient, FailedTrade(2 * i), FailedTrade(2 * i + 1)));
        var seqs = (await Task.WhenAll(posts)).SelectMany(s => s).Order().ToList();
        await SettledAsync(Portal);
        await SettledAsync(second);

        var alerts = await StoredAlertsAsync();
        Assert.Equal(seqs, alerts.Select(a => a.Seq));
        Assert.All(alerts, a => Assert.Equal("execution_failure", a.Rule));
        Assert.Equal(20, (await LedgerEventsAsync(AlertMonitor.RaisedEvent)).Count);
    }

    [Fact]
    public async Task EntriesCommittedWhileNoMonitorRan_AreJudgedAfterRestart_AndNothingIsRaisedTwice()
    {
        var first = await PostAsync(Client, FailedTrade(1));
        await SettledAsync(Portal);
        await Portal.DisposeAsync();

        // A portal with alerts switched off commits entries the monitor has not seen: more than
        // one page of them (2000), with a failure on each side of the page boundary.
        long[] missed;
        await using (var quiet = new PortalFactory(Db, b => b.UseSetting("Alerts:Enabled", "false")))
        {
            var quick = Event("SYSTEM", "api_call", new { endpoint = "/v2/quotes", latency_ms = 12 });
            missed = await PostAsync(quiet.CreateClient(), [FailedTrade(2), .. Enumerable.Repeat(quick, 2500), FailedTrade(3)]);
        }

        Portal = new PortalFactory(Db);
        Client = Portal.CreateClient();
        await SettledAsync(Portal);
        var alerts = await StoredAlertsAsync();
        Assert.Equal([first[0], missed[0], missed[^1]], alerts.Select(a => a.Seq));
        Assert.Equal(3, (await LedgerEventsAsync(AlertMonitor.RaisedEvent)).Count);
    }

    [Fact]
    public async Task AlertsFoundWithinASaveInterval_AreStoredTogether_WhenTheIntervalEnds()
    {
        // A poll of a minute: the alerts must be stored because their interval ended, not because a poll came.
        await Portal.DisposeAsync();
        Portal = new PortalFactory(Db, b => b.UseSetting("Alerts:SaveIntervalMilliseconds", "1500").UseSetting("Alerts:PollIntervalMilliseconds", "60000"));
        Client = Portal.CreateClient();
        var seqs = new List<long>();
        for (var i = 0; i < 3; i++)
        {
            // Three commits 100 ms apart, each handed over on its own.
            seqs.AddRange(await PostAsync(Client, FailedTrade(i)));
            await Task.Delay(100);
        }
        await SettledAsync(Portal);

        Assert.Equal(seqs, (await StoredAlertsAsync()).Select(a => a.Seq));
        await using var connection = new NpgsqlConnection(Db.Connections.Owner);
        await connection.OpenAsync();
        await using var cmd = new NpgsqlCommand("SELECT count(DISTINCT \"RaisedAt\") FROM alerts", connection);
        // The first may be stored at once (nothing was saved for a while); the others wait for the interval and go together.
        Assert.InRange((long)(await cmd.ExecuteScalarAsync())!, 1, 2);
        Assert.Equal(3, (await LedgerEventsAsync(AlertMonitor.RaisedEvent)).Count);
    }

    [Fact]
    public async Task AlertWhoseLedgerEntryIsNotKnownToBeStored_IsRecordedAgain_WithoutASecondEntry()
    {
        await PostAsync(Client, FailedTrade(1));
        await SettledAsync(Portal);
        var seq = (await Portal.Services.GetRequiredService<AlertService>().ListAsync(new AlertFilter())).Single().LedgerSeq;

        // As after a crash between the append and noting its seq: the sweep appends it again,
        // and the idempotency id answers with the first entry.
        await using (var connection = new NpgsqlConnection(Db.Connections.Owner))
        {
            await connection.OpenAsync();
            await using var forget = new NpgsqlCommand("UPDATE alerts SET \"LedgerSeq\" = NULL", connection);
            Assert.Equal(1, await forget.ExecuteNonQueryAsync());
        }
        await SettledAsync(Portal);

        Assert.Equal(seq, (await Portal.Services.GetRequiredService<AlertService>().ListAsync(new AlertFilter())).Single().LedgerSeq);
        Assert.Single(await LedgerEventsAsync(AlertMonitor.RaisedEvent));
    }

    [Fact]
    public async Task Acknowledge_NeedsANote_ThenRecordsWhoAndWhatInTheLedger_Once()
    {
        await PostAsync(Client, FailedTrade(1));
        await SettledAsync(Portal);
        var service = Portal.Services.GetRequiredService<AlertService>();
        var id = (await StoredAlertsAsync()).Single().Id;
        var officer = new Actor("cco-test");

        var noNote = await service.AcknowledgeAsync(officer, id, "   ");
        Assert.Contains("note is required", noNote.Error);
        Assert.Equal(AlertStatus.Open, (await service.ListAsync(new AlertFilter())).Single().Status);
        Assert.Empty(await LedgerEventsAsync(AlertService.AcknowledgedEvent));

        var done = await service.AcknowledgeAsync(officer, id, "Broker timeout; order re-sent by the desk.");
        Assert.Null(done.Error);
        Assert.Empty(await service.ListAsync(new AlertFilter()));   // no longer open
        var acknowledged = (await service.ListAsync(new AlertFilter(OpenOnly: false))).Single();
        Assert.Equal(("cco-test", "Broker timeout; order re-sent by the desk."), (acknowledged.AcknowledgedBy, acknowledged.Note));
        var entry = (await LedgerEventsAsync(AlertService.AcknowledgedEvent)).Single();
        Assert.Equal(id, entry.GetProperty("alert_id").GetInt64());
        Assert.Equal("Broker timeout; order re-sent by the desk.", entry.GetProperty("note").GetString());

        var again = await service.AcknowledgeAsync(new Actor("someone-else"), id, "me too");
        Assert.Contains("already acknowledged by cco-test", again.Error);
        Assert.Single(await LedgerEventsAsync(AlertService.AcknowledgedEvent));
        Assert.Equal(FailureKind.NotFound, (await service.AcknowledgeAsync(officer, 999_999, "x")).Failure?.Kind);
    }

    [Fact]
    public async Task RuleThatCannotJudgeAnEntry_SkipsIt_AndTheMonitorGoesOn()
    {
        var file = Path.Combine(Path.GetTempPath(), $"alerts-{Guid.NewGuid():N}.yaml");
        await File.WriteAllTextAsync(file, """
            alerts:
              medium:
                - name: doubled_latency
                  condition: log_type == 'SYSTEM' AND latency_ms * 2 > 1000
                  response_time: 1_hour
            """);
        try
        {
            await Portal.DisposeAsync();
            Portal = new PortalFactory(Db, b => b.UseSetting("Alerts:RulesFile", file));
            Client = Portal.CreateClient();
            // Text where the rule multiplies a number: that entry is skipped, the next one is judged.
            var seqs = await PostAsync(Client,
                Event("SYSTEM", "api_call", new { latency_ms = "slow" }),
                Event("SYSTEM", "api_call", new { latency_ms = 800 }));
            await SettledAsync(Portal);
            Assert.Equal([("doubled_latency", seqs[1])], (await StoredAlertsAsync()).Select(a => (a.Rule, a.Seq)));
        }
        finally
        {
            File.Delete(file);
        }
    }

    [Fact]
    public async Task AcknowledgeWithANoteOverTheLimit_IsRefused_AndChangesNothing()
    {
        await PostAsync(Client, FailedTrade(1));
        await SettledAsync(Portal);
        var service = Portal.Services.GetRequiredService<AlertService>();
        var id = (await StoredAlertsAsync()).Single().Id;

        var result = await service.AcknowledgeAsync(new Actor("cco-test"), id, new string('x', AlertService.MaxNoteLength + 1));

        Assert.Contains($"longer than {AlertService.MaxNoteLength}", result.Error);
        Assert.Equal(AlertStatus.Open, (await service.ListAsync(new AlertFilter())).Single().Status);
        Assert.Empty(await LedgerEventsAsync(AlertService.AcknowledgedEvent));
    }

    [Fact]
    public async Task RulesFileWithAMistake_StopsThePortalFromStarting_NamingTheRule()
    {
        var file = Path.Combine(Path.GetTempPath(), $"alerts-{Guid.NewGuid():N}.yaml");
        await File.WriteAllTextAsync(file, "alerts:\n  high:\n    - name: broken_rule\n      condition: latency_ms >\n      response_time: immediate\n");
        try
        {
            await using var broken = new PortalFactory(Db, b => b.UseSetting("Alerts:RulesFile", file));
            var ex = Assert.ThrowsAny<Exception>(() => broken.CreateClient());
            Assert.Contains("rule 'broken_rule'", ex.ToString());
        }
        finally
        {
            File.Delete(file);
        }
    }
}
