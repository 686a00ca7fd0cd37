using System.Net;
using System.Text.Json.Nodes;
using CompliancePortal.Core.ApiKeys;
using CompliancePortal.Core.Audit;
using CompliancePortal.Core.Ledger;
using CompliancePortal.Core.Search;
using CompliancePortal.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using Serilog;
using Serilog.Core;
using Serilog.Events;
using Serilog.Formatting;
using Serilog.Formatting.Compact;

namespace CompliancePortal.Tests.Sources;

/// <summary>
/// A .NET system logging with Serilog ships to the portal as it would to Seq: through Seq's own
/// sink pointed at the portal, or as CLEF lines (Serilog.Formatting.Compact) posted to /api/v1/events/clef.
/// </summary>
[Collection(PostgresCollection.Name)]
public sealed class ClefSourceTests(PostgresFixture postgres) : PortalTest(postgres)
{
    private const string Clef = "application/vnd.serilog.clef";

    /// <summary>A key for a Serilog application: TRADE and SYSTEM, and SYSTEM for events that name no log type.</summary>
    private async Task<string> SerilogKeyAsync(string? defaultLogType = LogTypes.System)
    {
        var store = Portal.Services.GetRequiredService<ApiKeyStore>();
        var (_, plain) = await store.CreateAsync(new Actor("admin"), "serilog-app", [LogTypes.Trade, LogTypes.System], canVerify: false,
            defaultLogType, CancellationToken.None);
        return plain;
    }

    /// <summary>Serilog's formatter writing each event to a text writer, as a file sink would.</summary>
    private sealed class FormatTo(ITextFormatter formatter, TextWriter output) : ILogEventSink
    {
        public void Emit(LogEvent logEvent) => formatter.Format(logEvent, output);
    }

    private static void LogTrading(ILogger log, string tag)
    {
        log.ForContext("log_type", "TRADE").ForContext("event", "trade_executed")
            .Information("Trade {TradeId} executed for {Asset} at {Price:0.00} ({Tag})", "T-1", "SPY", 431.5, tag);
        log.Warning("Slow call to {Endpoint} took {LatencyMs} ms ({Tag})", "/v2/orders", 2500, tag);
        log.Error(new InvalidOperationException("broker rejected the order"), "Order {OrderId} failed ({Tag})", "O-9", tag);
    }

    private async Task<string> StoredAsync(string tag) => (string)(await Db.ScalarAsync($$"""
        SELECT string_agg(concat_ws(' | ', log_type, event, event_data->>'level', event_data->>'message'), E'\n' ORDER BY seq)
        FROM audit_log WHERE event_data->>'Tag' = '{{tag}}'
        """))!;

    [Fact]
    public async Task SerilogsSeqSink_PointedAtThePortal_StoresTheEvents_WithTheRenderedMessageBesideTheTemplate()
    {
        var key = await SerilogKeyAsync();
        string? sinkError = null;
        Serilog.Debugging.SelfLog.Enable(m => sinkError ??= m);
        var before = DateTimeOffset.UtcNow;

        using (var log = new LoggerConfiguration()
                   .WriteTo.Seq(Portal.Server.BaseAddress.ToString(), apiKey: key, messageHandler: Portal.Server.CreateHandler())
                   .CreateLogger())
            LogTrading(log, "guillemot");
        Serilog.Debugging.SelfLog.Disable();

        Assert.Null(sinkError);
        Assert.Equal("""
            TRADE | trade_executed | INFO | Trade "T-1" executed for "SPY" at 431.50 ("guillemot")
            SYSTEM | Slow call to {Endpoint} took {LatencyMs} ms ({Tag}) | WARNING | Slow call to "/v2/orders" took 2500 ms ("guillemot")
            SYSTEM | Order {OrderId} failed ({Tag}) | ERROR | Order "O-9" failed ("guillemot")
            """.ReplaceLineEndings("\n"), await StoredAsync("guillemot"));
        Assert.Equal("Trade {TradeId} executed for {Asset} at {Price:0.00} ({Tag})",
            await Db.ScalarAsync("SELECT event_data->>'message_template' FROM audit_log WHERE event = 'trade_executed'"));
        Assert.Equal("T-1 SPY 431.5", await Db.ScalarAsync(
            "SELECT concat_ws(' ', event_data->>'TradeId', event_data->>'Asset', event_data->>'Price') FROM audit_log WHERE event = 'trade_executed'"));
        Assert.Contains("System.InvalidOperationException: broker rejected the order",
            (string)(await Db.ScalarAsync("SELECT event_data->>'exception' FROM audit_log WHERE event_data->>'OrderId' = 'O-9'"))!);
        // Serilog's own timestamp is the event's time; the key is the entry's source.
        var time = (DateTime)(await Db.ScalarAsync("SELECT min(\"timestamp\") FROM audit_log WHERE source = 'key:serilog-app'"))!;
        Assert.InRange(new DateTimeOffset(time, TimeSpan.Zero), before.AddSeconds(-1), DateTimeOffset.UtcNow);
        Assert.Equal(3L, await Db.ScalarAsync("SELECT count(*) FROM audit_log WHERE source = 'key:serilog-app'"));

        var search = Portal.Services.GetRequiredService<AuditSearch>();
        var found = await search.SearchAsync(RecordReader.ComplianceOfficer(new Actor("cco-clef")), new AuditQuery { Text = "guillemot broker", LogType = LogTypes.System });
        Assert.Equal(["Order {OrderId} failed ({Tag})"], found.Rows.Select(r => r.Event));
        Assert.True((await LedgerVerifier.VerifyAsync(Portal.Services.GetRequiredService<NpgsqlDataSource>())).Intact);
    }

    [Fact]
    public async Task RenderedCompactJson_PostedToTheClefEndpoint_KeepsTheSendersMessage()
    {
        var key = await SerilogKeyAsync();
        var body = new StringWriter();
        using (var log = new LoggerConfiguration().MinimumLevel.Verbose().WriteTo.Sink(new FormatTo(new RenderedCompactJsonFormatter(), body)).CreateLogger())
        {
            LogTrading(log, "puffin");
            log.Verbose("Heartbeat {Tag}", "puffin");
        }
        Assert.Contains("\"@m\":", body.ToString());
        Assert.DoesNotContain("\"@mt\":", body.ToString());

        var response = await IngestClient.SendAsync(Client, body.ToString(), Clef, key, "/api/v1/events/clef");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(4, (await response.JsonAsync()).GetProperty("accepted").GetInt32());
        // Without a template the message is the event's name; @i (Serilog's event type) is kept.
        Assert.Equal("""
            TRADE | trade_executed | INFO | Trade "T-1" executed for "SPY" at 431.50 ("puffin")
            SYSTEM | Slow call to "/v2/orders" took 2500 ms ("puffin") | WARNING | Slow call to "/v2/orders" took 2500 ms ("puffin")
            SYSTEM | Order "O-9" failed ("puffin") | ERROR | Order "O-9" failed ("puffin")
            SYSTEM | Heartbeat "puffin" | DEBUG | Heartbeat "puffin"
            """.ReplaceLineEndings("\n"), await StoredAsync("puffin"));
        Assert.Equal(4L, await Db.ScalarAsync("SELECT count(*) FROM audit_log WHERE event_data->>'event_type' ~ '^[0-9a-f]{8}$'"));
    }

    [Theory]
    [InlineData("""{"@t":"2026-12-03T10:00:00Z","@mt":"Hello {Name}","Name":"x","@@level":"kept","event_id":"clef-1","user_id":"u-7"}""",
        """{"Name": "x", "@level": "kept", "level": "INFO", "message": "Hello \"x\"", "message_template": "Hello {Name}"}""")]
    [InlineData("""{"@t":"2026-12-03T10:00:00.1234567+01:00","@m":"done","@l":"Fatal","@x":"boom","@tr":"0af7651916cd43dd8448eb211c80319c","@sp":"b7ad6b7169203331"}""",
        """{"level": "CRITICAL", "message": "done", "span_id": "b7ad6b7169203331", "trace_id": "0af7651916cd43dd8448eb211c80319c", "exception": "boom"}""")]
    public async Task ACLEFRecord_IsStoredWithItsFieldsNamedForThePortal(string line, string data)
    {
        var key = await SerilogKeyAsync();

        var response = await IngestClient.SendAsync(Client, line + "\n", Clef, key, "/api/v1/events/clef");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var stored = (string)(await Db.ScalarAsync("SELECT event_data::text FROM audit_log WHERE source = 'key:serilog-app'"))!;
        Assert.True(JsonNode.DeepEquals(JsonNode.Parse(data), JsonNode.Parse(stored)), stored);
        Assert.Equal(line.Contains("event_id") ? "clef-1 u-7" : "", await Db.ScalarAsync("SELECT concat_ws(' ', event_id, user_id) FROM audit_log WHERE source = 'key:serilog-app'"));
    }

    [Theory]
    [InlineData("application/json", """{"@t":"2026-12-03T10:00:00Z","@mt":"ok"}""", 415, "application/vnd.serilog.clef")]
    [InlineData(Clef, """{"@mt":"no time"}""", 400, "@t (the event's time) is required")]
    [InlineData(Clef, """{"@t":"2026-12-03T10:00:00","@mt":"no zone"}""", 400, "is not ISO-8601 with a zone")]
    [InlineData(Clef, """{"@t":"2026-12-03T10:00:00Z","@mt":"loud","@l":"Loud"}""", 400, "unknown level 'Loud' in @l")]
    [InlineData(Clef, """{"@t":"2026-12-03T10:00:00Z","@mt":"typed","log_type":"ALIEN"}""", 400, "unknown log_type 'ALIEN'")]
    [InlineData(Clef, """{"@t":"2026-12-03T10:00:00Z","@mt":"not granted","log_type":"RISK"}""", 403, "may not write log type(s) RISK")]
    [InlineData(Clef, """{"@t":"2026-12-03T10:00:00Z","@mt":"taken","message":"mine"}""", 400, "'message' is where the portal keeps a CLEF field")]
    [InlineData(Clef, """{"@t":"2026-12-03T10:00:00Z","Name":"nameless"}""", 400, "the event has no name")]
    [InlineData(Clef, """{"@t":"2026-12-03T10:00:00Z","@mt":"cut""", 400, "malformed JSON")]
    [InlineData(Clef, "[1,2]", 400, "an event must be a JSON object")]
    public async Task ABadRecord_IsRefusedWithItsLine_AndNothingIsStored(string contentType, string bad, int status, string message)
    {
        var key = await SerilogKeyAsync();
        var good = """{"@t":"2026-12-03T10:00:00Z","@mt":"Fine {N}","N":1}""";

        // The blank line counts: the error names the bad record's line as sent.
        var response = await IngestClient.SendAsync(Client, $"{good}\r\n\n{bad}\n{good}\n", contentType, key, "/api/v1/events/clef");

        Assert.Equal(status, (int)response.StatusCode);
        var text = await response.Content.ReadAsStringAsync();
        Assert.Contains(message, text);
        if (status == 400) Assert.Equal(3, (await response.JsonAsync()).GetProperty("errors")[0].GetProperty("line").GetInt32());
        Assert.Equal(0L, await Db.ScalarAsync("SELECT count(*) FROM audit_log WHERE source = 'key:serilog-app'"));
    }

    [Fact]
    public async Task ARecordWithoutALogType_IsRefused_WhenTheKeyHasNoDefault_SayingHowToSendOne()
    {
        var key = await SerilogKeyAsync(defaultLogType: null);

        var response = await IngestClient.SendAsync(Client, """{"@t":"2026-12-03T10:00:00Z","@mt":"untyped"}""", Clef, key, "/api/v1/events/clef");

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains(".Enrich.WithProperty(\"log_type\", \"TRADE\")", (await response.JsonAsync()).GetProperty("errors")[0].GetProperty("error").GetString());
        Assert.Equal(0L, await Db.ScalarAsync("SELECT count(*) FROM audit_log WHERE source = 'key:serilog-app'"));
    }

    [Theory]
    [InlineData(null, 401)]
    [InlineData("X-Api-Key", 200)]
    [InlineData("X-Seq-ApiKey", 200)]
    public async Task TheKey_IsTakenFromEitherHeader_AndRequired(string? header, int status)
    {
        var key = await SerilogKeyAsync();
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/events/raw")
        {
            Content = new StringContent("""{"@t":"2026-12-03T10:00:00Z","@mt":"keyed"}""" + "\n"),
        };
        request.Content.Headers.ContentType = new(Clef);
        if (header is not null) request.Headers.Add(header, key);

        var response = await Client.SendAsync(request);

        Assert.Equal(status, (int)response.StatusCode);
        Assert.Equal(status == 200 ? 1L : 0L, await Db.ScalarAsync("SELECT count(*) FROM audit_log WHERE source = 'key:serilog-app'"));
    }
}
