using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;
using CompliancePortal.Core.Audit;
using CompliancePortal.Core.Calendar;
using CompliancePortal.Core.Data;
using CompliancePortal.Core.Ledger;
using Microsoft.EntityFrameworkCore;
using Npgsql;

namespace CompliancePortal.Core.Preclearance;

/// <summary>What an employee submits.</summary>
public sealed record PreclearanceForm(string Security, TradeSide Side, int Quantity, string Account, DateOnly TradeDate, string Reason);


/// <summary>
/// Personal-trade preclearance. Each state change and its COMPLIANCE ledger entry (shaped like the
/// seed's personal_trade_preclearance example) commit in one database transaction, so the
/// workflow and the ledger can never disagree. Nobody decides their own request.
/// </summary>
public sealed partial class PreclearanceService(
    IDbContextFactory<PortalDbContext> contexts,
    PreclearanceRules rules,
    MarketCalendar calendar,
    ILedgerAppend ledger,
    UserActionLog log,
    TimeProvider time)
{
    public const string LedgerEvent = "personal_trade_preclearance";

    /// <summary>Raised when a preclearance ledger entry was committed, by this or any other portal
    /// instance (the ledger follower sees it), so open pages update without a reload. Handlers must not block.</summary>
    public event Action? Changed;

    public void NotifyChanged() => Changed?.Invoke();
    public const string SystemReviewer = "system";

    [GeneratedRegex("^[A-Z][A-Z0-9.]{0,9}$")]
    private static partial Regex SecurityPattern();

    public async Task<Outcome<PreclearanceRequest>> SubmitAsync(Actor employee, PreclearanceForm form, CancellationToken ct = default)
    {
        var security = form.Security.Trim().ToUpperInvariant();
        var problem = Validate(form, security);
        if (problem is not null) return Failure.Invalid(problem);

        await using var db = await contexts.CreateDbContextAsync(ct);
        await using var tx = await ledger.BeginAsync(db, ct);

        var restricted = await db.RestrictedList.AsNoTracking().Where(r => r.Security == security)
            .Select(r => new RestrictedEntry(r.Security, r.EffectiveFrom, r.EffectiveTo, r.Reason)).ToListAsync(ct);
        var past = await db.PreclearanceRequests.AsNoTracking()
            .Where(r => r.Employee == employee.UserName && r.Security == security && r.Status == PreclearanceStatus.Executed)
            .Select(r => new PastTrade(r.Security, r.Side, r.TradeDate)).ToListAsync(ct);
        var firmDates = await FirmTradeDatesAsync(tx.Connection, security, form.TradeDate, ct);
        var verdict = rules.Evaluate(new PreclearanceInput(security, form.Side, form.Quantity, form.TradeDate, restricted, firmDates, past));

        var now = time.GetUtcNow();
        var request = new PreclearanceRequest
        {
            Id = await NextIdAsync(tx.Connection, now.Year, ct),
            Employee = employee.UserName,
            Security = security,
            Side = form.Side,
            Quantity = form.Quantity,
            Account = form.Account.Trim(),
            TradeDate = form.TradeDate,
            Reason = form.Reason.Trim(),
            ChecksJson = JsonSerializer.Serialize(verdict.Checks),
            SubmittedAt = now,
            UpdatedAt = now,
            Status = PreclearanceStatus.PendingReview,
        };
        if (verdict.Outcome != RuleOutcome.NeedsReview)
        {
            var approved = verdict.Outcome == RuleOutcome.AutoApproved;
            Decide(request, approved, SystemReviewer,
                approved ? verdict.Checks.Last().Detail : $"{verdict.DeniedBy!.Rule}: {verdict.DeniedBy.Detail}", now);
        }
        db.PreclearanceRequests.Add(request);
        await db.SaveChangesAsync(ct);
        await log.RecordAsync(tx, employee, LedgerEvent, Describe(request, "submitted"), ct: ct);
        await tx.CommitAsync(ct);
        return request;
    }

    public async Task<Outcome<PreclearanceRequest>> DecideAsync(Actor officer, string id, bool approve, string reasoning, CancellationToken ct = default)
    {
        if (string.IsNullOrWhiteSpace(reasoning)) return Failure.Invalid("A decision needs its reasoning.");
        return await ChangeAsync(officer, id, "decided", request =>
        {
            if (request.Employee == officer.UserName) return Failure.Forbidden("Nobody may decide their own request.");
            if (request.Status != PreclearanceStatus.PendingReview) return Failure.Conflict($"Request {id} is {request.Status}, not waiting for review.");
            Decide(request, approve, officer.UserName, reasoning.Trim(), time.GetUtcNow());
            return null;
        }, ct);
    }

    /// <summary>The employee reports whether an approved trade was executed (price and quantity if so).</summary>
    public async Task<Outcome<PreclearanceRequest>> ReportAsync(Actor employee, string id, bool executed, decimal? price, int? quantity, CancellationToken ct = default)
    {
        if (executed && (price is not > 0 || quantity is not > 0))
            return Failure.Invalid("An executed trade needs its price and quantity (both above zero).");
        return await ChangeAsync(employee, id, "reported", request =>
        {
            if (request.Employee != employee.UserName) return Failure.Forbidden("Only the employee who asked may report on a request.");
            if (request.Status != PreclearanceStatus.Approved) return Failure.Conflict($"Request {id} is {request.Status}; only an approved request can be reported.");
            if (time.GetUtcNow() > request.ExpiresAt)
                return Failure.Conflict($"The approval of {id} expired at {request.ExpiresAt:yyyy-MM-dd HH:mm} UTC; submit a new request.");
            if (executed && quantity > request.Quantity) return Failure.Invalid($"The executed quantity is more than the {request.Quantity} approved.");
            request.Status = executed ? PreclearanceStatus.Executed : PreclearanceStatus.NotExecuted;
            request.ExecutedPrice = executed ? price : null;
            request.ExecutedQuantity = executed ? quantity : null;
            return null;
        }, ct);
    }

    /// <summary>Marks approvals past their expiry as expired (each one a ledger entry). Returns how many.</summary>
    public async Task<int> ExpireDueAsync(CancellationToken ct = default)
    {
        await using var db = await contexts.CreateDbContextAsync(ct);
        var now = time.GetUtcNow();
        var due = await db.PreclearanceRequests.AsNoTracking()
            .Where(r => r.Status == PreclearanceStatus.Approved && r.ExpiresAt < now).Select(r => r.Id).ToListAsync(ct);
        var expired = 0;
        foreach (var id in due)
        {
            var result = await ChangeAsync(new Actor(SystemReviewer), id, "expired", request =>
            {
                if (request.Status != PreclearanceStatus.Approved || request.ExpiresAt >= time.GetUtcNow()) return Failure.Conflict("no longer due");
                request.Status = PreclearanceStatus.Expired;
                return null;
            }, ct);
            if (result.Error is null) expired++;
        }
        return expired;
    }

    /// <summary>A request its viewer may see: its employee, or a ComplianceOfficer. Null otherwise.</summary>
    public async Task<PreclearanceRequest?> FindAsync(string id, string viewer, bool isOfficer, CancellationToken ct = default)
    {
        await using var db = await contexts.CreateDbContextAsync(ct);
        var request = await db.PreclearanceRequests.AsNoTracking().SingleOrDefaultAsync(r => r.Id == id, ct);
        return request is not null && (isOfficer || request.Employee == viewer) ? request : null;
    }

    public async Task<IReadOnlyList<PreclearanceRequest>> ForEmployeeAsync(string employee, CancellationToken ct = default)
    {
        await using var db = await contexts.CreateDbContextAsync(ct);
        return await db.PreclearanceRequests.AsNoTracking().Where(r => r.Employee == employee)
            .OrderByDescending(r => r.SubmittedAt).Take(200).ToListAsync(ct);
    }

    /// <summary>The ComplianceOfficer's queue: requests waiting for a decision, oldest first.</summary>
    public async Task<IReadOnlyList<PreclearanceRequest>> QueueAsync(CancellationToken ct = default)
    {
        await using var db = await contexts.CreateDbContextAsync(ct);
        return await db.PreclearanceRequests.AsNoTracking().Where(r => r.Status == PreclearanceStatus.PendingReview)
            .OrderBy(r => r.SubmittedAt).ToListAsync(ct);
    }

    private async Task<Outcome<PreclearanceRequest>> ChangeAsync(Actor actor, string id, string action, Func<PreclearanceRequest, Failure?> change, CancellationToken ct)
    {
        await using var db = await contexts.CreateDbContextAsync(ct);
        await using var tx = await ledger.BeginAsync(db, ct);
        // Lock the row: two officers deciding at once cannot both win.
        var request = await db.PreclearanceRequests.FromSql($"SELECT * FROM preclearance_requests WHERE \"Id\" = {id} FOR UPDATE")
            .SingleOrDefaultAsync(ct);
        if (request is null) return Failure.NotFound($"No request {id}.");
        var problem = change(request);
        if (problem is not null) return problem;
        request.UpdatedAt = time.GetUtcNow();
        await db.SaveChangesAsync(ct);
        await log.RecordAsync(tx, actor, LedgerEvent, Describe(request, action), ct: ct);
        await tx.CommitAsync(ct);
        return request;
    }

    private void Decide(PreclearanceRequest request, bool approve, string reviewer, string reasoning, DateTimeOffset now)
    {
        request.Status = approve ? PreclearanceStatus.Approved : PreclearanceStatus.Denied;
        request.Reviewer = reviewer;
        request.Reasoning = reasoning;
        request.ReviewedAt = now;
        request.ExpiresAt = approve ? EndOfNextBusinessDay(now) : null;
    }

    /// <summary>An approval is good for the rest of the day it was given and the next business day (UTC).</summary>
    public DateTimeOffset EndOfNextBusinessDay(DateTimeOffset approvedAt)
    {
        var next = calendar.NextBusinessDay(DateOnly.FromDateTime(approvedAt.UtcDateTime));
        return new DateTimeOffset(next.ToDateTime(TimeOnly.MaxValue), TimeSpan.Zero);
    }

    private static string? Validate(PreclearanceForm form, string security)
    {
        if (!SecurityPattern().IsMatch(security)) return "Enter the security's ticker (letters, digits or '.', up to 10).";
        if (form.Quantity <= 0) return "The quantity must be above zero.";
        if (form.Quantity > 10_000_000) return "The quantity is implausibly large.";
        if (string.IsNullOrWhiteSpace(form.Account)) return "Name the brokerage account.";
        if (form.Account.Length > 60) return "The account is longer than 60 characters.";
        if (string.IsNullOrWhiteSpace(form.Reason)) return "Give a reason for the trade.";
        if (form.Reason.Length > 1000) return "The reason is longer than 1000 characters.";
        return null;
    }

    /// <summary>Days the firm executed trades in <paramref name="security"/> near the intended date, from the ledger.</summary>
    private static async Task<List<DateOnly>> FirmTradeDatesAsync(NpgsqlConnection connection, string security, DateOnly around, CancellationToken ct)
    {
        await using var cmd = new NpgsqlCommand(
            """
            SELECT DISTINCT ("timestamp" AT TIME ZONE 'UTC')::date
            FROM audit_log
            WHERE log_type = 'TRADE' AND event = 'trade_executed'
              AND event_data ? 'asset' AND event_data ->> 'asset' = $1
              AND "timestamp" >= $2 AND "timestamp" < $3
            """, connection);
        cmd.Parameters.Add(new() { Value = security });
        cmd.Parameters.Add(new() { Value = new DateTimeOffset(around.AddDays(-21).ToDateTime(TimeOnly.MinValue), TimeSpan.Zero) });
        cmd.Parameters.Add(new() { Value = new DateTimeOffset(around.AddDays(22).ToDateTime(TimeOnly.MinValue), TimeSpan.Zero) });
        var dates = new List<DateOnly>();
        await using var reader = await cmd.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct)) dates.Add(DateOnly.FromDateTime(reader.GetDateTime(0)));
        return dates;
    }

    private static async Task<string> NextIdAsync(NpgsqlConnection connection, int year, CancellationToken ct)
    {
        await using var cmd = new NpgsqlCommand(
            """
            INSERT INTO preclearance_counters (year, last) VALUES ($1, 1)
            ON CONFLICT (year) DO UPDATE SET last = preclearance_counters.last + 1
            RETURNING last
            """, connection);
        cmd.Parameters.Add(new() { Value = year });
        var n = (int)(await cmd.ExecuteScalarAsync(ct))!;
        return $"PCT-{year}-{n.ToString("D4", CultureInfo.InvariantCulture)}";
    }

    /// <summary>The ledger entry: the seed's personal_trade_preclearance fields plus the workflow's action and status.</summary>
    private static object Describe(PreclearanceRequest r, string action) => new
    {
        request_id = r.Id,
        action,
        status = r.Status.ToString(),
        employee = r.Employee,
        security = r.Security,
        quantity = r.Quantity,
        side = r.Side.ToString().ToLowerInvariant(),
        account = r.Account,
        trade_date = Formats.Day(r.TradeDate),
        reason = r.Reason,
        reviewer = r.Reviewer,
        decision = r.Status switch
        {
            PreclearanceStatus.PendingReview => "pending",
            PreclearanceStatus.Denied => "denied",
            _ => r.Reviewer is null ? null : "approved",
        },
        reasoning = r.Reasoning,
        review_timestamp = r.ReviewedAt is { } at ? CanonicalEntry.FormatTime(at) : null,
        expires_at = r.ExpiresAt is { } e ? CanonicalEntry.FormatTime(e) : null,
        executed_price = r.ExecutedPrice,
        executed_quantity = r.ExecutedQuantity,
        checks = JsonSerializer.Deserialize<JsonElement>(r.ChecksJson),
    };
}
