using Microsoft.EntityFrameworkCore.Migrations;
using Npgsql.EntityFrameworkCore.PostgreSQL.Metadata;

#nullable disable

namespace CompliancePortal.Migrations.Migrations;

/// <inheritdoc />
public partial class SnapshotsAndPackages : Migration
{
    /// <inheritdoc />
    protected override void Up(MigrationBuilder migrationBuilder)
    {
        migrationBuilder.CreateTable(
            name: "compliance_packages",
            columns: table => new
            {
                id = table.Column<Guid>(type: "uuid", nullable: false),
                requested_by = table.Column<string>(type: "character varying(100)", maxLength: 100, nullable: false),
                requested_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
                from_date = table.Column<DateOnly>(type: "date", nullable: false),
                to_date = table.Column<DateOnly>(type: "date", nullable: false),
                sections = table.Column<string[]>(type: "text[]", nullable: false),
                status = table.Column<string>(type: "character varying(20)", maxLength: 20, nullable: false),
                progress_percent = table.Column<int>(type: "integer", nullable: false),
                archive_key = table.Column<string>(type: "character varying(512)", maxLength: 512, nullable: true),
                sha256 = table.Column<string>(type: "character(64)", fixedLength: true, maxLength: 64, nullable: true),
                size_bytes = table.Column<long>(type: "bigint", nullable: true),
                completed_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: true),
                expires_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: true),
                error = table.Column<string>(type: "character varying(2000)", maxLength: 2000, nullable: true)
            },
            constraints: table =>
            {
                table.PrimaryKey("PK_compliance_packages", x => x.id);
            });

        migrationBuilder.CreateTable(
            name: "position_snapshot_misses",
            columns: table => new
            {
                date = table.Column<DateOnly>(type: "date", nullable: false),
                recorded_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
                ledger_seq = table.Column<long>(type: "bigint", nullable: false)
            },
            constraints: table =>
            {
                table.PrimaryKey("PK_position_snapshot_misses", x => x.date);
            });

        migrationBuilder.CreateTable(
            name: "position_submissions",
            columns: table => new
            {
                id = table.Column<long>(type: "bigint", nullable: false)
                    .Annotation("Npgsql:ValueGenerationStrategy", NpgsqlValueGenerationStrategy.IdentityByDefaultColumn),
                as_of = table.Column<DateOnly>(type: "date", nullable: false),
                received_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
                source = table.Column<string>(type: "character varying(200)", maxLength: 200, nullable: false),
                position_count = table.Column<int>(type: "integer", nullable: false),
                total_value = table.Column<decimal>(type: "numeric", nullable: false),
                total_delta = table.Column<decimal>(type: "numeric", nullable: false),
                positions = table.Column<string>(type: "json", nullable: false),
                positions_sha256 = table.Column<string>(type: "character(64)", fixedLength: true, maxLength: 64, nullable: false)
            },
            constraints: table =>
            {
                table.PrimaryKey("PK_position_submissions", x => x.id);
            });

        migrationBuilder.CreateTable(
            name: "position_snapshots",
            columns: table => new
            {
                date = table.Column<DateOnly>(type: "date", nullable: false),
                taken_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
                submission_id = table.Column<long>(type: "bigint", nullable: false),
                total_count = table.Column<int>(type: "integer", nullable: false),
                total_value = table.Column<decimal>(type: "numeric", nullable: false),
                total_delta = table.Column<decimal>(type: "numeric", nullable: false),
                archive_key = table.Column<string>(type: "character varying(512)", maxLength: 512, nullable: false),
                sha256 = table.Column<string>(type: "character(64)", fixedLength: true, maxLength: 64, nullable: false),
                ledger_seq = table.Column<long>(type: "bigint", nullable: false)
            },
            constraints: table =>
            {
                table.PrimaryKey("PK_position_snapshots", x => x.date);
                table.ForeignKey(
                    name: "FK_position_snapshots_position_submissions_submission_id",
                    column: x => x.submission_id,
                    principalTable: "position_submissions",
                    principalColumn: "id",
                    onDelete: ReferentialAction.Restrict);
            });

        migrationBuilder.CreateIndex(
            name: "IX_compliance_packages_requested_by_requested_at",
            table: "compliance_packages",
            columns: new[] { "requested_by", "requested_at" });

        migrationBuilder.CreateIndex(
            name: "IX_compliance_packages_status_expires_at",
            table: "compliance_packages",
            columns: new[] { "status", "expires_at" });

        migrationBuilder.CreateIndex(
            name: "IX_position_snapshots_submission_id",
            table: "position_snapshots",
            column: "submission_id");

        migrationBuilder.CreateIndex(
            name: "IX_position_submissions_as_of_id",
            table: "position_submissions",
            columns: new[] { "as_of", "id" });

        migrationBuilder.SqlFile("009_snapshots_packages.sql");
    }

    /// <inheritdoc />
    protected override void Down(MigrationBuilder migrationBuilder)
    {
        migrationBuilder.DropTable(
            name: "compliance_packages");

        migrationBuilder.DropTable(
            name: "position_snapshot_misses");

        migrationBuilder.DropTable(
            name: "position_snapshots");

        migrationBuilder.DropTable(
            name: "position_submissions");
    }
}
