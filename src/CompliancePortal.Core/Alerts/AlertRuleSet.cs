using YamlDotNet.Core;
using YamlDotNet.Serialization;
using YamlDotNet.Serialization.NamingConventions;

namespace CompliancePortal.Core.Alerts;

/// <summary>The rules file is not valid; the message names the file, the rule and what is wrong.</summary>
public sealed class AlertRulesException(string message) : Exception(message);

/// <summary>
/// The alert rules, read from a YAML file in the seed's shape (config/alerts.yaml): under
/// `alerts:`, one list of rules per severity, each rule with name, condition, notification and
/// response_time. Every problem is reported at load, so a portal never runs with a rule that
/// cannot work. Rules whose condition is not about single entries (the seed's
/// `timestamp == '16:30:00'` daily summary) are not alert rules here.
/// </summary>
public sealed class AlertRuleSet(IReadOnlyList<AlertRule> rules)
{
    public IReadOnlyList<AlertRule> Rules { get; } = rules;

    public static AlertRuleSet Empty { get; } = new([]);

    public static AlertRuleSet Load(string path)
    {
        if (!File.Exists(path)) throw new AlertRulesException($"Alert rules file {path} does not exist (setting Alerts:RulesFile).");
        return Parse(File.ReadAllText(path), path);
    }

    public static AlertRuleSet Parse(string yaml, string origin)
    {
        RulesFile? file;
        try
        {
            file = new DeserializerBuilder().WithNamingConvention(UnderscoredNamingConvention.Instance).Build()
                .Deserialize<RulesFile?>(yaml);
        }
        catch (YamlException ex)
        {
            throw new AlertRulesException($"{origin}: not a valid rules file at line {ex.Start.Line}: {(ex.InnerException ?? ex).Message}");
        }
        var problems = new List<string>();
        var rules = new List<AlertRule>();
        foreach (var (severity, list) in file?.Alerts ?? [])
        {
            if (!AlertSeverities.All.Contains(severity))
            {
                problems.Add($"severity '{severity}' is not one of {string.Join(", ", AlertSeverities.All)}");
                continue;
            }
            foreach (var (rule, index) in (list ?? []).Select((r, i) => (r, i)))
            {
                var name = rule.Name?.Trim();
                var where = string.IsNullOrEmpty(name) ? $"{severity} rule {index + 1}" : $"rule '{name}'";
                if (string.IsNullOrEmpty(name)) problems.Add($"{where} has no name");
                else if (rules.Any(r => r.Name == name)) problems.Add($"{where} is defined twice");
                var condition = AlertCondition.Parse(rule.Condition, out var conditionProblem);
                if (conditionProblem is not null) problems.Add($"{where}: {conditionProblem}");
                var responseTime = AlertResponseTime.Parse(rule.ResponseTime, out var timeProblem);
                if (timeProblem is not null) problems.Add($"{where}: {timeProblem}");
                var notification = (rule.Notification ?? []).Select(n => n.Trim()).Where(n => n.Length > 0).ToList();
                var repeat = RepeatOf(rule.Repeat, out var repeatProblem);
                if (repeatProblem is not null) problems.Add($"{where}: {repeatProblem}");
                if (condition is not null && responseTime is not null && !string.IsNullOrEmpty(name) && repeatProblem is null)
                    rules.Add(new AlertRule(name, severity, condition, notification, responseTime, repeat));
            }
        }
        if (problems.Count > 0) throw new AlertRulesException($"{origin}: {string.Join("; ", problems)}");
        return new AlertRuleSet(rules);
    }

    private static AlertRepeat? RepeatOf(RepeatEntry? entry, out string? problem)
    {
        problem = null;
        if (entry is null) return null;
        var within = AlertResponseTime.ParseSpan(entry.Within);
        if (entry.Count is not (>= 2 and <= 10_000)) problem = "repeat count must be a whole number from 2 to 10000";
        else if (within is null) problem = $"repeat within '{entry.Within}' is not N_minutes or N_hours";
        else return new AlertRepeat(entry.Count.Value, within.Value, string.IsNullOrWhiteSpace(entry.Per) ? "event" : entry.Per.Trim());
        return null;
    }

    private sealed class RulesFile
    {
        public Dictionary<string, List<RuleEntry>?>? Alerts { get; set; }
    }

    private sealed class RuleEntry
    {
        public string? Name { get; set; }
        public string? Condition { get; set; }
        public List<string>? Notification { get; set; }
        public string? ResponseTime { get; set; }
        public RepeatEntry? Repeat { get; set; }
    }

    private sealed class RepeatEntry
    {
        public int? Count { get; set; }
        public string? Within { get; set; }
        public string? Per { get; set; }
    }
}
