using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using CompliancePortal.Tests.Infrastructure;

namespace CompliancePortal.Tests.Search;

/// <summary>
/// A small, hand-made ledger for the search tests: twelve events of October 2024, each with a
/// <c>tag</c> (t01..t12) so that expected results can be written down by hand.
/// </summary>
public static class SearchData
{
    public static readonly JsonObject[] Events =
    [
        E("t01", "2024-10-07T14:00:00Z", "TRADE", "trade_executed", "pm", new() { ["asset"] = "QQQ", ["action"] = "SELL_PUT", ["trade_id"] = "TRD-1", ["strategy_component"] = "weekly put sale" }),
        E("t02", "2024-10-08T10:00:00Z", "TRADE", "trade_executed", "pm", new() { ["asset"] = "QQQ", ["action"] = "SELL_CALL", ["trade_id"] = "TRD-2" }),
        E("t03", "2024-10-08T10:30:00Z", "TRADE", "trade_failed", "pm", new() { ["asset"] = "SPY", ["action"] = "SELL_PUT", ["trade_id"] = "TRD-3", ["error"] = "market_closed" }),
        E("t04", "2024-10-08T11:00:00Z", "POSITION", "assignment", null, new() { ["asset"] = "SPY", ["quantity"] = 100, ["trade_id"] = "TRD-3" }),
        E("t05", "2024-10-08T12:00:00Z", "POSITION", "position_opened", null, new() { ["asset"] = "QQQ", ["quantity"] = 5 }),
        E("t06", "2024-10-08T15:00:00Z", "RISK", "circuit_breaker_triggered", null, new() { ["trigger"] = "drawdown_threshold" }),
        E("t07", "2024-10-09T09:00:00Z", "RISK", "risk_check_passed", null, new() { ["asset"] = "SPY" }),
        E("t08", "2024-10-09T10:00:00Z", "COMPLIANCE", "personal_trade_preclearance", "jane", new() { ["security"] = "AAPL", ["request_id"] = "PCT-1", ["reasoning"] = "no conflict, not restricted" }),
        E("t09", "2024-10-09T10:05:00Z", "COMPLIANCE", "preclearance_reviewed", "cco", new() { ["request_id"] = "PCT-1", ["decision"] = "approved" }),
        E("t10", "2024-10-10T16:00:00Z", "SYSTEM", "api_call", null, new() { ["request_id"] = "REQ-1", ["endpoint"] = "/v2/orders" }),
        E("t11", "2024-10-10T16:00:00Z", "TRADE", "trade_executed", "pm", new() { ["asset"] = "IWM", ["action"] = "BUY", ["trade_id"] = "TRD-4" }),
        E("t12", "2024-10-11T09:00:00Z", "RISK", "circuit_breaker_triggered", null, new() { ["note"] = "SPY assignment risk" }),
    ];

    private static JsonObject E(string tag, string at, string type, string @event, string? user, JsonObject data)
    {
        var e = new JsonObject { ["timestamp"] = at, ["log_type"] = type, ["event"] = @event, ["event_id"] = tag, ["tag"] = tag };
        if (user is not null) e["user_id"] = user;
        foreach (var (k, v) in data.ToList())
        {
            data.Remove(k);
            e[k] = v;
        }
        return e;
    }

    /// <summary>Posts the events (in order, one request) and returns the seq of each tag.</summary>
    public static async Task<Dictionary<string, long>> IngestAsync(PortalFactory portal, IEnumerable<JsonObject>? events = null)
    {
        var key = await portal.CreateKeyAsync("trading-" + Guid.NewGuid().ToString("N")[..4], ["TRADE", "RISK", "SYSTEM", "NAV", "COMPLIANCE", "POSITION", "COMMUNICATION"]);
        using var client = portal.CreateClient();
        var list = (events ?? Events).ToList();
        var response = await client.PostJsonAsync(new JsonArray([.. list.Select(e => e.DeepClone())]).ToJsonString(), key);
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, body);
        using var doc = JsonDocument.Parse(body);
        var receipts = doc.RootElement.GetProperty("receipts").EnumerateArray().Select(r => r.GetProperty("seq").GetInt64()).ToList();
        return list.Select((e, i) => (Tag: (string)e["tag"]!, Seq: receipts[i])).ToDictionary(x => x.Tag, x => x.Seq);
    }

    public static string TagOf(string eventData) => JsonNode.Parse(eventData)!["tag"]?.GetValue<string>() ?? "?";
}
