using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using CompliancePortal.Core.Data;
using CompliancePortal.Core.Ledger;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Npgsql;

namespace CompliancePortal.Core.Positions;

/// <summary>What the trading system gets back for an accepted submission.</summary>
public sealed record SubmissionReceipt(long SubmissionId, DateOnly Date, int TotalCount, decimal TotalValue, decimal TotalDelta,
    string PositionsSha256, long LedgerSeq);

/// <summary>
/// Accepts the trading system's position submissions. Each one is an append-only row and a
/// POSITION <c>positions_submitted</c> ledger entry, committed together. A date is open until its
/// end-of-day deadline; after that (or once its snapshot exists) it is closed and nothing is stored.
/// </summary>
public sealed class PositionBook(IDbContextFactory<PortalDbContext> contexts, ILedgerAppend ledger,
    IOptions<PositionsOptions> options, TimeProvider time)
{
    public const string SubmittedEvent = "positions_submitted";

    public async Task<Outcome<SubmissionReceipt>> SubmitAsync(string source, ParsedPositions positions, CancellationToken ct = default)
    {
        var settings = options.Value;
        await using var db = await contexts.CreateDbContextAsync(ct);
        await using var tx = await ledger.BeginAsync(db, ct);
        // Serialises this date's submissions with its snapshot: none can slip in while the book is frozen.
        await PositionLocks.LockDayAsync(tx.Connection, positions.AsOf, ct);

        var now = time.GetUtcNow();
        var today = DateOnly.FromDateTime(now.UtcDateTime);
        if (positions.AsOf > today)
            return Failure.Conflict($"{positions.AsOf:yyyy-MM-dd} is in the future (today is {today:yyyy-MM-dd} UTC).");
        if (now >= settings.DeadlineOf(positions.AsOf) || await db.PositionSnapshots.AnyAsync(s => s.Date == positions.AsOf, ct))
            return Failure.Conflict($"{positions.AsOf:yyyy-MM-dd} is closed: its end-of-day deadline ({settings.EndOfDayUtc:HH\\:mm} UTC) has passed and its snapshot is (or is about to be) frozen.");

        var submission = new PositionSubmission
        {
            AsOf = positions.AsOf,
            ReceivedAt = now,
            Source = source,
            PositionCount = positions.Count,
            TotalValue = positions.TotalValue,
            TotalDelta = positions.TotalDelta,
            PositionsJson = positions.PositionsJson,
            PositionsSha256 = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(positions.PositionsJson))),
        };
        db.PositionSubmissions.Add(submission);
        await db.SaveChangesAsync(ct);
        var receipts = await tx.AppendAsync(source, [PositionLedger.Entry(SubmittedEvent, new
        {
            submission_id = submission.Id,
            date = Formats.Day(submission.AsOf),
            total_count = submission.PositionCount,
            total_value = submission.TotalValue,
            total_delta = submission.TotalDelta,
            positions_sha256 = submission.PositionsSha256,
        }, LogTypes.Position, now)], ct);
        await tx.CommitAsync(ct);
        return new SubmissionReceipt(submission.Id, submission.AsOf, submission.PositionCount, submission.TotalValue,
            submission.TotalDelta, submission.PositionsSha256, receipts[0].Seq);
    }
}

internal static class PositionLocks
{
    private const int Namespace = 0x504f53;   // "POS": keeps these advisory locks apart from any other feature's

    public static async Task LockDayAsync(NpgsqlConnection connection, DateOnly day, CancellationToken ct)
    {
        await using var cmd = new NpgsqlCommand("SELECT pg_advisory_xact_lock($1, $2)", connection);
        cmd.Parameters.Add(new() { Value = Namespace });
        cmd.Parameters.Add(new() { Value = day.DayNumber });
        await cmd.ExecuteNonQueryAsync(ct);
    }
}

/// <summary>Ledger entries written by the positions feature (keys in snake_case like every other entry).</summary>
internal static class PositionLedger
{
    private static readonly JsonSerializerOptions Json = new()
    {
        Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    public static LedgerEvent Entry(string @event, object data, string logType, DateTimeOffset now)
    {
        var at = CanonicalEntry.ToMicroseconds(now);
        return new LedgerEvent(logType, @event, at, null, null, null, null, JsonSerializer.SerializeToUtf8Bytes(data, Json), at);
    }
}
