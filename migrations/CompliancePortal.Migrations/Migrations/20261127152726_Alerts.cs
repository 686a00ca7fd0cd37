using Microsoft.EntityFrameworkCore.Migrations;
using Npgsql.EntityFrameworkCore.PostgreSQL.Metadata;

#nullable disable

namespace CompliancePortal.Migrations.Migrations;

/// <inheritdoc />
public partial class Alerts : Migration
{
    /// <inheritdoc />
    protected override void Up(MigrationBuilder migrationBuilder)
    {
        migrationBuilder.CreateTable(
            name: "alerts",
            columns: table => new
            {
                Id = table.Column<long>(type: "bigint", nullable: false)
                    .Annotation("Npgsql:ValueGenerationStrategy", NpgsqlValueGenerationStrategy.IdentityByDefaultColumn),
                Rule = table.Column<string>(type: "character varying(100)", maxLength: 100, nullable: false),
                Severity = table.Column<string>(type: "character varying(20)", maxLength: 20, nullable: false),
                Seq = table.Column<long>(type: "bigint", nullable: false),
                LogType = table.Column<string>(type: "character varying(50)", maxLength: 50, nullable: false),
                Event = table.Column<string>(type: "character varying(100)", maxLength: 100, nullable: false),
                Message = table.Column<string>(type: "character varying(500)", maxLength: 500, nullable: false),
                Notification = table.Column<string>(type: "character varying(200)", maxLength: 200, nullable: false),
                ResponseTime = table.Column<string>(type: "character varying(50)", maxLength: 50, nullable: false),
                RaisedAt = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
                DueAt = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
                Status = table.Column<string>(type: "character varying(20)", maxLength: 20, nullable: false),
                AcknowledgedBy = table.Column<string>(type: "character varying(100)", maxLength: 100, nullable: true),
                AcknowledgedAt = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: true),
                Note = table.Column<string>(type: "character varying(2000)", maxLength: 2000, nullable: true),
                LedgerSeq = table.Column<long>(type: "bigint", nullable: true)
            },
            constraints: table =>
            {
                table.PrimaryKey("PK_alerts", x => x.Id);
            });

        migrationBuilder.CreateTable(
            name: "alert_deliveries",
            columns: table => new
            {
                Id = table.Column<long>(type: "bigint", nullable: false)
                    .Annotation("Npgsql:ValueGenerationStrategy", NpgsqlValueGenerationStrategy.IdentityByDefaultColumn),
                AlertId = table.Column<long>(type: "bigint", nullable: false),
                Channel = table.Column<string>(type: "character varying(50)", maxLength: 50, nullable: false),
                Status = table.Column<string>(type: "character varying(20)", maxLength: 20, nullable: false),
                Attempts = table.Column<int>(type: "integer", nullable: false),
                NextAttemptAt = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
                SentAt = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: true),
                LastError = table.Column<string>(type: "character varying(1000)", maxLength: 1000, nullable: true)
            },
            constraints: table =>
            {
                table.PrimaryKey("PK_alert_deliveries", x => x.Id);
                table.ForeignKey(
                    name: "FK_alert_deliveries_alerts_AlertId",
                    column: x => x.AlertId,
                    principalTable: "alerts",
                    principalColumn: "Id",
                    onDelete: ReferentialAction.Restrict);
            });

        migrationBuilder.CreateIndex(
            name: "IX_alert_deliveries_AlertId_Channel",
            table: "alert_deliveries",
            columns: new[] { "AlertId", "Channel" },
            unique: true);

        migrationBuilder.CreateIndex(
            name: "IX_alert_deliveries_Status_NextAttemptAt",
            table: "alert_deliveries",
            columns: new[] { "Status", "NextAttemptAt" });

        migrationBuilder.CreateIndex(
            name: "IX_alerts_RaisedAt",
            table: "alerts",
            column: "RaisedAt");

        migrationBuilder.CreateIndex(
            name: "IX_alerts_Rule_Seq",
            table: "alerts",
            columns: new[] { "Rule", "Seq" },
            unique: true);

        migrationBuilder.CreateIndex(
            name: "IX_alerts_Status_RaisedAt",
            table: "alerts",
            columns: new[] { "Status", "RaisedAt" });

        migrationBuilder.CreateIndex(
            name: "IX_alerts_unrecorded",
            table: "alerts",
            column: "Id",
            filter: "\"LedgerSeq\" IS NULL");

        migrationBuilder.SqlFile("011_alerts.sql");
    }

    /// <inheritdoc />
    protected override void Down(MigrationBuilder migrationBuilder)
    {
        migrationBuilder.Sql("DROP TABLE alert_cursor;");
        migrationBuilder.DropTable(
            name: "alert_deliveries");

        migrationBuilder.DropTable(
            name: "alerts");
    }
}
