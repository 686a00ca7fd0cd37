using CompliancePortal.Core.Data;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Migrations;

namespace CompliancePortal.Migrations.Migrations;

/// <summary>The portal role reads the migration history (SQL only: no EF entity).</summary>
[DbContext(typeof(PortalDbContext))]
[Migration("20261202224500_AppReadsMigrationHistory")]
public sealed class AppReadsMigrationHistory() : SqlFileMigration("016_app_reads_migration_history.sql");
