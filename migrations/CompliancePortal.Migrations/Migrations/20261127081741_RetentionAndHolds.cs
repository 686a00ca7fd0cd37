using Microsoft.EntityFrameworkCore.Migrations;
using Npgsql.EntityFrameworkCore.PostgreSQL.Metadata;

#nullable disable

namespace CompliancePortal.Migrations.Migrations;

/// <inheritdoc />
public partial class RetentionAndHolds : Migration
{
    /// <inheritdoc />
    protected override void Up(MigrationBuilder migrationBuilder)
    {
        migrationBuilder.CreateTable(
            name: "legal_holds",
            columns: table => new
            {
                Id = table.Column<int>(type: "integer", nullable: false)
                    .Annotation("Npgsql:ValueGenerationStrategy", NpgsqlValueGenerationStrategy.IdentityByDefaultColumn),
                FromDay = table.Column<DateOnly>(type: "date", nullable: false),
                ToDay = table.Column<DateOnly>(type: "date", nullable: false),
                LogType = table.Column<string>(type: "character varying(50)", maxLength: 50, nullable: true),
                Asset = table.Column<string>(type: "character varying(20)", maxLength: 20, nullable: true),
                UserId = table.Column<string>(type: "character varying(100)", maxLength: 100, nullable: true),
                Reason = table.Column<string>(type: "character varying(1000)", maxLength: 1000, nullable: false),
                CreatedBy = table.Column<string>(type: "character varying(100)", maxLength: 100, nullable: false),
                CreatedAt = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
                ReleasedBy = table.Column<string>(type: "character varying(100)", maxLength: 100, nullable: true),
                ReleasedAt = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: true),
                ReleaseReason = table.Column<string>(type: "character varying(1000)", maxLength: 1000, nullable: true)
            },
            constraints: table =>
            {
                table.PrimaryKey("PK_legal_holds", x => x.Id);
            });

        migrationBuilder.CreateIndex(
            name: "IX_legal_holds_ReleasedAt",
            table: "legal_holds",
            column: "ReleasedAt");

        migrationBuilder.SqlFile("010_retention.sql");
    }

    /// <inheritdoc />
    protected override void Down(MigrationBuilder migrationBuilder)
    {
        migrationBuilder.DropTable(
            name: "legal_holds");
    }
}
