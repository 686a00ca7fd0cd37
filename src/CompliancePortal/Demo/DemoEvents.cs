using System.Text.Json.Nodes;
using CompliancePortal.Core;
using CompliancePortal.Core.Ledger;

namespace CompliancePortal.Demo;

/// <summary>
/// Makes events shaped like the seed's JSON examples: a trading desk selling weekly puts and
/// calls on index ETFs, with its risk checks, API calls, NAV and compliance activity. Seeded,
/// so the same seed gives the same stream (the benchmarks rely on that).
/// </summary>
public sealed class DemoEvents(int seed)
{
    private static readonly string[] Assets = ["SPY", "QQQ", "IWM", "DIA", "AAPL", "MSFT", "NVDA"];
    private static readonly string[] Actions = ["SELL_PUT", "SELL_CALL", "BUY_TO_CLOSE", "BUY", "SELL"];
    private static readonly string[] Endpoints = ["/v2/orders", "/v2/positions", "/v2/account", "/v2/quotes"];
    private static readonly string[] Employees = ["john_doe", "jane_roe", "max_mustermann", "ana_lima"];

    private readonly Random _random = new(seed);
    private int _trades;
    private int _requests;

    /// <summary>The next event of a typical mix, stamped at <paramref name="at"/>.</summary>
    public JsonObject Next(DateTimeOffset at)
    {
        var roll = _random.NextDouble();
        return roll switch
        {
            < 0.40 => Trade(at),
            < 0.70 => ApiCall(at),
            < 0.85 => RiskCheck(at),
            < 0.93 => Position(at),
            < 0.97 => Nav(at),
            < 0.995 => Compliance(at),
            _ => CircuitBreaker(at),
        };
    }

    public JsonObject Trade(DateTimeOffset at)
    {
        _trades++;
        var asset = Pick(Assets);
        var action = Pick(Actions);
        var quantity = _random.Next(1, 20);
        var strike = Math.Round(380 + _random.Next(0, 120) + 0.0m, 2);
        var limit = Math.Round((decimal)(2 + _random.NextDouble() * 10), 2);
        var fill = limit + Math.Round((decimal)(_random.NextDouble() * 0.04), 2);
        var premium = fill * quantity * 100;
        var commission = 0.65m * quantity;
        var failed = _random.NextDouble() < 0.04;
        var tradeId = $"TRD-{at:yyyy-MM-dd}-{_trades:D4}";
        var e = new JsonObject
        {
            ["timestamp"] = Time(at),
            ["log_type"] = LogTypes.Trade,
            ["level"] = failed ? "ERROR" : "INFO",
            ["trade_id"] = tradeId,
            ["event"] = failed ? "trade_failed" : "trade_executed",
            ["asset"] = asset,
            ["action"] = action,
            ["symbol"] = $"{asset}{at.AddDays(7):yyMMdd}{(action.Contains("CALL") ? 'C' : 'P')}{(int)(strike * 1000):D8}",
            ["quantity"] = quantity,
            ["strike"] = strike,
            ["expiration"] = Formats.Day(at.AddDays(7)),
            ["order_type"] = "limit",
            ["limit_price"] = limit,
            ["broker"] = "alpaca",
            ["executing_user"] = "portfolio_manager",
            ["strategy_component"] = action.Contains("CALL") ? "covered_call" : "weekly_put_sale",
        };
        if (failed)
        {
            e["error"] = Pick(["insufficient_buying_power", "order_rejected_by_broker", "market_closed", "timeout"]);
            e["risk_check_passed"] = true;
            return e;
        }
        e["fill_price"] = fill;
        e["fill_timestamp"] = Time(at.AddMilliseconds(_random.Next(200, 3000)));
        e["commission"] = commission;
        e["premium_collected"] = action.StartsWith("SELL", StringComparison.Ordinal) ? premium : 0m;
        e["net_proceeds"] = premium - commission;
        e["risk_check_passed"] = true;
        e["slippage_pct"] = Math.Round((double)((fill - limit) / limit), 4);
        return e;
    }

    private JsonObject ApiCall(DateTimeOffset at)
    {
        var status = _random.NextDouble() < 0.03 ? 503 : 200;
        var slow = _random.NextDouble() < 0.02;
        return new JsonObject
        {
            ["timestamp"] = Time(at),
            ["log_type"] = LogTypes.System,
            ["level"] = status == 200 ? (slow ? "WARNING" : "INFO") : "ERROR",
            ["event"] = "api_call",
            ["request_id"] = $"REQ-{++_requests:D6}",
            ["api"] = "alpaca",
            ["endpoint"] = Pick(Endpoints),
            ["method"] = _random.NextDouble() < 0.7 ? "GET" : "POST",
            ["status_code"] = status,
            ["latency_ms"] = slow ? _random.Next(1000, 2500) : _random.Next(40, 320),
            ["response_size_bytes"] = _random.Next(200, 8000),
            ["retry_count"] = status == 200 ? 0 : _random.Next(1, 3),
            ["success"] = status == 200,
        };
    }

    private JsonObject RiskCheck(DateTimeOffset at)
    {
        var passed = _random.NextDouble() < 0.95;
        return new JsonObject
        {
            ["timestamp"] = Time(at),
            ["log_type"] = LogTypes.Risk,
            ["level"] = passed ? "INFO" : "WARNING",
            ["event"] = passed ? "risk_check_passed" : "limit_exceeded",
            ["asset"] = Pick(Assets),
            ["check"] = Pick(["position_limit", "delta_limit", "margin_requirement", "concentration"]),
            ["current_value"] = Math.Round(_random.NextDouble() * 0.3, 4),
            ["limit"] = 0.25,
            ["portfolio_nav"] = Math.Round(150000 + _random.NextDouble() * 10000, 2),
        };
    }

    private JsonObject CircuitBreaker(DateTimeOffset at) => new()
    {
        ["timestamp"] = Time(at),
        ["log_type"] = LogTypes.Risk,
        ["level"] = "CRITICAL",
        ["event"] = "circuit_breaker_triggered",
        ["severity"] = "HIGH",
        ["trigger"] = "drawdown_threshold",
        ["current_drawdown"] = -0.082,
        ["threshold"] = -0.08,
        ["action_taken"] = "reduce_position_sizes_50pct",
        ["portfolio_nav"] = 145230.45,
        ["peak_nav"] = 158000.12,
        ["positions_affected"] = 12,
        ["delta_before"] = 8543.2,
        ["delta_after"] = 4271.6,
        ["notified"] = new JsonArray("portfolio_manager", "cco"),
        ["auto_executed"] = true,
    };

    private JsonObject Position(DateTimeOffset at)
    {
        var asset = Pick(Assets);
        return new JsonObject
        {
            ["timestamp"] = Time(at),
            ["log_type"] = LogTypes.Position,
            ["level"] = "INFO",
            ["event"] = Pick(["position_opened", "position_closed", "assignment"]),
            ["asset"] = asset,
            ["quantity"] = _random.Next(-10, 300),
            ["market_value"] = Math.Round(_random.NextDouble() * 90000, 2),
            ["delta"] = Math.Round(_random.NextDouble() * 2000 - 1000, 1),
        };
    }

    private JsonObject Nav(DateTimeOffset at)
    {
        var cash = Math.Round(30000 + _random.NextDouble() * 10000, 2);
        var equity = Math.Round(85000 + _random.NextDouble() * 10000, 2);
        var options = Math.Round(30000 + _random.NextDouble() * 5000, 2);
        return new JsonObject
        {
            ["timestamp"] = Time(at),
            ["log_type"] = LogTypes.Nav,
            ["level"] = "INFO",
            ["event"] = "nav_calculated",
            ["nav"] = Math.Round(cash + equity + options, 2),
            ["cash"] = cash,
            ["equity_value"] = equity,
            ["options_value"] = options,
            ["methodology"] = "black_scholes",
            ["pricing_source"] = "market_close_prices",
            ["components"] = new JsonObject { ["SPY_shares"] = 200, ["SPY_value"] = 80400.00, ["QQQ_short_puts"] = -5, ["QQQ_puts_value"] = -4250.00 },
            ["verified_by"] = "administrator",
            ["discrepancy"] = Math.Round(_random.NextDouble() * 0.05, 2),
        };
    }

    private JsonObject Compliance(DateTimeOffset at)
    {
        var approved = _random.NextDouble() < 0.8;
        return new JsonObject
        {
            ["timestamp"] = Time(at),
            ["log_type"] = LogTypes.Compliance,
            ["level"] = "INFO",
            ["event"] = "personal_trade_preclearance",
            ["employee"] = Pick(Employees),
            ["security"] = Pick(["AAPL", "MSFT", "TSLA", "AMZN", "GOOGL"]),
            ["quantity"] = _random.Next(10, 200),
            ["side"] = _random.NextDouble() < 0.6 ? "buy" : "sell",
            ["request_id"] = $"PCT-{at:yyyy}-{_random.Next(1, 9999):D4}",
            ["reviewer"] = "cco",
            ["decision"] = approved ? "approved" : "denied",
            ["reasoning"] = approved ? "no conflict, not restricted" : "security on restricted list",
            ["review_timestamp"] = Time(at.AddMinutes(5)),
        };
    }

    private T Pick<T>(IReadOnlyList<T> items) => items[_random.Next(items.Count)];

    private static string Time(DateTimeOffset at) => CanonicalEntry.FormatTime(at);
}
