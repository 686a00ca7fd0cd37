using CompliancePortal.Core.Data;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Migrations;

namespace CompliancePortal.Migrations.Migrations;

/// <summary>The full-text indexer's two stages keep their positions in two rows, so neither waits for the other (SQL only: no EF entity).</summary>
[DbContext(typeof(PortalDbContext))]
[Migration("20261207200000_FullTextStagesApart")]
public sealed class FullTextStagesApart() : SqlFileMigration("020_full_text_stages_apart.sql");
