using System.Globalization;
using System.Runtime.CompilerServices;
using CompliancePortal.Core.Archive;
using CompliancePortal.Core.Data;
using CompliancePortal.Core.Ledger;
using Npgsql;

namespace CompliancePortal.Core.Blotter;

/// <summary>One row of the seed's daily trade blotter, taken from a trade_executed ledger entry.</summary>
public sealed record BlotterRow(long Seq, DateTimeOffset Timestamp, string TradeId, string Asset, string Action,
    decimal? Quantity, decimal? Price, decimal? Commission, string? Broker, string? ExecutingUser);

/// <summary>A written blotter CSV: how many rows and the SHA-256 of its bytes.</summary>
public sealed record BlotterCsv(int Rows, string Sha256);

/// <summary>
/// The seed's daily trade blotter, read from the ledger: every TRADE/trade_executed entry whose
/// event timestamp falls on the given UTC days, by timestamp then seq. Price is the event's
/// "price" or, as trading systems send it (see the seed's example), its "fill_price"; the
/// executing user is "executing_user" or the entry's user_id. A field that is missing or not a
/// number stays empty rather than guessed.
/// </summary>
public sealed class TradeBlotter(NpgsqlDataSource dataSource)
{
    public static readonly string[] Columns =
        ["timestamp", "trade_id", "asset", "action", "quantity", "price", "commission", "broker", "executing_user"];

    public async IAsyncEnumerable<BlotterRow> RowsAsync(DateOnly from, DateOnly toInclusive,
        [EnumeratorCancellation] CancellationToken ct = default)
    {
        await using var cmd = dataSource.CreateCommand(
            """
            SELECT seq, "timestamp", event_data ->> 'trade_id', event_data ->> 'asset', event_data ->> 'action',
                   event_data ->> 'quantity', COALESCE(event_data ->> 'price', event_data ->> 'fill_price'),
                   event_data ->> 'commission', event_data ->> 'broker', COALESCE(event_data ->> 'executing_user', user_id)
            FROM audit_log
            WHERE event = 'trade_executed' AND log_type = 'TRADE' AND "timestamp" >= $1 AND "timestamp" < $2
            ORDER BY "timestamp", seq
            """);
        cmd.Parameters.Add(new() { Value = StartOf(from) });
        cmd.Parameters.Add(new() { Value = StartOf(toInclusive.AddDays(1)) });
        await using var reader = await cmd.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
        {
            yield return new BlotterRow(
                reader.GetInt64(0),
                reader.GetFieldValue<DateTimeOffset>(1),
                Text(reader, 2) ?? "",
                Text(reader, 3) ?? "",
                Text(reader, 4) ?? "",
                Number(Text(reader, 5)),
                Number(Text(reader, 6)),
                Number(Text(reader, 7)),
                Text(reader, 8),
                Text(reader, 9));
        }
    }

    /// <summary>Writes the rows as CSV with a header line, streaming; hashes the bytes as they are written.</summary>
    public static async Task<BlotterCsv> WriteCsvAsync(IAsyncEnumerable<BlotterRow> rows, Stream output, CancellationToken ct = default)
    {
        var count = 0;
        await using var hashing = new HashingWriteStream(output);
        await using (var csv = CsvFiles.Create(hashing))
        {
            foreach (var column in Columns) csv.WriteField(column);
            await csv.EndRecordAsync(ct);
            await foreach (var row in rows.WithCancellation(ct))
            {
                csv.WriteField(CanonicalEntry.FormatTime(row.Timestamp));
                csv.WriteField(row.TradeId);
                csv.WriteField(row.Asset);
                csv.WriteField(row.Action);
                csv.WriteField(row.Quantity, default);
                csv.WriteField(row.Price, default);
                csv.WriteField(row.Commission, default);
                csv.WriteField(row.Broker ?? "");
                csv.WriteField(row.ExecutingUser ?? "");
                await csv.EndRecordAsync(ct);
                count++;
            }
            await csv.FlushAsync(ct);
        }
        return new BlotterCsv(count, hashing.Sha256());
    }

    private static DateTimeOffset StartOf(DateOnly day) => new(day.ToDateTime(TimeOnly.MinValue), TimeSpan.Zero);

    private static string? Text(NpgsqlDataReader reader, int ordinal) => reader.IsDBNull(ordinal) ? null : reader.GetString(ordinal);

    private static decimal? Number(string? text) =>
        decimal.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var value) ? value : null;

}
