using System.Reflection;
using Microsoft.EntityFrameworkCore.Migrations;

namespace CompliancePortal.Migrations;

/// <summary>Applies a reviewed .sql file embedded in this assembly (Sql/*.sql) from a migration.</summary>
public static class SqlScript
{
    public static void SqlFile(this MigrationBuilder migrationBuilder, string fileName)
    {
        using var stream = Assembly.GetExecutingAssembly().GetManifestResourceStream($"Sql.{fileName}")
            ?? throw new InvalidOperationException($"embedded SQL file {fileName} is missing");
        using var reader = new StreamReader(stream);
        migrationBuilder.Sql(reader.ReadToEnd());
    }
}

/// <summary>
/// A migration that is one embedded SQL file and nothing in the EF model (triggers, grants,
/// tables only raw SQL reads). Like every migration here it has no Down: the ledger's schema
/// only moves forward.
/// </summary>
public abstract class SqlFileMigration(string fileName) : Migration
{
    protected override void Up(MigrationBuilder migrationBuilder) => migrationBuilder.SqlFile(fileName);

    protected override void Down(MigrationBuilder migrationBuilder)
    {
    }
}
