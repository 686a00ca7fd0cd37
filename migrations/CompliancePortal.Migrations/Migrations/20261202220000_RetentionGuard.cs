using CompliancePortal.Core.Data;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Migrations;

namespace CompliancePortal.Migrations.Migrations;

/// <summary>The retention DELETE path enforces the policy in the database (SQL only: no EF entity).</summary>
[DbContext(typeof(PortalDbContext))]
[Migration("20261202220000_RetentionGuard")]
public sealed class RetentionGuard() : SqlFileMigration("015_retention_guard.sql");
