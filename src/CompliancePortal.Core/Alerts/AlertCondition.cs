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

    /// <summary>True when the entry meets the condition; an error evaluating it (e.g. text where a number is needed) throws.</summary>
    public bool Matches(AlertSubject subject) =>
        Evaluate(name => subject[name]) switch
        {
            bool b => b,
            var other => throw new InvalidOperationException($"condition '{Text}' gave {other ?? "null"}, not true or false"),
        };

    private object? Evaluate(Func<string, object?> value)
    {
        // An Expression is not thread-safe; a new one per evaluation is cheap because NCalc
        // caches the parsed form of the text.
        var expression = new Expression(Text, Options);
        expression.EvaluateParameter += (name, args) => args.Result = value(name);
        return expression.Evaluate();
    }

    public override string ToString() => Text;
}
