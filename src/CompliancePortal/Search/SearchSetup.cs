using System.Globalization;
using System.Security.Claims;
using CompliancePortal.Accounts;
using CompliancePortal.Core.Accounts;
using CompliancePortal.Core.Audit;
using CompliancePortal.Core.Data;
using CompliancePortal.Core.Ledger;
using CompliancePortal.Core.Search;
using CompliancePortal.Ingest;
using Microsoft.AspNetCore.Authorization;
using Microsoft.EntityFrameworkCore;

namespace CompliancePortal.Search;

/// <summary>The audit search (page /search, event detail /events/{seq}) and its CSV export.</summary>
public static class SearchSetup
{
    public static void AddAuditSearch(this WebApplicationBuilder builder)
    {
        builder.Services.AddSingleton<AuditSearch>();
        builder.Services.AddSingleton<RecordReaders>();
    }
}
