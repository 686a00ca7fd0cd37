using System.Text;
using CompliancePortal.Core.Alerts;
using CompliancePortal.Tests.Infrastructure;

namespace CompliancePortal.Tests.Alerts;

/// <summary>The rules file: the seed's shipped rules, how each judges entries, and every mistake refused at load.</summary>
public sealed class AlertRuleSetTests
{
    public static AlertRuleSet Shipped { get; } =
        AlertRuleSet.Load(Path.Combine(RepositoryRoot.Path, "src", "CompliancePortal", "Alerts", "alerts.yaml"));

    public static AlertSubject Entry(string logType, string @event, string dataJson = "{}", string source = "key:trading") =>
        new(1, DateTimeOffset.UnixEpoch, logType, @event, null, source, Encoding.UTF8.GetBytes(dataJson));

    [Fact]
    public void ShippedFile_HoldsTheSeedsEventRules()
    {
        Assert.Equal(
            ["trading_halted:critical:immediate", "execution_failure:critical:5_minutes", "repeated_errors:critical:15_minutes",
             "ledger_contradicts_checkpoint:critical:immediate", "ledger_rejected_by_witness:critical:immediate", "high_slippage:high:30_minutes",
             "position_limit_breach:high:15_minutes", "slow_api:medium:1_hour", "daily_summary:low:eod"],
            Shipped.Rules.Select(r => $"{r.Name}:{r.Severity}:{r.ResponseTime}"));
        Assert.Equal(["pagerduty", "sms", "phone"], Shipped.Rules[0].Notification);
        Assert.Equal(new AlertRepeat(6, TimeSpan.FromMinutes(5), "event"), Shipped.Rules[2].Repeat);
    }

    [Theory]
    [InlineData("log_type == 'RISK' AND event == 'circuit_breaker_triggered'", "RISK", "circuit_breaker_triggered")]
    [InlineData("log_type == 'TRADE' AND slippage_pct > 0.02", "TRADE", null)]
    [InlineData("(event == 'a' AND log_type == 'SYSTEM') AND latency_ms > 5", "SYSTEM", "a")]
    [InlineData("log_type == 'TRADE' OR event == 'trade_failed'", null, null)]      // either may hold: nothing is required
    [InlineData("NOT (log_type == 'TRADE')", null, null)]
    [InlineData("level in ('WARNING', 'ERROR')", null, null)]
    [InlineData("log_type == 'TRADÉ'", null, null)]                                   // not plain ASCII: left to NCalc's comparison
    public void Condition_KnowsTheLogTypeAndEventItRequires(string text, string? logType, string? @event)
    {
        var condition = AlertCondition.Parse(text, out var problem);
        Assert.Null(problem);
        Assert.Equal((logType, @event), (condition!.LogType, condition.Event));
    }

    [Theory]
    [InlineData("RISK", "circuit_breaker_triggered", "{\"level\":\"CRITICAL\"}", "trading_halted")]
    [InlineData("TRADE", "trade_failed", "{\"trade_id\":\"T-1\",\"error\":\"timeout\"}", "execution_failure")]
    [InlineData("TRADE", "trade_executed", "{\"slippage_pct\":0.031}", "high_slippage")]
    [InlineData("TRADE", "trade_executed", "{\"slippage_pct\":0.02}", "")]            // not above the limit
    [InlineData("TRADE", "trade_executed", "{\"fill_price\":8.5}", "")]               // no slippage_pct: null, no match
    [InlineData("TRADE", "trade_failed", "{\"slippage_pct\":0.05}", "execution_failure,high_slippage")]
    [InlineData("RISK", "limit_exceeded", "{\"check\":\"delta_limit\"}", "position_limit_breach")]
    [InlineData("SYSTEM", "api_call", "{\"latency_ms\":1000.5}", "slow_api")]
    [InlineData("SYSTEM", "api_call", "{\"latency_ms\":999}", "")]
    [InlineData("SYSTEM", "api_call", "{\"latency_ms\":null}", "")]
    [InlineData("NAV", "circuit_breaker_triggered", "{}", "")]                       // the event name alone is not enough
    [InlineData("COMPLIANCE", "daily_trading_summary", "{\"date\":\"2026-11-25\"}", "daily_summary")]
    public void ShippedRules_JudgeEntriesAsTheSeedSays(string logType, string @event, string data, string expected)
    {
        var subject = Entry(logType, @event, data);
        var matched = Shipped.Rules.Where(r => r.Repeat is null && r.Condition.Matches(subject)).Select(r => r.Name);
        Assert.Equal(expected, string.Join(",", matched));
    }

    [Fact]
    public void Condition_SeesEnvelopeAndDataFields_TheEnvelopeWinning()
    {
        var rules = AlertRuleSet.Parse(
            """
            alerts:
              low:
                - name: desk_errors
                  condition: level in ('ERROR', 'CRITICAL') AND desk == 'options' AND approved == false AND source == 'key:trading'
                  response_time: eod
            """, "test");
        Assert.True(rules.Rules[0].Condition.Matches(Entry("SYSTEM", "x", "{\"level\":\"ERROR\",\"desk\":\"options\",\"approved\":false}")));
        Assert.False(rules.Rules[0].Condition.Matches(Entry("SYSTEM", "x", "{\"level\":\"INFO\",\"desk\":\"options\",\"approved\":false}")));
        Assert.False(rules.Rules[0].Condition.Matches(Entry("SYSTEM", "x", "{\"level\":\"ERROR\",\"desk\":\"options\",\"approved\":false}", "key:other")));
        Assert.Empty(rules.Rules[0].Notification);
    }

    [Theory]
    [InlineData("alerts:\n  urgent:\n    - name: a\n      condition: event == 'x'\n      response_time: immediate", "severity 'urgent'")]
    [InlineData("alerts:\n  high:\n    - condition: event == 'x'\n      response_time: immediate", "high rule 1 has no name")]
    [InlineData("alerts:\n  high:\n    - name: a\n      condition: event == 'x' AND (\n      response_time: immediate", "rule 'a': condition 'event == 'x' AND (' does not parse")]
    [InlineData("alerts:\n  high:\n    - name: a\n      condition: Sqrtt(latency_ms) > 3\n      response_time: immediate", "rule 'a': condition 'Sqrtt(latency_ms) > 3' calls an unknown function")]
    [InlineData("alerts:\n  high:\n    - name: a\n      condition: 1 + 2\n      response_time: immediate", "rule 'a': condition '1 + 2' is not a test")]
    [InlineData("alerts:\n  high:\n    - name: a\n      condition: ''\n      response_time: immediate", "rule 'a': condition is empty")]
    [InlineData("alerts:\n  high:\n    - name: a\n      condition: event == 'x'\n      response_time: soon", "rule 'a': response_time 'soon'")]
    [InlineData("alerts:\n  high:\n    - name: a\n      condition: event == 'x'\n      response_time: eod\n    - name: a\n      condition: event == 'y'\n      response_time: eod", "rule 'a' is defined twice")]
    [InlineData("alerts:\n  high:\n    - name: a\n      conditon: event == 'x'\n      response_time: eod", "not a valid rules file at line 4")]
    [InlineData("alerts: [", "not a valid rules file")]
    [InlineData("alerts:\n  high:\n    - name: a\n      condition: event == 'x'\n      repeat: {count: 1, within: 5_minutes}\n      response_time: eod", "rule 'a': repeat count must be a whole number from 2")]
    [InlineData("alerts:\n  high:\n    - name: a\n      condition: event == 'x'\n      repeat: {count: 3, within: soon}\n      response_time: eod", "rule 'a': repeat within 'soon'")]
    public void RulesFile_WithAMistake_IsRefusedNamingIt(string yaml, string expected)
    {
        var ex = Assert.Throws<AlertRulesException>(() => AlertRuleSet.Parse(yaml, "rules.yaml"));
        Assert.StartsWith("rules.yaml: ", ex.Message);
        Assert.Contains(expected, ex.Message);
    }

    [Fact]
    public void MissingRulesFile_IsRefusedNamingTheSetting()
    {
        var ex = Assert.Throws<AlertRulesException>(() => AlertRuleSet.Load("/nonexistent/alerts.yaml"));
        Assert.Contains("Alerts:RulesFile", ex.Message);
    }

    [Fact]
    public void RepeatCounter_RaisesOnTheCountWithinTheWindow_PerKey_ThenStartsAgain()
    {
        var counter = new RepeatCounter(new AlertRepeat(3, TimeSpan.FromMinutes(5), "event"));
        var t0 = DateTimeOffset.Parse("2026-11-27T15:00:00Z");
        AlertSubject At(int minutes, string @event) => new(1, t0.AddMinutes(minutes), "SYSTEM", @event, null, "key:x", "{}"u8.ToArray());

        Assert.False(counter.Add(At(0, "api_error")));
        Assert.False(counter.Add(At(1, "api_error")));
        Assert.False(counter.Add(At(2, "db_error")));    // another event: its own count
        Assert.True(counter.Add(At(3, "api_error")));    // the third api_error within 5 minutes
        Assert.False(counter.Add(At(4, "api_error")));   // counting starts again
        Assert.False(counter.Add(At(5, "api_error")));
        Assert.False(counter.Add(At(11, "api_error")));  // the two before are out of the window
        Assert.False(counter.Add(At(12, "api_error")));
        Assert.True(counter.Add(At(13, "api_error")));
    }

    [Theory]
    [InlineData("immediate", "2026-11-27T15:00:00Z", "2026-11-27T15:00:00Z")]
    [InlineData("5_minutes", "2026-11-27T15:00:00Z", "2026-11-27T15:05:00Z")]
    [InlineData("1_hour", "2026-11-27T15:00:00Z", "2026-11-27T16:00:00Z")]
    [InlineData("eod", "2026-11-27T15:00:00Z", "2026-11-27T22:00:00Z")]   // 10:00 in New York (EST): due 17:00 EST
    [InlineData("eod", "2026-07-01T22:30:00Z", "2026-07-02T21:00:00Z")]   // 18:30 EDT, after the close: the next day's 17:00 EDT
    public void ResponseTime_GivesWhenTheAlertIsDue(string text, string raised, string due)
    {
        var time = AlertResponseTime.Parse(text, out var problem);
        Assert.Null(problem);
        Assert.Equal(DateTimeOffset.Parse(due), time!.DueAfter(DateTimeOffset.Parse(raised)));
    }
}
