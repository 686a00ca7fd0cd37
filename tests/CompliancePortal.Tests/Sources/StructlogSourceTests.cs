using System.Net;
using CompliancePortal.Core.Audit;
using CompliancePortal.Core.Ledger;
using CompliancePortal.Core.Search;
using CompliancePortal.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace CompliancePortal.Tests.Sources;

/// <summary>
/// A Python trading system configured exactly as the seed says (structlog's stdlib integration
/// writing JSON lines to its log file), run by python3, its file posted as it is.
/// </summary>
[Collection(PostgresCollection.Name)]
public sealed class StructlogSourceTests(PostgresFixture postgres) : PortalTest(postgres)
{
    // Debian's python3 with python3-structlog, which tests/run.sh installs when missing.
    private const string Python = "/usr/bin/python3";

    private static async Task<string[]> EmitAsync(string tag)
    {
        var folder = Directory.CreateTempSubdirectory("cp-structlog-").FullName;
        var log = Path.Combine(folder, "trading.log");
        var sources = Path.Combine(RepositoryRoot.Path, "tests", "CompliancePortal.Tests", "Sources");
        var (exit, output) = await ExternalProgram.RunAsync(folder, Python, [Path.Combine(sources, "emit_seed_events.py"), log, tag],
            new Dictionary<string, string> { ["PYTHONPATH"] = sources });
        Assert.True(exit == 0, output);
        return await File.ReadAllLinesAsync(log);
    }

    [Fact]
    public async Task TheSeedsStructlogOutput_IsStoredAsItIs_WithTheSeedsLevelNames()
    {
        var lines = await EmitAsync("kittiwake");
        Assert.Equal(5, lines.Length);
        Assert.Contains("\"level\": \"info\"", lines[0]);

        // The stdlib line carries no log_type: the whole request is refused, saying how to send one.
        var refused = await Client.PostNdJsonAsync(lines, Key);
        Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
        var error = (await refused.JsonAsync()).GetProperty("errors")[0];
        Assert.Equal(5, error.GetProperty("line").GetInt32());
        Assert.Contains("log_type is required", error.GetProperty("error").GetString());
        Assert.Contains(".bind(log_type=", error.GetProperty("error").GetString());
        Assert.Equal(0L, (long)(await Db.ScalarAsync("SELECT count(*) FROM audit_log"))!);

        var stored = await Client.PostNdJsonAsync(lines[..4], Key);
        Assert.Equal(HttpStatusCode.OK, stored.StatusCode);

        Assert.Equal("TRADE trade_executed INFO trading|TRADE slippage_high WARNING trading|RISK hedge_failed ERROR risk|RISK circuit_breaker_triggered CRITICAL risk",
            await Db.ScalarAsync("""
                SELECT string_agg(concat_ws(' ', log_type, event, event_data->>'level', event_data->>'logger'), '|' ORDER BY seq)
                FROM audit_log WHERE event_data->>'note' = 'kittiwake'
                """));
        Assert.Contains("ZeroDivisionError: division by zero",
            (string)(await Db.ScalarAsync("SELECT event_data->>'exception' FROM audit_log WHERE event = 'hedge_failed'"))!);
        // structlog's own timestamp is the event's time, to the microsecond.
        var written = System.Text.Json.JsonDocument.Parse(lines[0]).RootElement.GetProperty("timestamp").GetString()!;
        Assert.Equal(DateTime.Parse(written, null, System.Globalization.DateTimeStyles.AdjustToUniversal),
            (DateTime)(await Db.ScalarAsync("SELECT \"timestamp\" FROM audit_log WHERE event = 'trade_executed'"))!);

        var search = Portal.Services.GetRequiredService<AuditSearch>();
        var found = await search.SearchAsync(RecordReader.ComplianceOfficer(new Actor("cco-structlog")), new AuditQuery { Text = "kittiwake", LogType = "RISK" });
        Assert.Equal(["circuit_breaker_triggered", "hedge_failed"], found.Rows.Select(r => r.Event));
        Assert.True((await LedgerVerifier.VerifyAsync(Portal.Services.GetRequiredService<NpgsqlDataSource>())).Intact);
    }

    [Theory]
    [InlineData("info", "INFO")]
    [InlineData("Warning", "WARNING")]
    [InlineData("warn", "WARNING")]
    [InlineData("exception", "ERROR")]
    [InlineData("CRITICAL", "CRITICAL")]
    [InlineData("fatal", "CRITICAL")]
    [InlineData("debug", "DEBUG")]
    public async Task ALevelInAnyCaseOrAlias_IsStoredAsTheSeedsName(string sent, string stored)
    {
        var response = await Client.PostJsonAsync($$"""{"log_type":"SYSTEM","event":"app_start","level":"{{sent}}"}""", Key);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(stored, await Db.ScalarAsync("SELECT event_data->>'level' FROM audit_log"));
    }

    [Theory]
    [InlineData("2024-10-08T10:32:45Z", "2024-10-08 10:32:45.000000")]                // structlog, no fraction
    [InlineData("2024-10-08T10:32:45.123456Z", "2024-10-08 10:32:45.123456")]         // structlog TimeStamper(fmt="iso")
    [InlineData("2024-10-08T06:32:45.123456-04:00", "2024-10-08 10:32:45.123456")]    // datetime.isoformat() with a zone
    [InlineData("2024-10-08 10:32:45.123+00:00", "2024-10-08 10:32:45.123000")]       // isoformat(sep=" ")
    [InlineData("2024-10-08T12:32:45+0200", "2024-10-08 10:32:45.000000")]            // strftime("%Y-%m-%dT%H:%M:%S%z")
    public async Task TheTimestampFormsPythonWrites_AreTheEventsTime(string sent, string utc)
    {
        var response = await Client.PostJsonAsync($$"""{"log_type":"SYSTEM","event":"app_start","timestamp":"{{sent}}"}""", Key);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(utc, await Db.ScalarAsync("SELECT to_char(\"timestamp\" AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS.US') FROM audit_log"));
    }
}
