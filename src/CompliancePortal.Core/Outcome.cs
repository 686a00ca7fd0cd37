namespace CompliancePortal.Core;

/// <summary>Why an action was refused; the web host maps each kind to one HTTP status (and pages show the message).</summary>
public enum FailureKind
{
    /// <summary>The input is wrong (400): a missing field, a bad date, a rule the request breaks.</summary>
    Invalid,

    /// <summary>The actor may not do this to this record (403).</summary>
    Forbidden,

    /// <summary>No such record, or none this actor may know of (404).</summary>
    NotFound,

    /// <summary>The record's state does not allow it now (409): already decided, day closed, not ready.</summary>
    Conflict,

    /// <summary>It existed and is no longer available (410): an expired package.</summary>
    Gone,

    /// <summary>What is stored fails its own check (500): a file whose hash no longer matches.</summary>
    Damaged,
}

/// <summary>A refusal: its kind and a sentence for the person who asked. Nothing was changed.</summary>
public sealed record Failure(FailureKind Kind, string Message)
{
    public static Failure Invalid(string message) => new(FailureKind.Invalid, message);
    public static Failure Forbidden(string message) => new(FailureKind.Forbidden, message);
    public static Failure NotFound(string message) => new(FailureKind.NotFound, message);
    public static Failure Conflict(string message) => new(FailureKind.Conflict, message);
    public static Failure Gone(string message) => new(FailureKind.Gone, message);
    public static Failure Damaged(string message) => new(FailureKind.Damaged, message);
}

/// <summary>
/// What an action returns: its result, or the <see cref="Failure"/> that refused it (nothing was
/// changed then). An action with nothing to return answers <c>Failure?</c>, null when it was done.
/// </summary>
public sealed class Outcome<T> where T : class
{
    private Outcome(T? value, Failure? failure) => (Value, Failure) = (value, failure);

    public T? Value { get; }

    public Failure? Failure { get; }

    /// <summary>The refusal's message, for pages; null when the action was done.</summary>
    public string? Error => Failure?.Message;

    /// <summary><c>var (value, error) = outcome;</c>: the result, or the refusal's message.</summary>
    public void Deconstruct(out T? value, out string? error) => (value, error) = (Value, Error);

    public static implicit operator Outcome<T>(T value) => new(value, null);

    public static implicit operator Outcome<T>(Failure failure) => new(null, failure);
}
