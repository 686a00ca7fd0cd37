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
