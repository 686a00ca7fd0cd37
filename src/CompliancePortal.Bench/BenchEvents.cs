using System.Text;
using CompliancePortal.Core.Ledger;
using CompliancePortal.Demo;

namespace CompliancePortal.Bench;

/// <summary>One generated event: its JSON line and the fields the seed's loaders take from it.</summary>
public sealed record BenchEvent(string Json, DateTimeOffset Timestamp, string LogType, string Event, string Tag);

/// <summary>
/// The benchmark's workload: a trading day from <see cref="DemoEvents"/> with a fixed seed, so
/// every contestant and every run gets the same events. Each event carries an event_id (as real
/// sources send, for safe retries) and a unique "bench_tag" string for the full-text check.
/// </summary>
public static class BenchEvents
{
    public const int Seed = 20241008;

    /// <summary>The session the events are spread over (US open to close of a fixed day).</summary>
    public static readonly DateTimeOffset SessionOpen = new(2026, 11, 27, 14, 30, 0, TimeSpan.Zero);

    public static string Tag(int index, string prefix = "b") => $"{prefix}{index + 1:D7}";

    /// <param name="idPrefix">Starts each event_id and bench_tag: warm-up events get their own, so they are not repeats of the measured ones.</param>
    public static BenchEvent[] Generate(int count, string idPrefix = "bench")
    {
        var demo = new DemoEvents(Seed);
        var step = TimeSpan.FromHours(6.5) / Math.Max(1, count);
        var events = new BenchEvent[count];
        for (var i = 0; i < count; i++)
        {
            var at = CanonicalEntry.ToMicroseconds(SessionOpen + step * i);
            var e = demo.Next(at);
            var tag = Tag(i, idPrefix == "bench" ? "b" : "w");
            e["event_id"] = $"{idPrefix}-{i + 1:D7}";
            e["bench_tag"] = tag;
            events[i] = new BenchEvent(e.ToJsonString(), at, (string)e["log_type"]!, (string)e["event"]!, tag);
        }
        return events;
    }

    /// <summary>The events as NDJSON request bodies of <paramref name="batchSize"/> events each.</summary>
    public static (byte[] Body, int Count)[] NdJsonBatches(IReadOnlyList<BenchEvent> events, int batchSize)
    {
        var batches = new List<(byte[], int)>();
        var body = new StringBuilder();
        for (var start = 0; start < events.Count; start += batchSize)
        {
            body.Clear();
            var end = Math.Min(events.Count, start + batchSize);
            for (var i = start; i < end; i++) body.Append(events[i].Json).Append('\n');
            batches.Add((Encoding.UTF8.GetBytes(body.ToString()), end - start));
        }
        return [.. batches];
    }
}
