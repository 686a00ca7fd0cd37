using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace CompliancePortal.Migrations.Migrations;

/// <inheritdoc />
public partial class HangfireSchema : Migration
{
    /// <inheritdoc />
    protected override void Up(MigrationBuilder migrationBuilder)
    {

        migrationBuilder.SqlFile("006_hangfire_schema.sql");
    }

    /// <inheritdoc />
    protected override void Down(MigrationBuilder migrationBuilder)
    {

    }
}
