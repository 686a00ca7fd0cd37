using System.Text;
using System.Text.Json;

namespace CompliancePortal.Core.Positions;

/// <summary>One thing wrong with a submission: <see cref="Index"/> is the position's place in the array (null for the body).</summary>
public sealed record PositionError(int? Index, string Error);

/// <summary>A valid submission: the date, the positions as compact JSON (numbers as sent) and the seed's totals.</summary>
public sealed record ParsedPositions(DateOnly AsOf, string PositionsJson, int Count, decimal TotalValue, decimal TotalDelta);

/// <summary>
/// Strict reading of <c>{"date":"YYYY-MM-DD","positions":[{"asset":…,"quantity":…,"market_value":…,"delta":…}, …]}</c>:
/// unknown or duplicate fields, missing or mistyped values, implausible numbers and repeated
/// positions are each reported (with the position's index), and any error refuses the whole body.
/// </summary>
public static class PositionParser
{
    public const decimal MaxAmount = 1_000_000_000_000_000m;   // 1e15: beyond any real book; catches unit mistakes

    private static readonly string[] Required = ["asset", "quantity", "market_value", "delta"];
    private static readonly HashSet<string> Numbers = ["quantity", "market_value", "delta", "price"];
    private static readonly Dictionary<string, int> Texts = new() { ["asset"] = 64, ["account"] = 60, ["instrument"] = 64, ["currency"] = 3 };
    private static readonly string AllowedList = string.Join(", ", Required.Concat(["account", "instrument", "price", "currency"]));

    public static (ParsedPositions? Result, IReadOnlyList<PositionError> Errors) Parse(ReadOnlyMemory<byte> body, int maxPositions)
    {
        JsonDocument doc;
        try
        {
            doc = JsonDocument.Parse(body, new JsonDocumentOptions { MaxDepth = 8 });
        }
        catch (JsonException ex)
        {
            return (null, [new PositionError(null, $"the body is not valid JSON: {ex.Message}")]);
        }
        using (doc)
        {
            var errors = new List<PositionError>();
            var root = doc.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
                return (null, [new PositionError(null, "the body must be a JSON object with \"date\" and \"positions\"")]);

            DateOnly? asOf = null;
            JsonElement? positions = null;
            foreach (var (name, value) in Properties(root, null, errors))
            {
                switch (name)
                {
                    case "date":
                        if (value.ValueKind == JsonValueKind.String
                            && Formats.TryParseDay(value.GetString(), out var d))
                            asOf = d;
                        else errors.Add(new(null, "\"date\" must be a string YYYY-MM-DD"));
                        break;
                    case "positions":
                        if (value.ValueKind == JsonValueKind.Array) positions = value;
                        else errors.Add(new(null, "\"positions\" must be an array"));
                        break;
                    default:
                        errors.Add(new(null, $"unknown field \"{name}\" (the body has \"date\" and \"positions\")"));
                        break;
                }
            }
            if (asOf is null && !errors.Any(e => e.Error.StartsWith("\"date\"", StringComparison.Ordinal)))
                errors.Add(new(null, "\"date\" is missing"));
            if (positions is null && !errors.Any(e => e.Error.StartsWith("\"positions\"", StringComparison.Ordinal)))
                errors.Add(new(null, "\"positions\" is missing"));
            if (positions is { } list && list.GetArrayLength() > maxPositions)
                errors.Add(new(null, $"{list.GetArrayLength()} positions are over the limit of {maxPositions} per submission"));
            if (errors.Count > 0) return (null, errors);

            var json = new StringBuilder("[");
            decimal totalValue = 0, totalDelta = 0;
            var seen = new Dictionary<(string?, string, string?), int>();
            var index = 0;
            foreach (var position in positions!.Value.EnumerateArray())
            {
                var before = errors.Count;
                var (value, delta, key) = ReadPosition(position, index, errors);
                if (errors.Count == before)
                {
                    if (seen.TryGetValue(key, out var first))
                        errors.Add(new(index, $"repeats position {first} (same account, asset and instrument)"));
                    else
                    {
                        seen[key] = index;
                        totalValue += value;
                        totalDelta += delta;
                        if (index > 0) json.Append(',');
                        json.Append(position.GetRawText());
                    }
                }
                index++;
            }
            if (errors.Count > 0) return (null, errors);
            return (new ParsedPositions(asOf!.Value, json.Append(']').ToString(), index, totalValue, totalDelta), errors);
        }
    }

    private static (decimal Value, decimal Delta, (string?, string, string?) Key) ReadPosition(JsonElement position, int index, List<PositionError> errors)
    {
        if (position.ValueKind != JsonValueKind.Object)
        {
            errors.Add(new(index, "a position must be a JSON object"));
            return default;
        }
        var fields = new Dictionary<string, JsonElement>();
        foreach (var (name, value) in Properties(position, index, errors)) fields[name] = value;
        foreach (var name in fields.Keys.Where(n => !Numbers.Contains(n) && !Texts.ContainsKey(n)))
            errors.Add(new(index, $"unknown field \"{name}\" (allowed: {AllowedList})"));
        foreach (var name in Required.Where(n => !fields.ContainsKey(n)))
            errors.Add(new(index, $"\"{name}\" is missing"));

        var numbers = new Dictionary<string, decimal>();
        foreach (var (name, value) in fields.Where(f => Numbers.Contains(f.Key)))
        {
            if (value.ValueKind != JsonValueKind.Number) errors.Add(new(index, $"\"{name}\" must be a number"));
            else if (!value.TryGetDecimal(out var number)) errors.Add(new(index, $"\"{name}\" is not a usable decimal number"));
            else if (Math.Abs(number) > MaxAmount) errors.Add(new(index, $"\"{name}\" is implausibly large"));
            else if (name == "quantity" && number == 0) errors.Add(new(index, "\"quantity\" is zero: report open positions only"));
            else if (name == "price" && number < 0) errors.Add(new(index, "\"price\" must not be negative"));
            else numbers[name] = number;
        }
        foreach (var (name, value) in fields.Where(f => Texts.ContainsKey(f.Key)))
        {
            var max = Texts[name];
            if (value.ValueKind != JsonValueKind.String) errors.Add(new(index, $"\"{name}\" must be a string"));
            else if (value.GetString() is not { } text || string.IsNullOrWhiteSpace(text)) errors.Add(new(index, $"\"{name}\" is empty"));
            else if (text.Length > max) errors.Add(new(index, $"\"{name}\" is longer than {max} characters"));
            else if (text.Any(char.IsControl)) errors.Add(new(index, $"\"{name}\" contains control characters"));
        }
        string? Text(string name) => fields.TryGetValue(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;
        return (numbers.GetValueOrDefault("market_value"), numbers.GetValueOrDefault("delta"),
            (Text("account"), Text("asset") ?? "", Text("instrument")));
    }

    /// <summary>The object's properties; a name seen twice is an error (JSON parsers disagree on which one wins).</summary>
    private static IEnumerable<(string Name, JsonElement Value)> Properties(JsonElement obj, int? index, List<PositionError> errors)
    {
        var names = new HashSet<string>(StringComparer.Ordinal);
        foreach (var p in obj.EnumerateObject())
        {
            if (!names.Add(p.Name))
            {
                errors.Add(new(index, $"field \"{p.Name}\" appears twice"));
                continue;
            }
            yield return (p.Name, p.Value);
        }
    }
}
