using System.Text.RegularExpressions;
using CompliancePortal.Core.Audit;
using CompliancePortal.Core.Data;
using CompliancePortal.Core.Ledger;
using Microsoft.EntityFrameworkCore;

namespace CompliancePortal.Core.Retention;

/// <summary>What the ComplianceOfficer fills in to place a hold.</summary>
public sealed record LegalHoldForm(DateOnly? FromDay, DateOnly? ToDay, string? LogType, string? Asset, string? UserId, string? Reason);

/// <summary>
/// Places and releases legal holds. Only ComplianceOfficers reach these calls (pages and API
/// check the role); each change and its COMPLIANCE ledger entry commit in one transaction.
/// Every refusal returns its reason and changes nothing.
/// </summary>
public sealed partial class LegalHoldService(IDbContextFactory<PortalDbContext> contexts, ILedgerAppend ledger, UserActionLog log, TimeProvider time)
{
    public const string CreatedEvent = "legal_hold_created";
    public const string ReleasedEvent = "legal_hold_released";

    [GeneratedRegex("^[A-Z][A-Z0-9.]{0,19}$")]
    private static partial Regex AssetPattern();

    public async Task<IReadOnlyList<LegalHold>> ListAsync(CancellationToken ct = default)
    {
        await using var db = await contexts.CreateDbContextAsync(ct);
        return await db.LegalHolds.AsNoTracking()
            .OrderBy(h => h.ReleasedAt != null).ThenByDescending(h => h.CreatedAt).ToListAsync(ct);
    }

    public async Task<Outcome<LegalHold>> CreateAsync(Actor officer, LegalHoldForm form, CancellationToken ct = default)
    {
        var logType = string.IsNullOrWhiteSpace(form.LogType) ? null : form.LogType.Trim().ToUpperInvariant();
        var asset = string.IsNullOrWhiteSpace(form.Asset) ? null : form.Asset.Trim().ToUpperInvariant();
        var userId = string.IsNullOrWhiteSpace(form.UserId) ? null : form.UserId.Trim();
        var problem =
            form.FromDay is null || form.ToDay is null ? "Choose the first and the last day the hold covers."
            : form.ToDay < form.FromDay ? "The hold ends before it starts."
            : logType is not null && !LogTypes.IsKnown(logType) ? $"'{logType}' is not a log type ({string.Join(", ", LogTypes.All)})."
            : asset is not null && !AssetPattern().IsMatch(asset) ? "The asset is a ticker: letters, digits or '.', up to 20."
            : userId is not null && userId.Length > 100 ? "The user id is longer than 100 characters."
            : string.IsNullOrWhiteSpace(form.Reason) ? "Give the reason for the hold (matter, request or case)."
            : form.Reason.Trim().Length > 1000 ? "The reason is longer than 1000 characters."
            : null;
        if (problem is not null) return Failure.Invalid(problem);

        var hold = new LegalHold
        {
            FromDay = form.FromDay!.Value, ToDay = form.ToDay!.Value, LogType = logType, Asset = asset, UserId = userId,
            Reason = form.Reason!.Trim(), CreatedBy = officer.UserName, CreatedAt = time.GetUtcNow(),
        };
        await using var db = await contexts.CreateDbContextAsync(ct);
        await using var tx = await ledger.BeginAsync(db, ct);
        db.LegalHolds.Add(hold);
        await db.SaveChangesAsync(ct);
        await log.RecordAsync(tx, officer, CreatedEvent, Describe(hold), ct: ct);
        await tx.CommitAsync(ct);
        return hold;
    }

    public async Task<Outcome<LegalHold>> ReleaseAsync(Actor officer, int id, string? reason, CancellationToken ct = default)
    {
        if (string.IsNullOrWhiteSpace(reason)) return Failure.Invalid("Give the reason for releasing the hold.");
        if (reason.Trim().Length > 1000) return Failure.Invalid("The reason is longer than 1000 characters.");
        await using var db = await contexts.CreateDbContextAsync(ct);
        await using var tx = await ledger.BeginAsync(db, ct);
        // Locked: two officers releasing at once cannot both record a release.
        var hold = await db.LegalHolds.FromSql($"SELECT * FROM legal_holds WHERE \"Id\" = {id} FOR UPDATE").SingleOrDefaultAsync(ct);
        if (hold is null) return Failure.NotFound($"No legal hold {id}.");
        if (!hold.IsActive) return Failure.Conflict($"Legal hold {id} was already released on {hold.ReleasedAt:yyyy-MM-dd} by {hold.ReleasedBy}.");
        hold.ReleasedAt = time.GetUtcNow();
        hold.ReleasedBy = officer.UserName;
        hold.ReleaseReason = reason.Trim();
        await db.SaveChangesAsync(ct);
        await log.RecordAsync(tx, officer, ReleasedEvent, Describe(hold), ct: ct);
        await tx.CommitAsync(ct);
        return hold;
    }

    private static object Describe(LegalHold h) => new
    {
        hold_id = h.Id,
        from_day = Formats.Day(h.FromDay),
        to_day = Formats.Day(h.ToDay),
        log_type = h.LogType,
        asset = h.Asset,
        hold_user_id = h.UserId,
        reason = h.Reason,
        created_by = h.CreatedBy,
        released_by = h.ReleasedBy,
        release_reason = h.ReleaseReason,
    };
}
