using System.Text;
using CompliancePortal.Core.Ledger;
using Npgsql;

namespace CompliancePortal.Tests.Packages;

/// <summary>Seed-shaped events of every log type appended straight through the ledger's appender (hashed, COPY), for big packages.</summary>
public static class PackageSeed
{
    private static readonly string[] Types = ["TRADE", "TRADE", "TRADE", "TRADE", "NAV", "RISK", "COMPLIANCE", "COMPLIANCE", "SYSTEM", "COMMUNICATION"];

    /// <summary>Appends events numbered <paramref name="start"/>.. dated evenly over [<paramref name="from"/>, from + span), 20,000 per transaction.</summary>
    public static async Task AppendAsync(string connectionString, DateTimeOffset from, TimeSpan span, int start, int count)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        var step = span.Ticks / 100_000 / 2 * 2;   // spacing of consecutive numbers, in ticks (two-second-ish for a few days)
        for (var done = 0; done < count;)
        {
            var batch = Math.Min(20_000, count - done);
            var events = new List<LedgerEvent>(batch);
            for (var i = 0; i < batch; i++)
            {
                var n = start + done + i;
                var type = Types[n % Types.Length];
                var at = CanonicalEntry.ToMicroseconds(from.AddTicks(n * step % span.Ticks + 1));
                var (name, data) = type switch
                {
                    "TRADE" => ("trade_executed", $$"""{"trade_id":"TRD-{{n:D7}}","asset":"QQQ","action":"SELL_PUT","quantity":5,"fill_price":8.52,"commission":1.25,"broker":"IBKR","strategy_component":"weekly put sale"}"""),
                    "NAV" => (n % 20 == 4 ? "management_fee_calculated" : "nav_calculated", $$"""{"nav":156789.45,"cash":35420.12,"methodology":"black_scholes","n":{{n}}}"""),
                    "RISK" => ("risk_check_passed", $$"""{"check":"position_limit","asset":"SPY","utilisation":0.42,"n":{{n}}}"""),
                    "COMPLIANCE" => ("personal_trade_preclearance", $$"""{"request_id":"PCT-2026-{{n:D5}}","employee":"john_doe","security":"AAPL","decision":"approved"}"""),
                    "COMMUNICATION" => ("email_archived", $$"""{"from":"pm@fund.example","to":"investor@example.com","subject":"Weekly letter {{n}}"}"""),
                    _ => ("api_call", $$"""{"endpoint":"/v2/orders","status_code":200,"latency_ms":{{n % 97}}}"""),
                };
                events.Add(new LedgerEvent(type, name, at, null, "pm", null, null, Encoding.UTF8.GetBytes(data), CanonicalEntry.ToMicroseconds(DateTimeOffset.UtcNow)));
            }
            await using var tx = await connection.BeginTransactionAsync();
            await LedgerAppender.AppendAsync(connection, [new AppendRequest("key:bench", events)], CancellationToken.None);
            await tx.CommitAsync();
            done += batch;
        }
    }
}
