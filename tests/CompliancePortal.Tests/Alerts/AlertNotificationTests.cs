using System.Collections.Concurrent;
using System.Text.Json;
using CompliancePortal.Core.Alerts;
using CompliancePortal.Tests.Infrastructure;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using netDumbster.smtp;
using Npgsql;

namespace CompliancePortal.Tests.Alerts;

/// <summary>
/// Alert notifications against real listeners on loopback: a fake SMTP server (netDumbster) for
/// mail and a small HTTP endpoint for webhooks. Sent, retried, given up and not-configured
/// deliveries are each recorded, and sent or failed ones are ledger entries.
/// </summary>
[Collection(PostgresCollection.Name)]
public sealed class AlertNotificationTests(PostgresFixture postgres) : IAsyncLifetime
{
    private TestDatabase _db = null!;
    private SimpleSmtpServer _smtp = null!;

    public async Task InitializeAsync()
    {
        _db = await postgres.CreateDatabaseAsync();
        _smtp = SimpleSmtpServer.Start();
    }

    public Task DisposeAsync()
    {
        _smtp.Dispose();
        return Task.CompletedTask;
    }

    private PortalFactory Portal(string webhookUrl, int attempts = 5) => new(_db, b =>
    {
        b.UseSetting("Alerts:PollIntervalMilliseconds", "100");
        b.UseSetting("Alerts:RetryDelaySeconds", "0");
        b.UseSetting("Alerts:DeliveryAttempts", attempts.ToString(System.Globalization.CultureInfo.InvariantCulture));
        b.UseSetting("Alerts:Smtp:Host", "127.0.0.1");
        b.UseSetting("Alerts:Smtp:Port", _smtp.Configuration.Port.ToString(System.Globalization.CultureInfo.InvariantCulture));
        b.UseSetting("Alerts:Smtp:From", "portal@adviser.example");
        b.UseSetting("Alerts:Channels:email:Kind", "Email");
        b.UseSetting("Alerts:Channels:email:To:0", "cco@adviser.example");
        b.UseSetting("Alerts:Channels:slack:Kind", "Webhook");
        b.UseSetting("Alerts:Channels:slack:Url", webhookUrl);
    });

    private static async Task PostAsync(PortalFactory portal, params string[] events)
    {
        var key = await portal.CreateKeyAsync("trading", ["TRADE", "RISK", "SYSTEM"]);
        (await portal.CreateClient().PostNdJsonAsync(events, key)).EnsureSuccessStatusCode();
    }

    private const string Slippage = """{"log_type":"TRADE","event":"trade_executed","trade_id":"TRD-SLIP-1","asset":"QQQ","slippage_pct":0.05}""";
    private const string Failed = """{"log_type":"TRADE","event":"trade_failed","trade_id":"TRD-FAIL-1","error":"timeout"}""";

    /// <summary>The deliveries once none is pending any more, as "rule/channel/status/attempts".</summary>
    private static async Task<List<string>> SettledDeliveriesAsync(PortalFactory portal, int expected)
    {
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while (true)
        {
            var service = portal.Services.GetRequiredService<AlertService>();
            var alerts = await service.ListAsync(new AlertFilter(OpenOnly: false));
            var deliveries = alerts.SelectMany(a => a.Deliveries.Select(d => (a.Rule, d))).ToList();
            if (deliveries.Count == expected && deliveries.All(x => x.d.Status != DeliveryStatus.Pending))
                return [.. deliveries.Select(x => $"{x.Rule}/{x.d.Channel}/{x.d.Status}/{x.d.Attempts}").Order()];
            if (DateTime.UtcNow > deadline)
                throw new TimeoutException("deliveries not settled: " + string.Join(", ", deliveries.Select(x => $"{x.Rule}/{x.d.Channel}/{x.d.Status}/{x.d.LastError}")));
            await Task.Delay(100);
        }
    }

    private async Task<List<JsonElement>> LedgerAsync(string @event)
    {
        await using var connection = new NpgsqlConnection(_db.Connections.Owner);
        await connection.OpenAsync();
        await using var cmd = new NpgsqlCommand("SELECT event_data::text FROM audit_log WHERE event = $1 ORDER BY seq", connection);
        cmd.Parameters.Add(new() { Value = @event });
        var found = new List<JsonElement>();
        await using var reader = await cmd.ExecuteReaderAsync();
        while (await reader.ReadAsync()) found.Add(JsonDocument.Parse(reader.GetString(0)).RootElement.Clone());
        return found;
    }

    [Fact]
    public async Task RaisedAlerts_AreMailedAndPostedOnTheirRulesChannels_AndEachOutcomeIsRecorded()
    {
        await using var hook = await WebhookReceiver.StartAsync(failFirst: 0);
        await using var portal = Portal(hook.Url);
        await PostAsync(portal, Slippage, Failed);

        Assert.Equal(
            ["execution_failure/pagerduty/NotConfigured/0", "execution_failure/sms/NotConfigured/0",
             "high_slippage/email/Sent/1", "high_slippage/slack/Sent/1"],
            await SettledDeliveriesAsync(portal, 4));

        var mail = Assert.Single(_smtp.ReceivedEmail);
        Assert.Equal("cco@adviser.example", Assert.Single(mail.ToAddresses).Address);
        Assert.StartsWith("[HIGH] high_slippage: TRADE trade_executed: trade_id=TRD-SLIP-1", mail.Headers["Subject"]);
        Assert.Contains("Respond by:", mail.MessageParts[0].BodyData);
        var posted = Assert.Single(hook.Bodies);
        Assert.Equal("high_slippage", posted.GetProperty("alert").GetProperty("rule").GetString());
        Assert.StartsWith("[HIGH] high_slippage", posted.GetProperty("text").GetString());
        Assert.Equal(["email", "slack"], (await LedgerAsync(AlertNotifier.SentEvent)).Select(e => e.GetProperty("channel").GetString()).Order());
    }

    [Fact]
    public async Task FailingWebhook_IsTriedAgain_UntilSent()
    {
        await using var hook = await WebhookReceiver.StartAsync(failFirst: 2);
        await using var portal = Portal(hook.Url);
        await PostAsync(portal, Slippage);

        Assert.Equal(["high_slippage/email/Sent/1", "high_slippage/slack/Sent/3"], await SettledDeliveriesAsync(portal, 2));
        Assert.Single(hook.Bodies);
        Assert.Empty(await LedgerAsync(AlertNotifier.FailedEvent));
    }

    [Fact]
    public async Task WebhookThatNeverAccepts_IsGivenUpAfterItsAttempts_WithTheReason()
    {
        await using var hook = await WebhookReceiver.StartAsync(failFirst: int.MaxValue);
        await using var portal = Portal(hook.Url, attempts: 3);
        await PostAsync(portal, Slippage);

        Assert.Equal(["high_slippage/email/Sent/1", "high_slippage/slack/Failed/3"], await SettledDeliveriesAsync(portal, 2));
        var failed = Assert.Single(await LedgerAsync(AlertNotifier.FailedEvent));
        Assert.Contains("500", failed.GetProperty("error").GetString());
        Assert.Equal(3, hook.Calls);
    }

    [Fact]
    public async Task MailChannelWithoutAMailServer_StopsThePortalFromStarting()
    {
        await using var portal = new PortalFactory(_db, b =>
        {
            b.UseSetting("Alerts:Channels:email:Kind", "Email");
            b.UseSetting("Alerts:Channels:email:To:0", "cco@adviser.example");
        });
        var ex = Assert.ThrowsAny<Exception>(() => portal.CreateClient());
        Assert.Contains("Alerts:Channels:email sends mail but Alerts:Smtp:Host is not set", ex.ToString());
    }

    [Fact]
    public async Task MailCredentialsWithoutTls_StopThePortalFromStarting()
    {
        await using var portal = new PortalFactory(_db, b =>
        {
            b.UseSetting("Alerts:Channels:email:Kind", "Email");
            b.UseSetting("Alerts:Channels:email:To:0", "cco@adviser.example");
            b.UseSetting("Alerts:Smtp:Host", "mail.adviser.example");
            b.UseSetting("Alerts:Smtp:UserName", "portal");
            b.UseSetting("Alerts:Smtp:Password", "secret");
        });
        var ex = Assert.ThrowsAny<Exception>(() => portal.CreateClient());
        Assert.Contains("Alerts:Smtp:UserName is set but Alerts:Smtp:StartTls is false", ex.ToString());
    }

    [Fact]
    public async Task WebhookChannelWithoutAnHttpAddress_StopsThePortalFromStarting()
    {
        await using var portal = new PortalFactory(_db, b =>
        {
            b.UseSetting("Alerts:Channels:slack:Kind", "Webhook");
            b.UseSetting("Alerts:Channels:slack:Url", "ftp://hooks.example/x");
        });
        var ex = Assert.ThrowsAny<Exception>(() => portal.CreateClient());
        Assert.Contains("Alerts:Channels:slack:Url needs an http or https address", ex.ToString());
    }

    /// <summary>An HTTP endpoint on loopback that answers 500 to its first calls, then 200, keeping what it accepted.</summary>
    private sealed class WebhookReceiver : IAsyncDisposable
    {
        private WebApplication _app = null!;
        private int _calls;

        public ConcurrentQueue<JsonElement> Bodies { get; } = new();
        public string Url { get; private set; } = "";
        public int Calls => Volatile.Read(ref _calls);

        public static async Task<WebhookReceiver> StartAsync(int failFirst)
        {
            var receiver = new WebhookReceiver();
            var builder = WebApplication.CreateSlimBuilder();
            builder.WebHost.UseUrls("http://127.0.0.1:0");
            var app = builder.Build();
            app.MapPost("/hook", async (HttpRequest request) =>
            {
                var body = await JsonDocument.ParseAsync(request.Body);
                if (Interlocked.Increment(ref receiver._calls) <= failFirst) return Results.StatusCode(500);
                receiver.Bodies.Enqueue(body.RootElement.Clone());
                return Results.Ok();
            });
            await app.StartAsync();
            receiver._app = app;
            receiver.Url = app.Urls.First() + "/hook";
            return receiver;
        }

        public async ValueTask DisposeAsync() => await _app.DisposeAsync();
    }
}
