namespace CompliancePortal.Core.Alerts;

/// <summary>
/// A rule that raises only when its condition is met <see cref="Count"/> times within
/// <see cref="Within"/> by entries with the same value of <see cref="Per"/> (the seed's
/// "more than 5 errors of the same type in 5 minutes"): `repeat: {count: 6, within: 5_minutes, per: event}`.
/// The alert is raised on the entry that completes the count, and counting starts again after it.
/// </summary>
public sealed record AlertRepeat(int Count, TimeSpan Within, string Per);

/// <summary>
/// Counts one repeat rule's matches by receive time. Entries arrive in seq order, whose receive
/// times only grow, so each key keeps a queue of the times still inside the window.
/// </summary>
public sealed class RepeatCounter(AlertRepeat repeat)
{
    private readonly Dictionary<string, Queue<DateTimeOffset>> _seen = new(StringComparer.Ordinal);

    /// <summary>Counts a matching entry; true when it completes the count (the counter for its key then starts again).</summary>
    public bool Add(AlertSubject subject)
    {
        var key = subject[repeat.Per]?.ToString() ?? "";
        if (!_seen.TryGetValue(key, out var times)) _seen[key] = times = new Queue<DateTimeOffset>();
        while (times.Count > 0 && times.Peek() <= subject.ReceivedAt - repeat.Within) times.Dequeue();
        times.Enqueue(subject.ReceivedAt);
        if (times.Count < repeat.Count) return false;
        _seen.Remove(key);
        return true;
    }

    public void Clear() => _seen.Clear();
}
