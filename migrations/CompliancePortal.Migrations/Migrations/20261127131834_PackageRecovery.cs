using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace CompliancePortal.Migrations.Migrations;

/// <inheritdoc />
public partial class PackageRecovery : Migration
{
    /// <inheritdoc />
    protected override void Up(MigrationBuilder migrationBuilder)
    {
        migrationBuilder.AddColumn<Guid>(
            name: "build_attempt",
            table: "compliance_packages",
            type: "uuid",
            nullable: true);

        migrationBuilder.AddColumn<DateTimeOffset>(
            name: "last_activity_at",
            table: "compliance_packages",
            type: "timestamp with time zone",
            nullable: true);
    }

    /// <inheritdoc />
    protected override void Down(MigrationBuilder migrationBuilder)
    {
        migrationBuilder.DropColumn(
            name: "build_attempt",
            table: "compliance_packages");

        migrationBuilder.DropColumn(
            name: "last_activity_at",
            table: "compliance_packages");
    }
}
