using CompliancePortal.Core.Calendar;

namespace CompliancePortal.Core.Preclearance;

public enum TradeSide { Buy, Sell }

public enum RuleOutcome { AutoApproved, AutoDenied, NeedsReview }

/// <summary>One line of the checks shown on a request: which rule, whether it passed, and why.</summary>
public sealed record RuleCheck(string Rule, bool Passed, string Detail);

/// <summary>A restricted-list entry, in force from <see cref="From"/> to <see cref="To"/> (inclusive; open-ended when null).</summary>
public sealed record RestrictedEntry(string Security, DateOnly From, DateOnly? To, string Reason);

/// <summary>An earlier personal trade of the same employee that was executed.</summary>
public sealed record PastTrade(string Security, TradeSide Side, DateOnly Date);

/// <summary>Everything the rules look at for one request.</summary>
public sealed record PreclearanceInput(
    string Security,
    TradeSide Side,
    int Quantity,
    DateOnly TradeDate,
    IReadOnlyList<RestrictedEntry> Restricted,
    IReadOnlyList<DateOnly> FirmTradeDates,
    IReadOnlyList<PastTrade> EmployeeTrades);

public sealed record RuleVerdict(RuleOutcome Outcome, IReadOnlyList<RuleCheck> Checks)
{
    /// <summary>The rule that denied the request, for the decision's reasoning.</summary>
    public RuleCheck? DeniedBy => Checks.FirstOrDefault(c => !c.Passed);
}

/// <summary>
/// The preclearance rules as pure functions. A failed restricted-list, blackout or holding-period
/// rule denies; otherwise the de minimis rule may approve; everything else goes to the
/// ComplianceOfficer. Business days are Monday to Friday (exchange holidays are not modelled).
/// </summary>
public sealed class PreclearanceRules(PreclearanceOptions options, MarketCalendar calendar)
{
    public const string RestrictedList = "Restricted list";
    public const string Blackout = "Firm-activity blackout";
    public const string HoldingPeriod = "Minimum holding period";
    public const string DeMinimis = "De minimis";

    public RuleVerdict Evaluate(PreclearanceInput input)
    {
        var denying = new[] { CheckRestricted(input), CheckBlackout(input), CheckHoldingPeriod(input) };
        var deMinimis = CheckDeMinimis(input);
        var checks = denying.Append(deMinimis).ToList();
        if (denying.Any(c => !c.Passed)) return new RuleVerdict(RuleOutcome.AutoDenied, checks);
        return new RuleVerdict(deMinimis.Passed ? RuleOutcome.AutoApproved : RuleOutcome.NeedsReview, checks);
    }

    private static RuleCheck CheckRestricted(PreclearanceInput input)
    {
        var hit = input.Restricted.FirstOrDefault(r =>
            Same(r.Security, input.Security) && r.From <= input.TradeDate && (r.To is null || input.TradeDate <= r.To));
        return hit is null
            ? new RuleCheck(RestrictedList, true, $"{input.Security} is not restricted on {input.TradeDate:yyyy-MM-dd}")
            : new RuleCheck(RestrictedList, false, $"{input.Security} is restricted from {hit.From:yyyy-MM-dd}{(hit.To is { } to ? $" to {to:yyyy-MM-dd}" : "")}: {hit.Reason}");
    }

    private RuleCheck CheckBlackout(PreclearanceInput input)
    {
        var n = options.BlackoutBusinessDays;
        var hit = input.FirmTradeDates
            .Where(d => Math.Abs(calendar.BusinessDaysBetween(d, input.TradeDate)) <= n)
            .OrderBy(d => Math.Abs(d.DayNumber - input.TradeDate.DayNumber))
            .Cast<DateOnly?>()
            .FirstOrDefault();
        return hit is null
            ? new RuleCheck(Blackout, true, $"the firm did not trade {input.Security} within {n} business days")
            : new RuleCheck(Blackout, false, $"the firm traded {input.Security} on {hit:yyyy-MM-dd}, within {n} business days of {input.TradeDate:yyyy-MM-dd}");
    }

    private RuleCheck CheckHoldingPeriod(PreclearanceInput input)
    {
        var days = options.HoldingPeriodDays;
        var opposite = input.Side == TradeSide.Buy ? TradeSide.Sell : TradeSide.Buy;
        var hit = input.EmployeeTrades
            .Where(t => Same(t.Security, input.Security) && t.Side == opposite && t.Date <= input.TradeDate
                        && input.TradeDate.DayNumber - t.Date.DayNumber < days)
            .OrderByDescending(t => t.Date)
            .FirstOrDefault();
        return hit is null
            ? new RuleCheck(HoldingPeriod, true, $"no opposite trade in {input.Security} in the last {days} days")
            : new RuleCheck(HoldingPeriod, false, $"you {(hit.Side == TradeSide.Buy ? "bought" : "sold")} {input.Security} on {hit.Date:yyyy-MM-dd}, {input.TradeDate.DayNumber - hit.Date.DayNumber} days before; the minimum holding period is {days} days");
    }

    private RuleCheck CheckDeMinimis(PreclearanceInput input)
    {
        var listed = options.DeMinimisSecurities.Any(s => Same(s, input.Security));
        var small = input.Quantity <= options.DeMinimisMaxQuantity;
        return listed && small
            ? new RuleCheck(DeMinimis, true, $"{input.Quantity} shares of large-cap {input.Security} is within the de minimis limit of {options.DeMinimisMaxQuantity}")
            : new RuleCheck(DeMinimis, false, listed
                ? $"{input.Quantity} shares is over the de minimis limit of {options.DeMinimisMaxQuantity}: needs review"
                : $"{input.Security} is not on the de minimis large-cap list: needs review");
    }

    private static bool Same(string a, string b) => string.Equals(a.Trim(), b.Trim(), StringComparison.OrdinalIgnoreCase);
}
