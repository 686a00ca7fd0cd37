using CompliancePortal.Core.Data;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Migrations;

namespace CompliancePortal.Migrations.Migrations;

/// <summary>The journal mailbox capture's place in each mailbox (SQL only: no EF entity).</summary>
[DbContext(typeof(PortalDbContext))]
[Migration("20261203190000_MailboxCapture")]
public sealed class MailboxCapture() : SqlFileMigration("018_mailbox_capture.sql");
