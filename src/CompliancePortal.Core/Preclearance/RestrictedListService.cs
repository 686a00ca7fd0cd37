using CompliancePortal.Core.Audit;
using CompliancePortal.Core.Data;
using CompliancePortal.Core.Ledger;
using Microsoft.EntityFrameworkCore;

namespace CompliancePortal.Core.Preclearance;

/// <summary>
/// The restricted list, kept by the ComplianceOfficer. Entries are added with effective dates and
/// ended, never deleted; each change and its ledger entry commit together.
/// </summary>
public sealed class RestrictedListService(IDbContextFactory<PortalDbContext> contexts, ILedgerAppend ledger, UserActionLog log, TimeProvider time)
{
    public async Task<IReadOnlyList<RestrictedSecurity>> ListAsync(CancellationToken ct = default)
    {
        await using var db = await contexts.CreateDbContextAsync(ct);
        return await db.RestrictedList.AsNoTracking().OrderBy(r => r.Security).ThenByDescending(r => r.EffectiveFrom).ToListAsync(ct);
    }

    /// <summary>Null when added; otherwise why not (nothing was stored).</summary>
    public async Task<Failure?> AddAsync(Actor officer, string security, DateOnly from, DateOnly? to, string reason, CancellationToken ct = default)
    {
        security = security.Trim().ToUpperInvariant();
        if (security.Length is 0 or > 20) return Failure.Invalid("Enter the security's ticker.");
        if (to is not null && to < from) return Failure.Invalid("The entry ends before it starts.");
        if (string.IsNullOrWhiteSpace(reason)) return Failure.Invalid("Give the reason for the restriction.");
        var entry = new RestrictedSecurity
        {
            Security = security, EffectiveFrom = from, EffectiveTo = to, Reason = reason.Trim(),
            AddedBy = officer.UserName, AddedAt = time.GetUtcNow(),
        };
        await using var db = await contexts.CreateDbContextAsync(ct);
        await using var tx = await ledger.BeginAsync(db, ct);
        db.RestrictedList.Add(entry);
        await db.SaveChangesAsync(ct);
        await log.RecordAsync(tx, officer, "restricted_list_added",
            new { security, effective_from = Formats.Day(from), effective_to = Formats.Day(to), reason = entry.Reason }, ct: ct);
        await tx.CommitAsync(ct);
        return null;
    }

    /// <summary>Ends an entry on <paramref name="lastDay"/> (inclusive).</summary>
    public async Task<Failure?> EndAsync(Actor officer, int id, DateOnly lastDay, CancellationToken ct = default)
    {
        await using var db = await contexts.CreateDbContextAsync(ct);
        await using var tx = await ledger.BeginAsync(db, ct);
        var entry = await db.RestrictedList.SingleOrDefaultAsync(r => r.Id == id, ct);
        if (entry is null) return Failure.NotFound("No such entry.");
        if (lastDay < entry.EffectiveFrom) return Failure.Invalid("An entry cannot end before it starts.");
        entry.EffectiveTo = lastDay;
        await db.SaveChangesAsync(ct);
        await log.RecordAsync(tx, officer, "restricted_list_ended",
            new { security = entry.Security, effective_from = Formats.Day(entry.EffectiveFrom), effective_to = Formats.Day(lastDay) }, ct: ct);
        await tx.CommitAsync(ct);
        return null;
    }
}
