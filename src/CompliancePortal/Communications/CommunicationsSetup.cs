using CompliancePortal.Archive;
using CompliancePortal.Core.Accounts;
using CompliancePortal.Core.ApiKeys;
using CompliancePortal.Core.Communications;
using CompliancePortal.Core.Ledger;
using CompliancePortal.Ingest;
using Microsoft.AspNetCore.Authorization;

namespace CompliancePortal.Communications;

public static class CommunicationsSetup
{
    public static void AddCommunications(this WebApplicationBuilder builder) => builder.Services.AddSingleton<EmailArchive>();
}
