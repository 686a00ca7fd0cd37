using CompliancePortal.Core.ApiKeys;

namespace CompliancePortal.ApiKeys;

/// <summary>The source systems' API keys (page /admin/keys); ingest checks them.</summary>
public static class ApiKeysSetup
{
    public static void AddApiKeys(this WebApplicationBuilder builder)
    {
        builder.Services.AddSingleton<ApiKeyStore>();
    }
}
