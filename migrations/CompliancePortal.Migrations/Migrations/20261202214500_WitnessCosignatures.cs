using CompliancePortal.Core.Data;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Migrations;

namespace CompliancePortal.Migrations.Migrations;

/// <summary>Cosignatures of checkpoints by tlog witnesses (SQL only: no EF entity).</summary>
[DbContext(typeof(PortalDbContext))]
[Migration("20261202214500_WitnessCosignatures")]
public sealed class WitnessCosignatures() : SqlFileMigration("014_witness_cosignatures.sql");
