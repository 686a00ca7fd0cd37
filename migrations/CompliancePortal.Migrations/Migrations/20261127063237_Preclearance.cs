using Microsoft.EntityFrameworkCore.Migrations;
using Npgsql.EntityFrameworkCore.PostgreSQL.Metadata;

#nullable disable

namespace CompliancePortal.Migrations.Migrations;

/// <inheritdoc />
public partial class Preclearance : Migration
{
    /// <inheritdoc />
    protected override void Up(MigrationBuilder migrationBuilder)
    {
        migrationBuilder.CreateTable(
            name: "preclearance_requests",
            columns: table => new
            {
                Id = table.Column<string>(type: "character varying(20)", maxLength: 20, nullable: false),
                Employee = table.Column<string>(type: "character varying(100)", maxLength: 100, nullable: false),
                Security = table.Column<string>(type: "character varying(20)", maxLength: 20, nullable: false),
                Side = table.Column<string>(type: "character varying(4)", maxLength: 4, nullable: false),
                Quantity = table.Column<int>(type: "integer", nullable: false),
                Account = table.Column<string>(type: "character varying(60)", maxLength: 60, nullable: false),
                TradeDate = table.Column<DateOnly>(type: "date", nullable: false),
                Reason = table.Column<string>(type: "character varying(1000)", maxLength: 1000, nullable: false),
                Status = table.Column<string>(type: "character varying(20)", maxLength: 20, nullable: false),
                ChecksJson = table.Column<string>(type: "jsonb", nullable: false),
                Reviewer = table.Column<string>(type: "character varying(100)", maxLength: 100, nullable: true),
                Reasoning = table.Column<string>(type: "character varying(2000)", maxLength: 2000, nullable: true),
                ReviewedAt = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: true),
                ExpiresAt = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: true),
                ExecutedPrice = table.Column<decimal>(type: "numeric(18,6)", precision: 18, scale: 6, nullable: true),
                ExecutedQuantity = table.Column<int>(type: "integer", nullable: true),
                SubmittedAt = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
                UpdatedAt = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false)
            },
            constraints: table =>
            {
                table.PrimaryKey("PK_preclearance_requests", x => x.Id);
            });

        migrationBuilder.CreateTable(
            name: "restricted_list",
            columns: table => new
            {
                Id = table.Column<int>(type: "integer", nullable: false)
                    .Annotation("Npgsql:ValueGenerationStrategy", NpgsqlValueGenerationStrategy.IdentityByDefaultColumn),
                Security = table.Column<string>(type: "character varying(20)", maxLength: 20, nullable: false),
                EffectiveFrom = table.Column<DateOnly>(type: "date", nullable: false),
                EffectiveTo = table.Column<DateOnly>(type: "date", nullable: true),
                Reason = table.Column<string>(type: "character varying(500)", maxLength: 500, nullable: false),
                AddedBy = table.Column<string>(type: "character varying(100)", maxLength: 100, nullable: false),
                AddedAt = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false)
            },
            constraints: table =>
            {
                table.PrimaryKey("PK_restricted_list", x => x.Id);
            });

        migrationBuilder.CreateIndex(
            name: "IX_preclearance_requests_Employee_SubmittedAt",
            table: "preclearance_requests",
            columns: new[] { "Employee", "SubmittedAt" });

        migrationBuilder.CreateIndex(
            name: "IX_preclearance_requests_Status",
            table: "preclearance_requests",
            column: "Status");

        migrationBuilder.CreateIndex(
            name: "IX_restricted_list_Security",
            table: "restricted_list",
            column: "Security");

        migrationBuilder.SqlFile("004_preclearance.sql");
    }

    /// <inheritdoc />
    protected override void Down(MigrationBuilder migrationBuilder)
    {
        migrationBuilder.DropTable(
            name: "preclearance_requests");

        migrationBuilder.DropTable(
            name: "restricted_list");
    }
}
