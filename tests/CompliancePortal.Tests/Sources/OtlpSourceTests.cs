using System.IO.Compression;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;
using CompliancePortal.Core.ApiKeys;
using CompliancePortal.Core.Audit;
using CompliancePortal.Core.Ledger;
using CompliancePortal.Core.Search;
using CompliancePortal.Tests.Infrastructure;
using Google.Protobuf;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Npgsql;
using OpenTelemetry.Exporter;
using OpenTelemetry.Logs;
using OpenTelemetry.Proto.Collector.Logs.V1;
using OpenTelemetry.Resources;

namespace CompliancePortal.Tests.Sources;

/// <summary>
/// A .NET service logging through Microsoft.Extensions.Logging with the OpenTelemetry SDK's OTLP
/// exporter, pointed at the portal; and OTLP's JSON encoding as a collector sends it.
/// </summary>
[Collection(PostgresCollection.Name)]
public sealed class OtlpSourceTests(PostgresFixture postgres) : PortalTest(postgres)
{
    private async Task<string> OtelKeyAsync(string? defaultLogType = LogTypes.System)
    {
        var store = Portal.Services.GetRequiredService<ApiKeyStore>();
        var (_, plain) = await store.CreateAsync(new Actor("admin"), "otel-app", [LogTypes.Trade, LogTypes.System], canVerify: false,
            defaultLogType, CancellationToken.None);
        return plain;
    }

    private async Task<long> StoredCountAsync() => (long)(await Db.ScalarAsync("SELECT count(*) FROM audit_log WHERE source = 'key:otel-app'"))!;

    private async Task<HttpResponseMessage> PostAsync(byte[] body, string contentType, string key, bool gzip = false)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/v1/otlp/v1/logs");
        if (gzip)
        {
            var packed = new MemoryStream();
            using (var zip = new GZipStream(packed, CompressionLevel.Fastest)) zip.Write(body);
            body = packed.ToArray();
        }
        request.Content = new ByteArrayContent(body);
        request.Content.Headers.ContentType = new MediaTypeHeaderValue(contentType);
        if (gzip) request.Content.Headers.ContentEncoding.Add("gzip");
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", key);
        return await Client.SendAsync(request);
    }

    [Fact]
    public async Task TheOpenTelemetrySdksOtlpExporter_PointedAtThePortal_StoresTheLogs()
    {
        var key = await OtelKeyAsync();
        using (var factory = LoggerFactory.Create(logging => logging.AddOpenTelemetry(otel =>
               {
                   otel.SetResourceBuilder(ResourceBuilder.CreateEmpty().AddService("trading-engine")
                       .AddAttributes([new("log_type", LogTypes.Trade), new("deployment.environment", "razorbill")]));
                   otel.AddOtlpExporter(exporter =>
                   {
                       exporter.Endpoint = new Uri(Portal.Server.BaseAddress, "/v1/logs");
                       exporter.Protocol = OtlpExportProtocol.HttpProtobuf;
                       exporter.Headers = $"Authorization=Bearer {key}";
                       exporter.HttpClientFactory = () => new HttpClient(new SynchronousSends(Portal.Server.CreateHandler()));
                   });
               })))
        {
            var log = factory.CreateLogger("trading");
            log.LogInformation("Trade {TradeId} executed for {Asset}", "T-1", "SPY");
            log.LogWarning("Slippage {SlippagePct} on {TradeId}", 0.85, "T-1");
            log.LogError(new InvalidOperationException("broker rejected the order"), "Order {OrderId} failed", "O-9");
        }

        Assert.Equal("""
            TRADE | Trade {TradeId} executed for {Asset} | INFO | T-1 SPY
            TRADE | Slippage {SlippagePct} on {TradeId} | WARNING | T-1 0.85
            TRADE | Order {OrderId} failed | ERROR | O-9 broker rejected the order
            """.ReplaceLineEndings("\n"), await Db.ScalarAsync("""
                SELECT string_agg(concat_ws(' | ', log_type, event, event_data->>'level',
                    concat_ws(' ', event_data->>'TradeId', event_data->>'Asset', event_data->>'SlippagePct', event_data->>'OrderId', event_data->>'exception.message')), E'\n' ORDER BY seq)
                FROM audit_log WHERE source = 'key:otel-app'
                """));
        Assert.Equal("trading-engine razorbill trading", await Db.ScalarAsync("""
            SELECT concat_ws(' ', event_data->'resource'->>'service.name', event_data->'resource'->>'deployment.environment', event_data->'scope'->>'name')
            FROM audit_log WHERE event = 'Order {OrderId} failed'
            """));
        // The SDK's time is the event's time.
        var time = (DateTime)(await Db.ScalarAsync("SELECT min(\"timestamp\") FROM audit_log WHERE source = 'key:otel-app'"))!;
        Assert.InRange(DateTime.UtcNow - time, TimeSpan.Zero, TimeSpan.FromMinutes(1));

        var search = Portal.Services.GetRequiredService<AuditSearch>();
        var found = await search.SearchAsync(RecordReader.ComplianceOfficer(new Actor("cco-otlp")), new AuditQuery { Text = "razorbill broker", LogType = LogTypes.Trade });
        Assert.Equal(["Order {OrderId} failed"], found.Rows.Select(r => r.Event));
        Assert.True((await LedgerVerifier.VerifyAsync(Portal.Services.GetRequiredService<NpgsqlDataSource>())).Intact);
    }

    /// <summary>
    /// The exporter sends synchronously from its export thread; the in-memory test server takes only
    /// asynchronous sends, so this bridges the one to the other (a real server takes both).
    /// </summary>
    private sealed class SynchronousSends(HttpMessageHandler inner) : DelegatingHandler(inner)
    {
        protected override HttpResponseMessage Send(HttpRequestMessage request, CancellationToken ct) =>
            SendAsync(request, ct).GetAwaiter().GetResult();
    }

    // OTLP's JSON as the specification's example has it: hex ids, enum numbers, int64 as a string.
    private const string JsonRequest = """
        {"resourceLogs":[{"resource":{"attributes":[{"key":"service.name","value":{"stringValue":"nav-engine"}}]},
          "scopeLogs":[{"scope":{"name":"nav","version":"2.1"},"logRecords":[
            {"timeUnixNano":"1733220000123456789","severityNumber":10,"severityText":"Information","traceId":"5b8efff798038103d269b633813fc60c",
             "spanId":"eee19b7ec3c1b174","eventName":"nav_calculated","body":{"kvlistValue":{"values":[{"key":"fund","value":{"stringValue":"F-1"}}]}},
             "attributes":[{"key":"nav","value":{"doubleValue":101.25}},{"key":"shares","value":{"intValue":"42"}},{"key":"event_id","value":{"stringValue":"nav-1"}},
                           {"key":"log_type","value":{"stringValue":"TRADE"}}]},
            {"timeUnixNano":"1733220001000000000","severityText":"warn","body":{"stringValue":"NAV tolerance exceeded"}}
          ]}]}]}
        """;

    [Fact]
    public async Task OtlpJson_GzippedAsACollectorSendsIt_IsStoredWithItsFields_AndAnsweredWithReceipts()
    {
        var key = await OtelKeyAsync();

        var response = await PostAsync(Encoding.UTF8.GetBytes(JsonRequest), "application/json", key, gzip: true);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(2, (await response.JsonAsync()).GetProperty("accepted").GetInt32());
        var first = (string)(await Db.ScalarAsync("SELECT event_data::text FROM audit_log WHERE event = 'nav_calculated'"))!;
        Assert.True(JsonNode.DeepEquals(JsonNode.Parse("""
            {"nav": 101.25, "body": {"fund": "F-1"}, "level": "INFO", "scope": {"name": "nav", "version": "2.1"}, "shares": 42,
             "span_id": "eee19b7ec3c1b174", "resource": {"service.name": "nav-engine"}, "trace_id": "5b8efff798038103d269b633813fc60c",
             "severity_text": "Information"}
            """), JsonNode.Parse(first)), first);
        Assert.Equal("TRADE nav-1 2024-12-03 10:00:00.123456", await Db.ScalarAsync(
            "SELECT concat_ws(' ', log_type, event_id, to_char(\"timestamp\" AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS.US')) FROM audit_log WHERE event = 'nav_calculated'"));
        // No log_type: the key's default. No event name: the string body, also kept as the message.
        Assert.Equal("SYSTEM WARNING NAV tolerance exceeded", await Db.ScalarAsync(
            "SELECT concat_ws(' ', log_type, event_data->>'level', event_data->>'message') FROM audit_log WHERE event = 'NAV tolerance exceeded'"));
    }

    [Fact]
    public async Task OtlpProtobuf_IsAnsweredWithAnExportLogsServiceResponse()
    {
        var key = await OtelKeyAsync();
        var request = Json<ExportLogsServiceRequest>(JsonRequest);

        var response = await PostAsync(request.ToByteArray(), "application/x-protobuf", key);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("application/x-protobuf", response.Content.Headers.ContentType?.MediaType);
        var answer = ExportLogsServiceResponse.Parser.ParseFrom(await response.Content.ReadAsByteArrayAsync());
        Assert.Null(answer.PartialSuccess);
        Assert.Equal(2L, await StoredCountAsync());
    }

    private static T Json<T>(string otlpJson) where T : IMessage<T>, new()
    {
        // The test builds its protobuf from the same request: protobuf's JSON has base64 ids, OTLP's hex.
        var node = JsonNode.Parse(otlpJson)!;
        var record = node["resourceLogs"]![0]!["scopeLogs"]![0]!["logRecords"]![0]!;
        record["traceId"] = Convert.ToBase64String(Convert.FromHexString((string)record["traceId"]!));
        record["spanId"] = Convert.ToBase64String(Convert.FromHexString((string)record["spanId"]!));
        return JsonParser.Default.Parse<T>(node.ToJsonString());
    }

    [Theory]
    [InlineData("text/plain", "{}", 415, "application/x-protobuf or application/json")]
    [InlineData("application/x-protobuf", "\xff\xff\xff", 400, "the body is not OTLP protobuf")]
    [InlineData("application/json", """{"resourceLogs":[{""", 400, "the body is not OTLP JSON")]
    [InlineData("application/json", """{"resourceLogs":[]}""", 400, "the body holds no events")]
    [InlineData("application/json", """{"resourceLogs":[{"scopeLogs":[{"logRecords":[{"body":{"stringValue":"ok"}},{"severityText":"loud","body":{"stringValue":"x"}}]}]}]}""", 400, "unknown severity_text 'loud'")]
    [InlineData("application/json", """{"resourceLogs":[{"scopeLogs":[{"logRecords":[{"body":{"stringValue":"ok"}},{"severityNumber":99,"body":{"stringValue":"x"}}]}]}]}""", 400, "severity_number 99")]
    [InlineData("application/json", """{"resourceLogs":[{"scopeLogs":[{"logRecords":[{"body":{"stringValue":"ok"}},{"attributes":[{"key":"n","value":{"intValue":"1"}}]}]}]}]}""", 400, "the record has no name")]
    [InlineData("application/json", """{"resourceLogs":[{"scopeLogs":[{"logRecords":[{"body":{"stringValue":"ok"}},{"body":{"stringValue":"x"},"attributes":[{"key":"message","value":{"stringValue":"mine"}}]}]}]}]}""", 400, "'message' is where the portal keeps")]
    [InlineData("application/json", """{"resourceLogs":[{"scopeLogs":[{"logRecords":[{"body":{"stringValue":"ok"}},{"body":{"stringValue":"x"},"attributes":[{"key":"log_type","value":{"stringValue":"RISK"}}]}]}]}]}""", 403, "may not write log type(s) RISK")]
    public async Task ABadRequest_IsRefusedClearly_AndNothingIsStored(string contentType, string body, int status, string message)
    {
        var key = await OtelKeyAsync();

        var response = await PostAsync(contentType == "application/x-protobuf" ? body.Select(c => (byte)c).ToArray() : Encoding.UTF8.GetBytes(body), contentType, key);

        Assert.Equal(status, (int)response.StatusCode);
        Assert.Contains(message, await response.Content.ReadAsStringAsync());
        if (body.Contains("\"ok\"") && status == 400)
            Assert.Equal(1, (await response.JsonAsync()).GetProperty("errors")[0].GetProperty("index").GetInt32());
        Assert.Equal(0L, await StoredCountAsync());
    }

    [Fact]
    public async Task ARecordWithoutALogType_IsRefused_WhenTheKeyHasNoDefault()
    {
        var key = await OtelKeyAsync(defaultLogType: null);

        var response = await PostAsync(Encoding.UTF8.GetBytes("""{"resourceLogs":[{"scopeLogs":[{"logRecords":[{"body":{"stringValue":"untyped"}}]}]}]}"""), "application/json", key);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("log_type is required", (await response.JsonAsync()).GetProperty("errors")[0].GetProperty("error").GetString());
        Assert.Equal(0L, await StoredCountAsync());
    }

    [Fact]
    public async Task AWrongKey_IsRefused()
    {
        await OtelKeyAsync();

        var response = await PostAsync(Encoding.UTF8.GetBytes(JsonRequest), "application/json", "cpk_not-a-key");

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal(0L, await StoredCountAsync());
    }
}
