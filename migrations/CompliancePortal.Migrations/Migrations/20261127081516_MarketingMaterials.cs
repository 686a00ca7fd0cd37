using Microsoft.EntityFrameworkCore.Migrations;
using Npgsql.EntityFrameworkCore.PostgreSQL.Metadata;

#nullable disable

namespace CompliancePortal.Migrations.Migrations;

/// <inheritdoc />
public partial class MarketingMaterials : Migration
{
    /// <inheritdoc />
    protected override void Up(MigrationBuilder migrationBuilder)
    {
        migrationBuilder.CreateTable(
            name: "marketing_materials",
            columns: table => new
            {
                Id = table.Column<long>(type: "bigint", nullable: false),
                Owner = table.Column<string>(type: "character varying(100)", maxLength: 100, nullable: false),
                Title = table.Column<string>(type: "character varying(200)", maxLength: 200, nullable: false),
                Audience = table.Column<string>(type: "character varying(100)", maxLength: 100, nullable: false),
                CurrentVersion = table.Column<int>(type: "integer", nullable: false),
                Status = table.Column<string>(type: "character varying(20)", maxLength: 20, nullable: false),
                Reviewer = table.Column<string>(type: "character varying(100)", maxLength: 100, nullable: true),
                ReviewedAt = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: true),
                CreatedAt = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
                UpdatedAt = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false)
            },
            constraints: table =>
            {
                table.PrimaryKey("PK_marketing_materials", x => x.Id);
            });

        migrationBuilder.CreateTable(
            name: "marketing_material_versions",
            columns: table => new
            {
                Id = table.Column<long>(type: "bigint", nullable: false)
                    .Annotation("Npgsql:ValueGenerationStrategy", NpgsqlValueGenerationStrategy.IdentityByDefaultColumn),
                MaterialId = table.Column<long>(type: "bigint", nullable: false),
                Version = table.Column<int>(type: "integer", nullable: false),
                Title = table.Column<string>(type: "character varying(200)", maxLength: 200, nullable: false),
                Audience = table.Column<string>(type: "character varying(100)", maxLength: 100, nullable: false),
                FileName = table.Column<string>(type: "character varying(255)", maxLength: 255, nullable: false),
                ContentType = table.Column<string>(type: "character varying(100)", maxLength: 100, nullable: false),
                SizeBytes = table.Column<long>(type: "bigint", nullable: false),
                Sha256 = table.Column<string>(type: "character(64)", fixedLength: true, maxLength: 64, nullable: false),
                ArchiveKey = table.Column<string>(type: "character varying(512)", maxLength: 512, nullable: false),
                UploadedBy = table.Column<string>(type: "character varying(100)", maxLength: 100, nullable: false),
                UploadedAt = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false)
            },
            constraints: table =>
            {
                table.PrimaryKey("PK_marketing_material_versions", x => x.Id);
                table.UniqueConstraint("AK_marketing_material_versions_MaterialId_Version", x => new { x.MaterialId, x.Version });
                table.ForeignKey(
                    name: "FK_marketing_material_versions_marketing_materials_MaterialId",
                    column: x => x.MaterialId,
                    principalTable: "marketing_materials",
                    principalColumn: "Id",
                    onDelete: ReferentialAction.Restrict);
            });

        migrationBuilder.CreateTable(
            name: "marketing_material_reviews",
            columns: table => new
            {
                Id = table.Column<long>(type: "bigint", nullable: false)
                    .Annotation("Npgsql:ValueGenerationStrategy", NpgsqlValueGenerationStrategy.IdentityByDefaultColumn),
                MaterialId = table.Column<long>(type: "bigint", nullable: false),
                Version = table.Column<int>(type: "integer", nullable: false),
                Approved = table.Column<bool>(type: "boolean", nullable: false),
                Reviewer = table.Column<string>(type: "character varying(100)", maxLength: 100, nullable: false),
                Comments = table.Column<string>(type: "character varying(2000)", maxLength: 2000, nullable: false),
                DecidedAt = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false)
            },
            constraints: table =>
            {
                table.PrimaryKey("PK_marketing_material_reviews", x => x.Id);
                table.ForeignKey(
                    name: "FK_marketing_material_reviews_marketing_material_versions_Mate~",
                    columns: x => new { x.MaterialId, x.Version },
                    principalTable: "marketing_material_versions",
                    principalColumns: new[] { "MaterialId", "Version" },
                    onDelete: ReferentialAction.Restrict);
            });

        migrationBuilder.CreateIndex(
            name: "IX_marketing_material_reviews_MaterialId_Version",
            table: "marketing_material_reviews",
            columns: new[] { "MaterialId", "Version" },
            unique: true);

        migrationBuilder.CreateIndex(
            name: "IX_marketing_material_versions_MaterialId_Version",
            table: "marketing_material_versions",
            columns: new[] { "MaterialId", "Version" },
            unique: true);

        migrationBuilder.CreateIndex(
            name: "IX_marketing_materials_Owner",
            table: "marketing_materials",
            column: "Owner");

        migrationBuilder.CreateIndex(
            name: "IX_marketing_materials_Status",
            table: "marketing_materials",
            column: "Status");

        migrationBuilder.SqlFile("008_marketing_materials.sql");
    }

    /// <inheritdoc />
    protected override void Down(MigrationBuilder migrationBuilder)
    {
        migrationBuilder.Sql("DROP SEQUENCE marketing_material_ids;");

        migrationBuilder.DropTable(
            name: "marketing_material_reviews");

        migrationBuilder.DropTable(
            name: "marketing_material_versions");

        migrationBuilder.DropTable(
            name: "marketing_materials");
    }
}
