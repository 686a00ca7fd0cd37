using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace CompliancePortal.Migrations.Migrations;

/// <inheritdoc />
public partial class BlotterAndCertification : Migration
{
    /// <inheritdoc />
    protected override void Up(MigrationBuilder migrationBuilder)
    {
        migrationBuilder.CreateTable(
            name: "log_certifications",
            columns: table => new
            {
                Day = table.Column<DateOnly>(type: "date", nullable: false),
                CertifiedBy = table.Column<string>(type: "character varying(100)", maxLength: 100, nullable: false),
                CertifiedAt = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
                CertificationData = table.Column<string>(type: "jsonb", nullable: false),
                LedgerSeq = table.Column<long>(type: "bigint", nullable: false)
            },
            constraints: table =>
            {
                table.PrimaryKey("PK_log_certifications", x => x.Day);
            });

        migrationBuilder.CreateTable(
            name: "trade_blotters",
            columns: table => new
            {
                Day = table.Column<DateOnly>(type: "date", nullable: false),
                ArchiveKey = table.Column<string>(type: "character varying(200)", maxLength: 200, nullable: false),
                Rows = table.Column<int>(type: "integer", nullable: false),
                Sha256 = table.Column<string>(type: "character(64)", fixedLength: true, maxLength: 64, nullable: false),
                GeneratedAt = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
                GeneratedBy = table.Column<string>(type: "character varying(100)", maxLength: 100, nullable: false),
                LedgerSeq = table.Column<long>(type: "bigint", nullable: false)
            },
            constraints: table =>
            {
                table.PrimaryKey("PK_trade_blotters", x => x.Day);
            });

        migrationBuilder.SqlFile("007_blotter_certification.sql");
    }

    /// <inheritdoc />
    protected override void Down(MigrationBuilder migrationBuilder)
    {
        migrationBuilder.DropTable(
            name: "log_certifications");

        migrationBuilder.DropTable(
            name: "trade_blotters");
    }
}
