using System.Security.Cryptography;
using System.Text.Json;
using CompliancePortal.Core.Archive;
using CompliancePortal.Core.Audit;
using CompliancePortal.Core.Calendar;
using CompliancePortal.Core.Data;
using CompliancePortal.Core.Ledger;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace CompliancePortal.Core.Positions;

/// <summary>What the snapshot job did for one date.</summary>
public sealed record SnapshotOutcome(DateOnly Date, bool Missing, PositionSnapshot? Snapshot);

/// <summary>
/// The end-of-day freeze. For every date whose deadline has passed (looking back
/// <see cref="PositionsOptions.CatchUpDays"/>) and that is not settled yet: the day's latest
/// submission becomes the snapshot — the seed's JSON document in the archive store
/// (<c>positions/YYYY/positions_YYYY-MM-DD.json</c>), a <c>position_snapshots</c> row and a POSITION
/// <c>position_snapshot</c> ledger entry carrying the totals, the document's SHA-256 and its key, the
/// last two committed together. A business day (MarketCalendar) with no submission is a COMPLIANCE
/// <c>position_snapshot_missing</c> exception, recorded once. Reruns change nothing.
/// </summary>
public sealed class PositionSnapshotter(IDbContextFactory<PortalDbContext> contexts, IArchiveStore store, ILedgerAppend ledger, UserActionLog log,
    IOptions<PositionsOptions> options, MarketCalendar calendar)
{
    public const string SnapshotEvent = "position_snapshot";
    public const string MissingEvent = "position_snapshot_missing";
    public static readonly Actor Job = new("job:position-snapshot");

    public static string ArchiveKey(DateOnly day) => $"positions/{day:yyyy}/{PositionSnapshots.FileName(day)}";

    public async Task<IReadOnlyList<SnapshotOutcome>> RunAsync(DateTimeOffset now, CancellationToken ct = default)
    {
        var settings = options.Value;
        var outcomes = new List<SnapshotOutcome>();
        var today = DateOnly.FromDateTime(now.UtcDateTime);
        for (var day = today.AddDays(-settings.CatchUpDays); day <= today; day = day.AddDays(1))
        {
            if (now < settings.DeadlineOf(day)) continue;
            if (await SettleAsync(day, now, ct) is { } outcome) outcomes.Add(outcome);
        }
        return outcomes;
    }

    /// <summary>Freezes <paramref name="day"/> (or records it as missing); null when it was already settled or needs nothing.</summary>
    public async Task<SnapshotOutcome?> SettleAsync(DateOnly day, DateTimeOffset now, CancellationToken ct = default)
    {
        await using var db = await contexts.CreateDbContextAsync(ct);
        await using var tx = await ledger.BeginAsync(db, ct);
        await PositionLocks.LockDayAsync(tx.Connection, day, ct);
        if (await db.PositionSnapshots.AnyAsync(s => s.Date == day, ct)) return null;

        var latest = await db.PositionSubmissions.AsNoTracking().Where(s => s.AsOf == day)
            .OrderByDescending(s => s.Id).FirstOrDefaultAsync(ct);
        if (latest is null)
        {
            if (!calendar.IsBusinessDay(day)) return null;
            if (await db.MissedPositionDays.AnyAsync(m => m.Date == day, ct)) return null;
            var deadline = options.Value.DeadlineOf(day);
            var receipt = await log.RecordAsync(tx, Job, MissingEvent, new
            {
                date = Formats.Day(day),
                deadline = CanonicalEntry.FormatTime(deadline),
                severity = "exception",
                detail = $"no position submission for {Formats.Day(day)} by the end-of-day deadline; no snapshot was taken",
            }, LogTypes.Compliance, ct);
            db.MissedPositionDays.Add(new MissedPositionDay { Date = day, RecordedAt = now, LedgerSeq = receipt.Seq });
            await db.SaveChangesAsync(ct);
            await tx.CommitAsync(ct);
            return new SnapshotOutcome(day, true, null);
        }

        var document = Document(day, options.Value.DeadlineOf(day), latest);
        var sha = Convert.ToHexStringLower(SHA256.HashData(document));
        var key = ArchiveKey(day);
        await StoreAsync(key, document, sha, ct);
        var snapshot = new PositionSnapshot
        {
            Date = day,
            TakenAt = now,
            SubmissionId = latest.Id,
            TotalCount = latest.PositionCount,
            TotalValue = latest.TotalValue,
            TotalDelta = latest.TotalDelta,
            ArchiveKey = key,
            Sha256 = sha,
        };
        var entry = await log.RecordAsync(tx, Job, SnapshotEvent, new
        {
            date = Formats.Day(day),
            total_count = snapshot.TotalCount,
            total_value = snapshot.TotalValue,
            total_delta = snapshot.TotalDelta,
            sha256 = sha,
            archive_key = key,
            submission_id = latest.Id,
        }, LogTypes.Position, ct);
        snapshot.LedgerSeq = entry.Seq;
        db.PositionSnapshots.Add(snapshot);
        await db.SaveChangesAsync(ct);
        await tx.CommitAsync(ct);
        return new SnapshotOutcome(day, false, snapshot);
    }

    /// <summary>
    /// The seed's snapshot document (date, timestamp, positions, total_count, total_value,
    /// total_delta) plus the submission it froze. <c>timestamp</c> is the day's deadline, the moment the
    /// book is "as of", so a rerun after a crash rebuilds the same bytes.
    /// </summary>
    public static byte[] Document(DateOnly day, DateTimeOffset asOf, PositionSubmission submission)
    {
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = true, Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
        {
            json.WriteStartObject();
            json.WriteString("date", Formats.Day(day));
            json.WriteString("timestamp", CanonicalEntry.FormatTime(asOf));
            json.WritePropertyName("positions");
            json.WriteStartArray();
            using (var positions = JsonDocument.Parse(submission.PositionsJson))
                foreach (var p in positions.RootElement.EnumerateArray()) json.WriteRawValue(p.GetRawText(), skipInputValidation: true);
            json.WriteEndArray();
            json.WriteNumber("total_count", submission.PositionCount);
            json.WriteNumber("total_value", submission.TotalValue);
            json.WriteNumber("total_delta", submission.TotalDelta);
            json.WriteNumber("submission_id", submission.Id);
            json.WriteString("submitted_at", CanonicalEntry.FormatTime(submission.ReceivedAt));
            json.WriteString("source", submission.Source);
            json.WriteEndObject();
        }
        buffer.WriteByte((byte)'\n');
        return buffer.ToArray();
    }

    /// <summary>Writes the document once; an object left by an interrupted run must be the same bytes, else the job fails loudly.</summary>
    private async Task StoreAsync(string key, byte[] document, string sha, CancellationToken ct)
    {
        if (!await store.ExistsAsync(key, ct))
            await store.PutAsync(key, new MemoryStream(document), "application/json", ct: ct);
        var storedSha = await ArchiveHashes.OfObjectOrNullAsync(store, key, ct) ?? throw new InvalidOperationException($"{key} is missing after upload");
        if (storedSha != sha)
            throw new InvalidOperationException($"{key} exists with different content ({storedSha}, expected {sha}); the snapshot was not recorded");
    }
}
