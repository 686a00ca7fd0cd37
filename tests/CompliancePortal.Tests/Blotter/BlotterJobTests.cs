using System.Security.Cryptography;
using CompliancePortal.Blotter;
using CompliancePortal.Core.Blotter;
using CompliancePortal.Core.Calendar;
using CompliancePortal.Core.Ledger;
using CompliancePortal.Tests.Infrastructure;
using CsvHelper;
using Microsoft.Extensions.DependencyInjection;

namespace CompliancePortal.Tests.Blotter;

/// <summary>The trade-blotter job against a real ledger and archive folder; the test re-derives the CSV from what it sent.</summary>
[Collection(PostgresCollection.Name)]
public sealed class BlotterJobTests(PostgresFixture postgres) : PortalTest(postgres)
{
    /// <summary>The most recent business day before today (UTC, the shipped calendar): a finished business day.</summary>
    public static DateOnly LastBusinessDay()
    {
        var day = DateOnly.FromDateTime(DateTime.UtcNow).AddDays(-1);
        while (!ShippedCalendar.Instance.IsBusinessDay(day)) day = day.AddDays(-1);
        return day;
    }

    public static string At(DateOnly day, string time) => $"{day:yyyy-MM-dd}T{time}Z";

    public static string Trade(DateOnly day, string time, string tradeId, string fields, string name = "trade_executed") =>
        $$"""{"timestamp":"{{At(day, time)}}","log_type":"TRADE","event":"{{name}}","trade_id":"{{tradeId}}"{{fields}}}""";

    /// <summary>An entry the ledger received on an earlier day (as if the portal had been running then).</summary>
    private async Task AppendReceivedOnAsync(DateOnly receivedOn)
    {
        var at = new DateTimeOffset(receivedOn.ToDateTime(new TimeOnly(8, 0)), TimeSpan.Zero);
        await using var db = Db.AppDataSource();
        await using var connection = await db.OpenConnectionAsync();
        await using var tx = await connection.BeginTransactionAsync();
        await LedgerAppender.AppendAsync(connection,
            [new AppendRequest("key:test", [new LedgerEvent("SYSTEM", "startup", at, null, null, null, null, "{}"u8.ToArray(), at)])], default);
        await tx.CommitAsync();
    }

    [Fact]
    public async Task DaysNeedingBlotter_SkipAMarketHolidayWithoutTrades_ButNotOneWithTrades()
    {
        await AppendReceivedOnAsync(new DateOnly(2026, 11, 23));
        var blotters = Portal.Services.GetRequiredService<BlotterArchive>();
        var thanksgiving = new DateOnly(2026, 11, 26);

        var quiet = await blotters.DaysNeedingBlotterAsync();
        (await Client.PostJsonAsync(Trade(thanksgiving, "12:00:00", "T-holiday", ""","asset":"SPY" """), Key)).EnsureSuccessStatusCode();
        var traded = await blotters.DaysNeedingBlotterAsync();

        Assert.Contains(new DateOnly(2026, 11, 25), quiet);
        Assert.Contains(new DateOnly(2026, 11, 24), quiet);
        Assert.DoesNotContain(thanksgiving, quiet);
        Assert.Contains(thanksgiving, traded);
    }

    [Fact]
    public async Task Job_WritesEachFinishedDaysBlotter_ExactlyTheDaysTrades_AndARerunStoresNothingTwice()
    {
        var day = LastBusinessDay();
        var firstDay = day.AddDays(-9);   // the ledger's first entry was received then: the range spans a weekend
        var saturday = MarketCalendar.Days(firstDay, day).First(d => d.DayOfWeek == DayOfWeek.Saturday);
        var backdated = firstDay.AddYears(-3);   // a trade sent long after it happened: its day gets a blotter, the days between do not
        await AppendReceivedOnAsync(firstDay);
        (await Client.PostNdJsonAsync(
        [
            Trade(day, "15:59:59.999999", "T-3", ""","asset":"SPY","action":"BUY","quantity":200,"price":402.10,"commission":1.00,"broker":"ib","executing_user":"pm2" """),
            Trade(day, "09:30:00.123456", "T-1", ""","asset":"QQQ","action":"SELL_PUT","quantity":5,"fill_price":8.52,"commission":3.25,"broker":"alpaca","executing_user":"portfolio_manager" """),
            Trade(day, "10:00:00", "T-2", ""","asset":"IWM, \"mini\"","action":"SELL_CALL","quantity":1,"fill_price":0.0500,"broker":"alpaca" """),
            Trade(day, "11:00:00", "T-F", ""","asset":"QQQ","action":"BUY","quantity":1""", name: "trade_failed"),
            Trade(day.AddDays(1), "00:00:00", "T-next", ""","asset":"QQQ" """),
            Trade(saturday, "12:00:00", "T-sat", ""","asset":"BTC","action":"BUY","quantity":1,"price":1 """),
            Trade(backdated, "12:00:00", "T-old", ""","asset":"SPY" """),
        ], Key)).EnsureSuccessStatusCode();
        var job = Portal.Services.GetRequiredService<TradeBlotterJob>();

        var written = await job.RunAsync(CancellationToken.None);

        var yesterday = DateOnly.FromDateTime(DateTime.UtcNow).AddDays(-1);
        var tradeDays = new[] { day, day.AddDays(1), saturday, backdated }.Where(d => d <= yesterday);
        var expectedDays = MarketCalendar.Days(firstDay, yesterday).Where(ShippedCalendar.Instance.IsBusinessDay).Union(tradeDays).ToList();
        Assert.Equal(expectedDays.Count, written);
        Assert.Equal(expectedDays.Order().Select(d => d.ToString("yyyy-MM-dd")),
            (await ScalarsAsync("SELECT \"Day\"::text FROM trade_blotters ORDER BY 1")));
        Assert.Equal((long)expectedDays.Count, await Db.ScalarAsync("SELECT count(*) FROM audit_log WHERE event = 'trade_blotter_generated'"));

        var lines = ReadCsv(Path.Combine(Portal.ArchiveFolder, BlotterArchive.Key(day)));
        Assert.Equal(TradeBlotter.Columns, lines[0]);
        Assert.Equal(
        [
            [At(day, "09:30:00.123456"), "T-1", "QQQ", "SELL_PUT", "5", "8.52", "3.25", "alpaca", "portfolio_manager"],
            [At(day, "10:00:00.000000"), "T-2", "IWM, \"mini\"", "SELL_CALL", "1", "0.0500", "", "alpaca", ""],
            [At(day, "15:59:59.999999"), "T-3", "SPY", "BUY", "200", "402.10", "1.00", "ib", "pm2"],
        ], lines.Skip(1).ToList());
        Assert.Equal(["T-sat"], ReadCsv(Path.Combine(Portal.ArchiveFolder, BlotterArchive.Key(saturday))).Skip(1).Select(l => l[1]));

        // The row, the file and the ledger entry agree on the hash; the entry names the day, rows and key.
        var bytes = await File.ReadAllBytesAsync(Path.Combine(Portal.ArchiveFolder, BlotterArchive.Key(day)));
        var sha = Convert.ToHexStringLower(SHA256.HashData(bytes));
        Assert.Equal(sha, await Db.ScalarAsync($"SELECT \"Sha256\" FROM trade_blotters WHERE \"Day\" = '{day:yyyy-MM-dd}'"));
        Assert.Equal($"{day:yyyy-MM-dd}|3|{sha}|{BlotterArchive.Key(day)}|COMPLIANCE|job:trade-blotter", await Db.ScalarAsync(
            $"""
            SELECT concat_ws('|', event_data->>'date', event_data->>'rows', event_data->>'sha256', event_data->>'archive_key', log_type, user_id)
            FROM audit_log a JOIN trade_blotters b ON b."LedgerSeq" = a.seq WHERE b."Day" = '{day:yyyy-MM-dd}'
            """));

        // The rerun adds no blotter and no entry. The alert monitor's entry for T-F (execution_failure)
        // is awaited first, and only blotters/ is counted: the checkpoint writer adds its notes on a timer.
        await Alerts.AlertMonitorTests.SettledAsync(Portal);
        var blotterFolder = Path.Combine(Portal.ArchiveFolder, "blotters");
        var files = Directory.GetFiles(blotterFolder, "*", SearchOption.AllDirectories).Length;
        var head = await Db.ScalarAsync("SELECT seq FROM ledger_head");
        Assert.Equal(0, await job.RunAsync(CancellationToken.None));
        Assert.Equal(files, Directory.GetFiles(blotterFolder, "*", SearchOption.AllDirectories).Length);
        Assert.Equal(head, await Db.ScalarAsync("SELECT seq FROM ledger_head"));
        Assert.Equal(bytes, await File.ReadAllBytesAsync(Path.Combine(Portal.ArchiveFolder, BlotterArchive.Key(day))));
    }

    [Fact]
    public async Task Job_WhenAnObjectLeftByAnInterruptedRunDiffers_RecordsNothingForThatDay_ButWritesTheOthers()
    {
        var day = LastBusinessDay();
        var other = day.AddDays(-7);
        (await Client.PostNdJsonAsync(
        [
            Trade(day, "10:00:00", "T-1", ""","asset":"QQQ","quantity":1"""),
            Trade(other, "10:00:00", "T-0", ""","asset":"QQQ","quantity":1"""),
        ], Key)).EnsureSuccessStatusCode();
        var job = Portal.Services.GetRequiredService<TradeBlotterJob>();
        var path = Path.Combine(Portal.ArchiveFolder, BlotterArchive.Key(day));
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        await File.WriteAllTextAsync(path, "timestamp,trade_id\nforged,row\n");

        var refused = await Assert.ThrowsAsync<InvalidOperationException>(() => job.RunAsync(CancellationToken.None));

        Assert.Contains($"{day:yyyy-MM-dd}: ", refused.Message);
        Assert.Contains("different bytes", refused.Message);
        Assert.Equal(other.ToString("yyyy-MM-dd"), await Db.ScalarAsync("SELECT string_agg(\"Day\"::text, ',') FROM trade_blotters"));
        Assert.Equal(1L, await Db.ScalarAsync("SELECT count(*) FROM audit_log WHERE event = 'trade_blotter_generated'"));
        Assert.Equal("timestamp,trade_id\nforged,row\n", await File.ReadAllTextAsync(path));

        // The same bytes as the ledger gives (a crash between upload and commit) are taken over.
        File.Delete(path);
        await using (var csv = File.Create(path))
            await TradeBlotter.WriteCsvAsync(Portal.Services.GetRequiredService<TradeBlotter>().RowsAsync(day, day), csv);
        Assert.Equal(1, await job.RunAsync(CancellationToken.None));
        Assert.Equal(1, (await Portal.Services.GetRequiredService<BlotterArchive>().FindAsync(day))!.Rows);
    }

    [Fact]
    public async Task Generate_TodayOrLater_IsRefused_AndTheTablesRefuseChanges()
    {
        var blotters = Portal.Services.GetRequiredService<BlotterArchive>();
        var today = DateOnly.FromDateTime(DateTime.UtcNow);

        var error = await Assert.ThrowsAsync<ArgumentException>(() => blotters.GenerateAsync(today, TradeBlotterJob.Actor));
        Assert.Contains("not over yet", error.Message);
        Assert.False(Directory.Exists(Portal.ArchiveFolder) && Directory.EnumerateFiles(Portal.ArchiveFolder, "*", SearchOption.AllDirectories).Any());

        await blotters.GenerateAsync(today.AddDays(-1), TradeBlotterJob.Actor);
        await using var app = Db.AppDataSource();
        foreach (var sql in new[] { "UPDATE trade_blotters SET \"Rows\" = 5", "DELETE FROM trade_blotters" })
        {
            await using var cmd = app.CreateCommand(sql);
            await Assert.ThrowsAsync<Npgsql.PostgresException>(() => cmd.ExecuteNonQueryAsync());
        }
        Assert.Equal(1L, await Db.ScalarAsync("SELECT count(*) FROM trade_blotters"));
    }

    private async Task<List<string>> ScalarsAsync(string sql)
    {
        await using var db = Db.AppDataSource();
        await using var cmd = db.CreateCommand(sql);
        await using var reader = await cmd.ExecuteReaderAsync();
        var values = new List<string>();
        while (await reader.ReadAsync()) values.Add(reader.GetString(0));
        return values;
    }

    public static List<string[]> ReadCsv(string path)
    {
        using var csv = CsvReader.Create(File.ReadAllBytes(path), new CsvReaderOptions { HasHeader = false });
        var lines = new List<string[]>();
        while (csv.Read()) lines.Add([.. Enumerable.Range(0, csv.FieldCount).Select(csv.GetString)]);
        return lines;
    }
}
