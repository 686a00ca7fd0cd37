using CompliancePortal.Core.Data;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Migrations;

namespace CompliancePortal.Migrations.Migrations;

/// <summary>The full-text index leaves the ledger table for audit_fts, filled by the indexer (SQL only: no EF entity).</summary>
[DbContext(typeof(PortalDbContext))]
[Migration("20261203130000_FullTextBehindTheLedger")]
public sealed class FullTextBehindTheLedger() : SqlFileMigration("017_full_text_behind_the_ledger.sql");
