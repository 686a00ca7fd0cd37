using CompliancePortal.Core.Data;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace CompliancePortal.Migrations.Migrations
{
    /// <summary>The Merkle tree's tiles, its head and the signed checkpoints (SQL only: no EF entity).</summary>
    [DbContext(typeof(PortalDbContext))]
    [Migration("20261202184500_MerkleTree")]
    public partial class MerkleTree : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.SqlFile("012_merkle_tree.sql");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
        }
    }
}
