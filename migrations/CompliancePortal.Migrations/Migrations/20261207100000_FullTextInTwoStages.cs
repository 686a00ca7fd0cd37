using CompliancePortal.Core.Data;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Migrations;

namespace CompliancePortal.Migrations.Migrations;

/// <summary>The full-text indexer stores vectors first (audit_fts_recent) and fills the GIN index after (SQL only: no EF entity).</summary>
[DbContext(typeof(PortalDbContext))]
[Migration("20261207100000_FullTextInTwoStages")]
public sealed class FullTextInTwoStages() : SqlFileMigration("019_full_text_in_two_stages.sql");
