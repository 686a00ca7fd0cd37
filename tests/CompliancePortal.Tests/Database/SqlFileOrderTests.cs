using System.Text.RegularExpressions;
using CompliancePortal.Tests.Infrastructure;

namespace CompliancePortal.Tests.Database;

/// <summary>The reviewed SQL files run in the order of their numbers, each exactly once (migrations/README.md).</summary>
public sealed partial class SqlFileOrderTests
{
    private static readonly string Migrations = Path.Combine(RepositoryRoot.Path, "migrations", "CompliancePortal.Migrations");

    [Fact]
    public void EveryFile_IsAppliedOnce_InTheOrderOfItsNumber()
    {
        // Migration files are named by their id (a UTC timestamp); EF applies them in that order.
        var applied = Directory.GetFiles(Path.Combine(Migrations, "Migrations"), "*.cs")
            .Where(f => MigrationFile().IsMatch(Path.GetFileName(f)) && !f.EndsWith(".Designer.cs", StringComparison.Ordinal))
            .Order(StringComparer.Ordinal)
            .SelectMany(f => SqlFileCall().Matches(File.ReadAllText(f)).Select(m => m.Groups[1].Value))
            .ToList();
        var shipped = Directory.GetFiles(Path.Combine(Migrations, "Sql"), "*.sql").Select(f => Path.GetFileName(f)).Order(StringComparer.Ordinal).ToList();

        Assert.NotEmpty(applied);
        Assert.Equal(shipped, applied);
    }

    [GeneratedRegex(@"^\d{14}_\w+\.cs$")]
    private static partial Regex MigrationFile();

    [GeneratedRegex(@"SqlFile(?:Migration)?\(""(\d{3}_\w+\.sql)""\)")]
    private static partial Regex SqlFileCall();
}
