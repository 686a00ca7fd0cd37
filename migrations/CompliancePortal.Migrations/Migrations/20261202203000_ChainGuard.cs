using CompliancePortal.Core.Data;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Migrations;

namespace CompliancePortal.Migrations.Migrations;

/// <summary>The head's trigger checks each batch extends the chain (SQL only: no EF entity).</summary>
[DbContext(typeof(PortalDbContext))]
[Migration("20261202203000_ChainGuard")]
public sealed class ChainGuard() : SqlFileMigration("013_chain_guard.sql");
