using System.Security.Cryptography;
using CompliancePortal.Core.Blotter;
using CompliancePortal.Tests.Infrastructure;
using CsvHelper;
using Microsoft.Extensions.DependencyInjection;

namespace CompliancePortal.Tests.Blotter;

/// <summary>The blotter read from a real ledger: only the day's executed trades, in time order, fields as sent.</summary>
[Collection(PostgresCollection.Name)]
public sealed class TradeBlotterTests(PostgresFixture postgres) : PortalTest(postgres)
{
    private static string Event(string timestamp, string tradeId, string extra = "", string name = "trade_executed", string logType = "TRADE") =>
        $$"""{"timestamp":"{{timestamp}}","log_type":"{{logType}}","event":"{{name}}","trade_id":"{{tradeId}}","asset":"SPY","action":"SELL_CALL"{{extra}}}""";

    [Fact]
    public async Task Rows_HoldExactlyTheDaysExecutedTrades_InTimeOrder_WithTheSeedsColumns()
    {
        var response = await Client.PostNdJsonAsync(
        [
            Event("2024-10-08T15:00:00.000001Z", "T-3", ""","quantity":2,"price":1.5,"commission":1.30,"broker":"ib","executing_user":"pm1" """),
            Event("2024-10-08T09:30:00Z", "T-1", ""","quantity":5,"fill_price":8.52,"commission":3.25,"broker":"alpaca" """),
            Event("2024-10-07T23:59:59.999999Z", "T-0"),                    // the day before
            Event("2024-10-09T00:00:00Z", "T-4"),                           // the day after
            Event("2024-10-08T10:00:00Z", "T-F", name: "trade_failed"),      // not an execution
            Event("2024-10-08T10:00:00Z", "T-R", logType: "RISK"),           // not a trade record
            Event("2024-10-08T12:00:00Z", "T-2", ""","quantity":"n/a" """),  // a field that is not a number
        ], Key);
        response.EnsureSuccessStatusCode();
        var blotter = Portal.Services.GetRequiredService<TradeBlotter>();

        var rows = await blotter.RowsAsync(new DateOnly(2024, 10, 8), new DateOnly(2024, 10, 8)).ToListAsync();

        Assert.Equal(["T-1", "T-2", "T-3"], rows.Select(r => r.TradeId));
        var first = rows[0];
        Assert.Equal((5m, 8.52m, 3.25m, "alpaca", null), (first.Quantity, first.Price, first.Commission, first.Broker, first.ExecutingUser));
        Assert.Null(rows[1].Quantity);
        Assert.Equal((1.5m, "pm1"), (rows[2].Price, rows[2].ExecutingUser));
        Assert.Equal(new DateTimeOffset(2024, 10, 8, 15, 0, 0, TimeSpan.Zero).AddTicks(10), rows[2].Timestamp);

        var twoDays = await blotter.RowsAsync(new DateOnly(2024, 10, 8), new DateOnly(2024, 10, 9)).ToListAsync();
        Assert.Equal(["T-1", "T-2", "T-3", "T-4"], twoDays.Select(r => r.TradeId));
    }

    [Fact]
    public async Task Csv_HasTheSeedsHeaderAndOneLinePerRow_AndItsHashIsTheBytesWritten()
    {
        (await Client.PostNdJsonAsync(
        [
            Event("2024-10-08T09:30:00.123456Z", "T-1", ""","quantity":5,"fill_price":8.52,"commission":3.25,"broker":"alpaca","executing_user":"portfolio_manager" """),
            Event("2024-10-08T09:31:00Z", "T-2,\\\"quoted\\\""),  // JSON text for: T-2,"quoted"
        ], Key)).EnsureSuccessStatusCode();
        var blotter = Portal.Services.GetRequiredService<TradeBlotter>();
        using var output = new MemoryStream();

        var written = await TradeBlotter.WriteCsvAsync(blotter.RowsAsync(new DateOnly(2024, 10, 8), new DateOnly(2024, 10, 8)), output);

        Assert.Equal(2, written.Rows);
        Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(output.ToArray())), written.Sha256);
        // Strict: a malformed record or a short/long row throws instead of being patched up.
        using var csv = CsvReader.Create(output.ToArray(), new CsvReaderOptions { HasHeader = false });
        var lines = new List<string[]>();
        while (csv.Read()) lines.Add([.. Enumerable.Range(0, csv.FieldCount).Select(csv.GetString)]);
        Assert.Equal(3, lines.Count);
        Assert.Equal(TradeBlotter.Columns, lines[0]);
        Assert.Equal(["2024-10-08T09:30:00.123456Z", "T-1", "SPY", "SELL_CALL", "5", "8.52", "3.25", "alpaca", "portfolio_manager"], lines[1]);
        Assert.Equal(["2024-10-08T09:31:00.000000Z", "T-2,\"quoted\"", "SPY", "SELL_CALL", "", "", "", "", ""], lines[2]);
    }

    [Fact]
    public async Task Csv_TextASpreadsheetWouldRun_StartsWithAnApostrophe_WhileNumbersKeepTheirSign()
    {
        (await Client.PostNdJsonAsync(
        [
            Event("2024-10-08T09:30:00Z", "=HYPERLINK(1)", ""","quantity":-3,"fill_price":1.5,"commission":-0.25,"broker":"@SUM(A1)","executing_user":"+pm" """),
        ], Key)).EnsureSuccessStatusCode();
        var blotter = Portal.Services.GetRequiredService<TradeBlotter>();
        using var output = new MemoryStream();

        await TradeBlotter.WriteCsvAsync(blotter.RowsAsync(new DateOnly(2024, 10, 8), new DateOnly(2024, 10, 8)), output);

        using var csv = CsvReader.Create(output.ToArray(), new CsvReaderOptions { HasHeader = true });
        Assert.True(csv.Read());
        Assert.Equal(["2024-10-08T09:30:00.000000Z", "'=HYPERLINK(1)", "SPY", "SELL_CALL", "-3", "1.5", "-0.25", "'@SUM(A1)", "'+pm"],
            Enumerable.Range(0, csv.FieldCount).Select(csv.GetString));
        Assert.False(csv.Read());
    }
}
