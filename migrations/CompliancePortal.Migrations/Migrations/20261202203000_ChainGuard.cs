using CompliancePortal.Core.Data;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace CompliancePortal.Migrations.Migrations
{
    /// <summary>The head's trigger checks each batch extends the chain (SQL only: no EF entity).</summary>
    [DbContext(typeof(PortalDbContext))]
    [Migration("20261202203000_ChainGuard")]
    public partial class ChainGuard : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.SqlFile("013_chain_guard.sql");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
        }
    }
}
