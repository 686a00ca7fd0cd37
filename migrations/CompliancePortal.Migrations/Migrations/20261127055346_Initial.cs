using Microsoft.EntityFrameworkCore.Migrations;
using Npgsql.EntityFrameworkCore.PostgreSQL.Metadata;

#nullable disable

namespace CompliancePortal.Migrations.Migrations;

/// <inheritdoc />
public partial class Initial : Migration
{
    /// <inheritdoc />
    protected override void Up(MigrationBuilder migrationBuilder)
    {
        migrationBuilder.CreateTable(
            name: "api_keys",
            columns: table => new
            {
                id = table.Column<int>(type: "integer", nullable: false)
                    .Annotation("Npgsql:ValueGenerationStrategy", NpgsqlValueGenerationStrategy.IdentityByDefaultColumn),
                name = table.Column<string>(type: "character varying(100)", maxLength: 100, nullable: false),
                key_hash = table.Column<string>(type: "character(64)", fixedLength: true, maxLength: 64, nullable: false),
                log_types = table.Column<string[]>(type: "text[]", nullable: false),
                can_verify = table.Column<bool>(type: "boolean", nullable: false),
                created_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
                revoked_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: true)
            },
            constraints: table =>
            {
                table.PrimaryKey("PK_api_keys", x => x.id);
            });

        migrationBuilder.CreateIndex(
            name: "IX_api_keys_key_hash",
            table: "api_keys",
            column: "key_hash",
            unique: true);

        migrationBuilder.CreateIndex(
            name: "IX_api_keys_name",
            table: "api_keys",
            column: "name",
            unique: true);

        migrationBuilder.SqlFile("001_ledger.sql");
        migrationBuilder.SqlFile("002_api_keys_grants.sql");
    }

    /// <inheritdoc />
    protected override void Down(MigrationBuilder migrationBuilder)
    {
        // The ledger is never rolled back: dropping it would destroy records kept for seven years.
        throw new NotSupportedException("The initial ledger migration cannot be reverted.");
    }
}
