using System.IO.Compression;
using System.Runtime.CompilerServices;
using System.Text;
using System.Text.Json;
using CompliancePortal.Core.Archive;
using CompliancePortal.Core.Audit;
using CompliancePortal.Core.Blotter;
using CompliancePortal.Core.Data;
using CompliancePortal.Core.Ledger;
using CompliancePortal.Core.Ledger.Checkpoints;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Npgsql;

namespace CompliancePortal.Core.Packages;

/// <summary>
/// Builds one requested package: streams each section's rows from PostgreSQL straight into ZIP
/// entries of a temporary file (hashing every byte as it is written), adds README.md and
/// manifest.json, uploads the ZIP to the archive store and marks the package ready with a
/// COMPLIANCE <c>compliance_package_built</c> entry in the same transaction. Memory stays flat
/// whatever the period holds: no section is ever held whole.
/// </summary>
public sealed class PackageBuilder(NpgsqlDataSource db, IDbContextFactory<PortalDbContext> contexts, TradeBlotter blotter,
    IArchiveStore store, ILedgerAppend ledger, UserActionLog log, IPackageProgressSink progress, CheckpointWriter checkpoints, NoteSigner signer,
    IOptions<PackageOptions> options, TimeProvider time, ILogger<PackageBuilder> logger)
{
    public static readonly Actor Job = new("job:package-build");

    private readonly PackageLedgerReads _ledger = new(db);

    public static string ArchiveKey(CompliancePackage package) => $"packages/{package.Id:N}/{package.FileName}";

    /// <summary>The section rules written into the manifest (what each section was taken from).</summary>
    public static readonly IReadOnlyDictionary<string, string> SectionRules = new Dictionary<string, string>
    {
        [PackageSections.TradeBlotters] = "TRADE/trade_executed entries, one CSV per UTC day of the period",
        [PackageSections.PositionSnapshots] = "the archived end-of-day snapshot of each date of the period that has one",
        [PackageSections.NavCalculations] = "log_type NAV",
        [PackageSections.FeeCalculations] = "event name containing 'fee' (case-insensitive), any log type",
        [PackageSections.RiskEvents] = "log_type RISK",
        [PackageSections.ComplianceLogs] = "log_type COMPLIANCE",
        [PackageSections.EmailArchive] = "log_type COMMUNICATION, and the archived raw message of each email_archived entry (checked against the SHA-256 in the entry); omitted when the period has none",
    };

    private static readonly IReadOnlyDictionary<string, (string Path, string Filter)> LedgerSections = new Dictionary<string, (string, string)>
    {
        [PackageSections.NavCalculations] = ("nav_calculations/nav_calculations.ndjson", "log_type = 'NAV'"),
        [PackageSections.FeeCalculations] = ("fee_calculations/fee_calculations.ndjson", "event ILIKE '%fee%'"),
        [PackageSections.RiskEvents] = ("risk_events/risk_events.ndjson", "log_type = 'RISK'"),
        [PackageSections.ComplianceLogs] = ("compliance_logs/compliance_logs.ndjson", "log_type = 'COMPLIANCE'"),
        [PackageSections.EmailArchive] = ("email_archive/communications.ndjson", "log_type = 'COMMUNICATION'"),
    };

    /// <summary>
    /// Builds the package if this run can claim it (Queued → Building, atomically: a duplicate or
    /// re-fetched job finds it taken and does nothing). While it runs it beats every
    /// <see cref="PackageOptions.HeartbeatInterval"/>, so a build whose process died is told apart
    /// from a slow one and queued again. A failure marks it failed (with a ledger entry) rather than retrying.
    /// </summary>
    public async Task BuildAsync(Guid id, CancellationToken ct = default)
    {
        var attempt = Guid.NewGuid();
        if (!await ClaimAsync(id, attempt, ct)) return;
        // Also cancelled by the heartbeat when another run has taken the package over (this one was
        // judged stalled): this run then stops instead of building to the end for nothing.
        using var building = CancellationTokenSource.CreateLinkedTokenSource(ct);
        using var beating = CancellationTokenSource.CreateLinkedTokenSource(ct);
        var heartbeat = BeatAsync(id, attempt, building, beating.Token);
        var temp = Path.Combine(Path.GetTempPath(), $"cp-package-{id:N}-{attempt:N}.zip");
        try
        {
            await BuildClaimedAsync(id, attempt, temp, building.Token);
        }
        catch (OperationCanceledException) when (building.IsCancellationRequested && !ct.IsCancellationRequested)
        {
            logger.LogWarning("Compliance package {Id}: another run took the build over; build {Attempt} stopped", id, attempt);
        }
        finally
        {
            await beating.CancelAsync();
            await heartbeat;
            File.Delete(temp);
        }
    }

    private async Task BuildClaimedAsync(Guid id, Guid attempt, string temp, CancellationToken ct)
    {
        await using var context = await contexts.CreateDbContextAsync(ct);
        var package = await context.CompliancePackages.SingleAsync(p => p.Id == id, ct);
        await progress.ReportAsync(new PackageProgress(id, PackageStatus.Building, 0, "counting records"));
        try
        {
            var manifest = await WriteZipAsync(package, attempt, temp, ct);
            await PublishAsync(context, package, attempt, manifest, temp, ct);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            logger.LogError(ex, "Compliance package {Id} failed", id);
            await FailAsync(context, package, attempt, ex.Message, ct);
        }
    }

    /// <summary>Queued → Building for this run; false when the package is settled or another run holds it.</summary>
    private async Task<bool> ClaimAsync(Guid id, Guid attempt, CancellationToken ct)
    {
        await using var cmd = db.CreateCommand(
            "UPDATE compliance_packages SET status = 'Building', progress_percent = 0, build_attempt = $2, last_activity_at = $3 " +
            "WHERE id = $1 AND status = 'Queued'");
        cmd.Parameters.Add(new() { Value = id });
        cmd.Parameters.Add(new() { Value = attempt });
        cmd.Parameters.Add(new() { Value = time.GetUtcNow() });
        return await cmd.ExecuteNonQueryAsync(ct) == 1;
    }

    private async Task BeatAsync(Guid id, Guid attempt, CancellationTokenSource building, CancellationToken ct)
    {
        while (!ct.IsCancellationRequested)
        {
            try
            {
                await Task.Delay(options.Value.HeartbeatInterval, time, ct);
                if (await TouchAsync(id, attempt, null)) continue;
                await building.CancelAsync();
                return;
            }
            catch (OperationCanceledException) { return; }
            catch (Exception ex) when (ex is NpgsqlException or TimeoutException)
            {
                logger.LogWarning(ex, "Compliance package {Id}: heartbeat failed", id);
            }
        }
    }

    private async Task<PackageManifest> WriteZipAsync(CompliancePackage package, Guid attempt, string path, CancellationToken ct)
    {
        var from = Midnight(package.FromDate);
        var before = Midnight(package.ToDate.AddDays(1));
        // Everything is read up to the head as it is now: records committed during the build are left
        // out of every section and of the segment alike, so the files agree with each other.
        var head = await _ledger.HeadAsync(ct);
        var counts = await _ledger.CountAsync(from, before, head, ct);
        var snapshots = package.Sections.Contains(PackageSections.PositionSnapshots)
            ? await SnapshotsAsync(package, ct) : [];
        var emails = package.Sections.Contains(PackageSections.EmailArchive)
            ? await _ledger.EmailMessagesAsync(from, before, head, ct) : [];
        var tracker = new ProgressTracker(progress.ReportAsync, (id, percent) => TouchAsync(id, attempt, percent), package.Id,
            counts.Total(package.Sections) + snapshots.Count + emails.Count);

        var files = new List<PackageFile>();
        var omitted = new List<OmittedSection>();
        await using var file = new FileStream(path, FileMode.Create, FileAccess.ReadWrite, FileShare.None, 81920, useAsync: true);
        using (var zip = new ZipArchive(file, ZipArchiveMode.Create, leaveOpen: true))
        {
            foreach (var section in package.Sections)
            {
                if (section == PackageSections.TradeBlotters)
                {
                    await tracker.StageAsync("trade blotters");
                    for (var day = package.FromDate; day <= package.ToDate; day = day.AddDays(1))
                    {
                        var rows = Bounded(blotter.RowsAsync(day, day, ct), head, tracker, ct);
                        files.Add(await WriteEntryAsync(zip, $"trade_blotters/blotter_{day:yyyy-MM-dd}.csv", section,
                            async s => (await TradeBlotter.WriteCsvAsync(rows, s, ct)).Rows, ct));
                    }
                }
                else if (section == PackageSections.PositionSnapshots)
                {
                    await tracker.StageAsync("position snapshots");
                    foreach (var (date, key, sha) in snapshots)
                        files.Add(await CopyArchivedAsync(zip, $"position_snapshots/positions_{date:yyyy-MM-dd}.json", section, key, sha,
                            $"the snapshot of {date:yyyy-MM-dd}", tracker, ct));
                    if (snapshots.Count == 0) omitted.Add(new(section, "no position snapshot was taken in the period"));
                }
                else if (LedgerSections.TryGetValue(section, out var spec))
                {
                    if (section == PackageSections.EmailArchive && counts.Communications == 0)
                    {
                        omitted.Add(new(section, "the period has no COMMUNICATION records"));
                        continue;
                    }
                    await tracker.StageAsync(section.Replace('_', ' '));
                    files.Add(await WriteEntryAsync(zip, spec.Path, section,
                        s => _ledger.WriteCanonicalLinesAsync(s, spec.Filter, from, before, head, tracker, ct), ct));
                    if (section == PackageSections.EmailArchive)
                        foreach (var (key, sha) in emails)
                            files.Add(await CopyArchivedAsync(zip, $"email_archive/messages/{sha}.eml", section, key, sha,
                                $"the archived email {sha}", tracker, ct));
                }
            }

            await tracker.StageAsync("ledger segment");
            LedgerSegment? segment = null;
            files.Add(await WriteEntryAsync(zip, "ledger/ledger.ndjson", "ledger", async s =>
            {
                segment = await _ledger.WriteSegmentAsync(s, counts, from, before, tracker, ct);
                return segment.Entries;
            }, ct));

            await tracker.StageAsync("ledger proof");
            var proof = await PackageProof.WriteAsync(db, checkpoints, signer, segment!, head, ct);
            foreach (var (proofPath, text) in proof.Files)
                files.Add(await WriteTextAsync(zip, proofPath, "ledger", text, ct));
            files.Add(await WriteTextAsync(zip, PackageProof.VerifierScript, "verifier", PackageProof.VerifierScriptText(), ct));

            var present = package.Sections.Where(s => omitted.All(o => o.Section != s)).ToList();
            files.Add(await WriteTextAsync(zip, "README.md", "readme", PackageReadme.Text(package, present), ct));

            var manifest = new PackageManifest("compliance-package/1", package.Id, package.RequestedBy,
                CanonicalEntry.FormatTime(package.RequestedAt), CanonicalEntry.FormatTime(time.GetUtcNow()),
                Formats.Day(package.FromDate), Formats.Day(package.ToDate),
                "UTC days, both inclusive, by each record's event timestamp", present, omitted,
                SectionRules.Where(r => package.Sections.Contains(r.Key)).ToDictionary(), head, segment!, proof.Checkpoint, files);
            var manifestBytes = JsonSerializer.SerializeToUtf8Bytes(manifest, new JsonSerializerOptions
            {
                WriteIndented = true,
                Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
            });
            await WriteEntryAsync(zip, "manifest.json", "manifest", async s =>
            {
                await s.WriteAsync(manifestBytes, ct);
                return 0;
            }, ct);
            await WriteTextAsync(zip, "manifest.sig", "manifest", PackageProof.SignManifest(package.Id, manifestBytes, signer), ct);
            return manifest;
        }
    }

    /// <summary>An archived file copied into the package as it is stored; a missing file, or one whose bytes no longer hash as recorded, fails the build.</summary>
    private async Task<PackageFile> CopyArchivedAsync(ZipArchive zip, string path, string section, string key, string sha256, string what,
        ProgressTracker tracker, CancellationToken ct)
    {
        var written = await WriteEntryAsync(zip, path, section, async s =>
        {
            await using var source = await store.OpenReadAsync(key, ct)
                ?? throw new InvalidOperationException($"{what} ({key}) is missing from the archive");
            await source.CopyToAsync(s, ct);
            await tracker.AdvanceAsync(1);
            return 1;
        }, ct);
        return written.Sha256 == sha256 ? written
            : throw new InvalidOperationException($"{what} ({key}) no longer matches its recorded SHA-256");
    }

    private static async Task<PackageFile> WriteEntryAsync(ZipArchive zip, string path, string section, Func<Stream, Task<long>> write, CancellationToken ct)
    {
        var entry = zip.CreateEntry(path, CompressionLevel.Fastest);
        await using var raw = entry.Open();
        await using var hashing = new HashingWriteStream(raw);
        var records = await write(hashing);
        await hashing.FlushAsync(ct);
        return new PackageFile(path, section, hashing.BytesWritten, hashing.Sha256(), records);
    }

    private static Task<PackageFile> WriteTextAsync(ZipArchive zip, string path, string section, string text, CancellationToken ct) =>
        WriteEntryAsync(zip, path, section, async s =>
        {
            await s.WriteAsync(Encoding.UTF8.GetBytes(text), ct);
            return 0;
        }, ct);

    private static async IAsyncEnumerable<BlotterRow> Bounded(IAsyncEnumerable<BlotterRow> rows, long head, ProgressTracker tracker,
        [EnumeratorCancellation] CancellationToken ct)
    {
        await foreach (var row in rows.WithCancellation(ct))
        {
            if (row.Seq > head) continue;
            await tracker.AdvanceAsync(1);
            yield return row;
        }
    }

    private async Task PublishAsync(PortalDbContext context, CompliancePackage package, Guid attempt, PackageManifest manifest, string temp, CancellationToken ct)
    {
        await progress.ReportAsync(new PackageProgress(package.Id, PackageStatus.Building, 99, "storing the package"));
        var sha = await ArchiveHashes.OfFileAsync(temp, ct);
        var size = new FileInfo(temp).Length;
        var key = ArchiveKey(package);
        if (!await TouchAsync(package.Id, attempt, 99)) return;
        // A build interrupted after its upload left an object no ledger entry names: replace it.
        if (await store.ExistsAsync(key, ct)) await store.DeleteAsync(key, ct);
        await using (var upload = File.OpenRead(temp)) await store.PutAsync(key, upload, "application/zip", ct: ct);

        var now = time.GetUtcNow();
        await using var tx = await ledger.BeginAsync(context, ct);
        if (!await HoldsAsync(context, package.Id, attempt, ct)) return;
        package.Status = PackageStatus.Ready;
        package.ProgressPercent = 100;
        package.ArchiveKey = key;
        package.Sha256 = sha;
        package.SizeBytes = size;
        package.CompletedAt = now;
        package.ExpiresAt = now + options.Value.ExpiresAfter;
        await context.SaveChangesAsync(ct);
        await log.RecordAsync(tx, Job, PackageService.BuiltEvent, new
        {
            package_id = package.Id,
            requested_by = package.RequestedBy,
            from = Formats.Day(package.FromDate),
            to = Formats.Day(package.ToDate),
            sections = manifest.Sections,
            sha256 = sha,
            bytes = size,
            archive_key = key,
            files = manifest.Files.Count,
            ledger_first_seq = manifest.LedgerSegment.FirstSeq,
            ledger_last_seq = manifest.LedgerSegment.LastSeq,
            ledger_first_previous_hash = manifest.LedgerSegment.FirstPreviousHash,
            ledger_last_current_hash = manifest.LedgerSegment.LastCurrentHash,
            expires_at = CanonicalEntry.FormatTime(package.ExpiresAt.Value),
        }, ct: ct);
        await tx.CommitAsync(ct);
        await progress.ReportAsync(new PackageProgress(package.Id, PackageStatus.Ready, 100, "ready"));
    }

    private async Task FailAsync(PortalDbContext context, CompliancePackage package, Guid attempt, string error, CancellationToken ct)
    {
        context.ChangeTracker.Clear();
        await using var tx = await ledger.BeginAsync(context, ct);
        if (!await HoldsAsync(context, package.Id, attempt, ct)) return;
        var current = await context.CompliancePackages.SingleAsync(p => p.Id == package.Id, ct);
        current.Status = PackageStatus.Failed;
        current.Error = error.Length > 2000 ? error[..2000] : error;
        await context.SaveChangesAsync(ct);
        await log.RecordAsync(tx, Job, PackageService.FailedEvent,
            new { package_id = package.Id, requested_by = package.RequestedBy, error = current.Error }, ct: ct);
        await tx.CommitAsync(ct);
        await progress.ReportAsync(new PackageProgress(package.Id, PackageStatus.Failed, current.ProgressPercent, current.Error));
    }

    /// <summary>
    /// This run's sign of life (and its percent, when given). False when the package is no longer
    /// this run's: it was queued again as stalled, and another run builds it now.
    /// </summary>
    private async Task<bool> TouchAsync(Guid id, Guid attempt, int? percent)
    {
        await using var cmd = db.CreateCommand(
            "UPDATE compliance_packages SET last_activity_at = $3, progress_percent = COALESCE($4, progress_percent) " +
            "WHERE id = $1 AND build_attempt = $2 AND status = 'Building'");
        cmd.Parameters.Add(new() { Value = id });
        cmd.Parameters.Add(new() { Value = attempt });
        cmd.Parameters.Add(new() { Value = time.GetUtcNow() });
        cmd.Parameters.Add(new NpgsqlParameter<int?> { TypedValue = percent, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Integer });
        var ours = await cmd.ExecuteNonQueryAsync() == 1;
        if (!ours) logger.LogWarning("Compliance package {Id}: build {Attempt} no longer holds it; it stops", id, attempt);
        return ours;
    }

    /// <summary>Locks the row (in the caller's transaction) and says whether this run still holds the build.</summary>
    private static async Task<bool> HoldsAsync(PortalDbContext context, Guid id, Guid attempt, CancellationToken ct)
    {
        var holder = await context.Database.SqlQuery<Guid?>(
            $"SELECT build_attempt AS \"Value\" FROM compliance_packages WHERE id = {id} AND status = 'Building' FOR UPDATE").ToListAsync(ct);
        return holder is [{ } held] && held == attempt;
    }

    private async Task<List<(DateOnly Date, string Key, string Sha)>> SnapshotsAsync(CompliancePackage package, CancellationToken ct)
    {
        await using var context = await contexts.CreateDbContextAsync(ct);
        return (await context.PositionSnapshots.AsNoTracking()
                .Where(s => s.Date >= package.FromDate && s.Date <= package.ToDate).OrderBy(s => s.Date)
                .Select(s => new { s.Date, s.ArchiveKey, s.Sha256 }).ToListAsync(ct))
            .Select(s => (s.Date, s.ArchiveKey, s.Sha256)).ToList();
    }

    private static DateTimeOffset Midnight(DateOnly day) => new(day.ToDateTime(TimeOnly.MinValue), TimeSpan.Zero);
}
