using System.Text.Json;
using CompliancePortal.Core.Audit;
using Npgsql;

namespace CompliancePortal.Core.ComplianceLogs;

public sealed record PolicyViolation(string Employee, string Policy, string Severity, string Description, string ActionTaken);

public sealed record TrainingCompletion(string Employee, string Course, DateOnly CompletedOn, int? Score);

public sealed record AnnualReview(int ReviewYear, string Scope, string Findings, string Conclusion);

/// <summary>One recorded compliance activity as listed on the page.</summary>
public sealed record ComplianceRecord(long Seq, DateTime Timestamp, string Event, string RecordedBy, JsonElement Data);

/// <summary>
/// The seed's other compliance logs: policy violations, training completions and annual reviews.
/// Each is a COMPLIANCE ledger entry and nothing else: the ledger is their book of record, and
/// the audit search finds them like any other event.
/// </summary>
public sealed class ComplianceRecords(UserActionLog log, NpgsqlDataSource db)
{
    public const string PolicyViolationEvent = "policy_violation";
    public const string TrainingCompletedEvent = "training_completed";
    public const string AnnualReviewEvent = "annual_review";
    public static readonly string[] Events = [PolicyViolationEvent, TrainingCompletedEvent, AnnualReviewEvent];
    public static readonly string[] Severities = ["low", "medium", "high"];

    public async Task<Failure?> RecordAsync(Actor officer, PolicyViolation v)
    {
        if (Blank(v.Employee, v.Policy, v.Description, v.ActionTaken)) return Failure.Invalid("Fill in employee, policy, description and action taken.");
        if (!Severities.Contains(v.Severity)) return Failure.Invalid("Choose a severity: low, medium or high.");
        await log.RecordAsync(officer, PolicyViolationEvent, new
        {
            employee = v.Employee.Trim(), policy = v.Policy.Trim(), severity = v.Severity,
            description = v.Description.Trim(), action_taken = v.ActionTaken.Trim(),
        });
        return null;
    }

    public async Task<Failure?> RecordAsync(Actor officer, TrainingCompletion t)
    {
        if (Blank(t.Employee, t.Course)) return Failure.Invalid("Fill in employee and course.");
        if (t.Score is < 0 or > 100) return Failure.Invalid("A score is between 0 and 100.");
        await log.RecordAsync(officer, TrainingCompletedEvent, new
        {
            employee = t.Employee.Trim(), course = t.Course.Trim(), completed_on = Formats.Day(t.CompletedOn), score = t.Score,
        });
        return null;
    }

    public async Task<Failure?> RecordAsync(Actor officer, AnnualReview r)
    {
        if (Blank(r.Scope, r.Findings, r.Conclusion)) return Failure.Invalid("Fill in scope, findings and conclusion.");
        if (r.ReviewYear is < 2000 or > 2100) return Failure.Invalid("Give the year the review covers.");
        await log.RecordAsync(officer, AnnualReviewEvent, new
        {
            review_year = r.ReviewYear, scope = r.Scope.Trim(), findings = r.Findings.Trim(), conclusion = r.Conclusion.Trim(),
        });
        return null;
    }

    /// <summary>The latest records of one kind, newest first.</summary>
    public async Task<IReadOnlyList<ComplianceRecord>> RecentAsync(string @event, int limit = 100, CancellationToken ct = default)
    {
        await using var cmd = db.CreateCommand(
            """
            SELECT seq, "timestamp", event, coalesce(user_id, source), event_data
            FROM audit_log WHERE log_type = 'COMPLIANCE' AND event = $1
            ORDER BY "timestamp" DESC, seq DESC LIMIT $2
            """);
        cmd.Parameters.Add(new() { Value = @event });
        cmd.Parameters.Add(new() { Value = limit });
        var rows = new List<ComplianceRecord>();
        await using var reader = await cmd.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
            rows.Add(new ComplianceRecord(reader.GetInt64(0), reader.GetDateTime(1), reader.GetString(2), reader.GetString(3),
                JsonDocument.Parse(reader.GetString(4)).RootElement.Clone()));
        return rows;
    }

    private static bool Blank(params string[] values) => values.Any(string.IsNullOrWhiteSpace);
}
