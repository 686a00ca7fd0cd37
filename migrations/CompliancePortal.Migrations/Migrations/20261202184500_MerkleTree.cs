using CompliancePortal.Core.Data;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Migrations;

namespace CompliancePortal.Migrations.Migrations;

/// <summary>The Merkle tree's tiles, its head and the signed checkpoints (SQL only: no EF entity).</summary>
[DbContext(typeof(PortalDbContext))]
[Migration("20261202184500_MerkleTree")]
public sealed class MerkleTree() : SqlFileMigration("012_merkle_tree.sql");
