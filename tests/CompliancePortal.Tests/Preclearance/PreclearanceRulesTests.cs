using CompliancePortal.Core.Calendar;
using CompliancePortal.Core.Preclearance;

namespace CompliancePortal.Tests.Preclearance;

public sealed class PreclearanceRulesTests
{
    private static readonly PreclearanceOptions Options = new()
    {
        BlackoutBusinessDays = 5,
        HoldingPeriodDays = 30,
        DeMinimisMaxQuantity = 500,
        DeMinimisSecurities = ["AAPL", "MSFT"],
    };

    private static readonly PreclearanceRules Rules = new(Options, new MarketCalendar(ExchangeHolidays.None, []));

    private static readonly MarketCalendar Holidays = new(ExchangeHolidays.None, [new DateOnly(2026, 11, 26), new DateOnly(2026, 12, 25)]);

    private static PreclearanceInput Input(string day, string security = "TSLA", TradeSide side = TradeSide.Buy, int quantity = 100,
        RestrictedEntry[]? restricted = null, string[]? firmTrades = null, PastTrade[]? past = null) =>
        new(security, side, quantity, DateOnly.Parse(day), restricted ?? [], (firmTrades ?? []).Select(DateOnly.Parse).ToList(), past ?? []);

    private static RuleCheck Check(RuleVerdict verdict, string rule) => verdict.Checks.Single(c => c.Rule == rule);

    [Theory]
    [InlineData("2026-11-09", true)]   // the day before the entry takes effect
    [InlineData("2026-11-10", false)]  // its first day
    [InlineData("2026-11-20", false)]  // its last day
    [InlineData("2026-11-23", true)]   // after it ended
    public void RestrictedList_AroundEffectiveDates_DeniesOnlyWhileInForce(string day, bool passes)
    {
        var entry = new RestrictedEntry("TSLA", new DateOnly(2026, 11, 10), new DateOnly(2026, 11, 20), "advising on an offering");

        var verdict = Rules.Evaluate(Input(day, restricted: [entry]));

        Assert.Equal(passes, Check(verdict, PreclearanceRules.RestrictedList).Passed);
        if (!passes)
        {
            Assert.Equal(RuleOutcome.AutoDenied, verdict.Outcome);
            Assert.Equal(PreclearanceRules.RestrictedList, verdict.DeniedBy!.Rule);
        }
    }

    [Fact]
    public void RestrictedList_OpenEndedEntry_MatchesIgnoringCase()
    {
        var verdict = Rules.Evaluate(Input("2030-01-02", security: "tsla", restricted: [new RestrictedEntry("TSLA", new DateOnly(2026, 1, 1), null, "inside information")]));

        Assert.Equal(RuleOutcome.AutoDenied, verdict.Outcome);
        Assert.Contains("inside information", verdict.DeniedBy!.Detail);
    }

    [Theory]
    [InlineData("2026-11-16", false)]  // Monday 11-09 + 5 business days: still inside
    [InlineData("2026-11-17", true)]   // + 6 business days: outside
    [InlineData("2026-11-02", false)]  // 5 business days before the firm's trade
    [InlineData("2026-10-30", true)]   // 6 business days before
    public void Blackout_DayNVersusNPlusOne_AroundTheFirmsTrade(string day, bool passes)
    {
        var verdict = Rules.Evaluate(Input(day, firmTrades: ["2026-11-09"]));

        Assert.Equal(passes, Check(verdict, PreclearanceRules.Blackout).Passed);
        Assert.Equal(passes ? RuleOutcome.NeedsReview : RuleOutcome.AutoDenied, verdict.Outcome);
    }

    [Theory]
    [InlineData("2026-10-30", false)]  // day 29 after the purchase
    [InlineData("2026-10-31", true)]   // day 30
    [InlineData("2026-11-01", true)]   // day 31
    public void HoldingPeriod_SellingAfterABuy_Day29DeniedDay30And31Allowed(string day, bool passes)
    {
        var verdict = Rules.Evaluate(Input(day, side: TradeSide.Sell, past: [new PastTrade("TSLA", TradeSide.Buy, new DateOnly(2026, 10, 1))]));

        Assert.Equal(passes, Check(verdict, PreclearanceRules.HoldingPeriod).Passed);
    }

    [Fact]
    public void HoldingPeriod_SameSideOrOtherSecurity_DoesNotCount()
    {
        var verdict = Rules.Evaluate(Input("2026-10-05", side: TradeSide.Buy,
            past: [new PastTrade("TSLA", TradeSide.Buy, new DateOnly(2026, 10, 1)), new PastTrade("AAPL", TradeSide.Sell, new DateOnly(2026, 10, 2))]));

        Assert.True(Check(verdict, PreclearanceRules.HoldingPeriod).Passed);
    }

    [Theory]
    [InlineData("AAPL", 500, RuleOutcome.AutoApproved)]  // at the threshold
    [InlineData("AAPL", 501, RuleOutcome.NeedsReview)]   // one over
    [InlineData("ZZZZ", 10, RuleOutcome.NeedsReview)]    // not a listed large cap
    public void DeMinimis_AtAndOverTheThreshold(string security, int quantity, RuleOutcome outcome)
    {
        var verdict = Rules.Evaluate(Input("2026-11-25", security: security, quantity: quantity));

        Assert.Equal(outcome, verdict.Outcome);
    }

    [Fact]
    public void DeMinimis_NeverOverridesADenial()
    {
        var verdict = Rules.Evaluate(Input("2026-11-10", security: "AAPL", quantity: 10, firmTrades: ["2026-11-10"]));

        Assert.Equal(RuleOutcome.AutoDenied, verdict.Outcome);
        Assert.Equal(PreclearanceRules.Blackout, verdict.DeniedBy!.Rule);
    }

    [Theory]
    [InlineData("2026-11-27", "2026-11-30")]  // Friday -> Monday
    [InlineData("2026-11-24", "2026-11-25")]  // Tuesday -> Wednesday
    [InlineData("2026-11-25", "2026-11-27")]  // Wednesday -> Friday: Thursday is Thanksgiving
    [InlineData("2026-11-28", "2026-11-30")]  // Saturday -> Monday
    [InlineData("2026-12-24", "2026-12-28")]  // Thursday -> Monday: Christmas Friday, then the weekend
    public void NextBusinessDay_SkipsWeekendsAndHolidays(string day, string expected)
    {
        Assert.Equal(DateOnly.Parse(expected), Holidays.NextBusinessDay(DateOnly.Parse(day)));
    }

    [Fact]
    public void Blackout_CountsNoHolidayAsABusinessDay()
    {
        // The firm traded on Friday 20 November; Monday 30 November is 5 business days later only
        // because Thanksgiving (26 November) is not one.
        var input = Input("2026-11-30", firmTrades: ["2026-11-20"]);

        Assert.False(Check(new PreclearanceRules(Options, Holidays).Evaluate(input), PreclearanceRules.Blackout).Passed);
        Assert.True(Check(Rules.Evaluate(input), PreclearanceRules.Blackout).Passed);
        Assert.Equal(5, Holidays.BusinessDaysBetween(new DateOnly(2026, 11, 20), new DateOnly(2026, 11, 30)));
        Assert.Equal(-6, new MarketCalendar(ExchangeHolidays.None, []).BusinessDaysBetween(new DateOnly(2026, 11, 30), new DateOnly(2026, 11, 20)));
    }
}
