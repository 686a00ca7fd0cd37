using NCalc;
using NCalc.Exceptions;

namespace CompliancePortal.Core.Alerts;

/// <summary>
/// A rule's condition in the seed's notation (`log_type == 'TRADE' AND slippage_pct > 0.02`),
/// evaluated by NCalc. Names are the entry's fields (<see cref="AlertSubject"/>); a field the
/// entry lacks is null, and a comparison with null is false, so a rule about latency_ms never
/// matches an event without one.
/// </summary>
public sealed class AlertCondition
{
    private const ExpressionOptions Options = ExpressionOptions.AllowNullParameter;

    private AlertCondition(string text) => Text = text;

    public string Text { get; }

    /// <summary>The condition parsed and tried once on an entry with no fields, or null with <paramref name="problem"/> saying why not.</summary>
    public static AlertCondition? Parse(string? text, out string? problem)
    {
        problem = null;
        if (string.IsNullOrWhiteSpace(text))
        {
            problem = "condition is empty";
            return null;
        }
        var condition = new AlertCondition(text.Trim());
        var parsed = new Expression(condition.Text, Options);
        if (parsed.HasErrors())
        {
            problem = $"condition '{condition.Text}' does not parse: {parsed.Error?.Message}";
            return null;
        }
        if (parsed.LogicalExpression is { } tree) condition.FindRequirements(tree);
        try
        {
            // An unknown function only shows when evaluated: try it on an entry without fields.
            if (condition.Evaluate(_ => null) is not (bool or null))
            {
                problem = $"condition '{condition.Text}' is not a test (it must give true or false)";
                return null;
            }
        }
        catch (NCalcFunctionNotFoundException ex)
        {
            problem = $"condition '{condition.Text}' calls an unknown function: {ex.Message}";
            return null;
        }
        catch (NCalcException)
        {
            // Anything else depends on the values of a real entry (e.g. a function given null).
        }
        return condition;
    }

    /// <summary>The log_type the condition requires (a top-level `log_type == '...'` of its ANDs), or null.</summary>
    public string? LogType { get; private set; }

    /// <summary>The event the condition requires (a top-level `event == '...'` of its ANDs), or null.</summary>
    public string? Event { get; private set; }

    /// <summary>True when the entry meets the condition; an error evaluating it (e.g. text where a number is needed) throws.</summary>
    public bool Matches(AlertSubject subject)
    {
        // Most entries are ruled out by their log_type or event alone, without evaluating anything.
        if (Differs(LogType, subject.LogType) || Differs(Event, subject.Event)) return false;
        return Evaluate(name => subject[name]) switch
        {
            bool b => b,
            var other => throw new InvalidOperationException($"condition '{Text}' gave {other ?? "null"}, not true or false"),
        };
    }

    private object? Evaluate(Func<string, object?> value)
    {
        // An Expression is not thread-safe; a new one per evaluation is cheap because NCalc
        // caches the parsed form of the text.
        var expression = new Expression(Text, Options);
        expression.EvaluateParameter += (name, args) => args.Result = value(name);
        return expression.Evaluate();
    }

    /// <summary>
    /// Notes `log_type == 'X'` and `event == 'Y'` among the condition's top-level ANDs: an entry
    /// with another value cannot match. Only printable ASCII literals, compared ordinally, where
    /// NCalc's own (culture) comparison gives the same answer.
    /// </summary>
    private void FindRequirements(LogicalExpression tree)
    {
        switch (tree)
        {
            case BinaryExpression { Type: BinaryExpressionType.And } and:
                FindRequirements(and.LeftExpression);
                FindRequirements(and.RightExpression);
                break;
            case BinaryExpression { Type: BinaryExpressionType.Equal, LeftExpression: Identifier field, RightExpression: ValueExpression { Value: string value } }
                when IsPlainAscii(value):
                if (field.Name == "log_type") LogType = value;
                else if (field.Name == "event") Event = value;
                break;
        }
    }

    private static bool Differs(string? required, string actual) =>
        required is not null && IsPlainAscii(actual) && !string.Equals(required, actual, StringComparison.Ordinal);

    private static bool IsPlainAscii(string text) => !text.AsSpan().ContainsAnyExceptInRange(' ', '~');

    public override string ToString() => Text;
}
