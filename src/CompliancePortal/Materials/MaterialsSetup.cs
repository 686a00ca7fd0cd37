using CompliancePortal.Core.Materials;
using CompliancePortal.LiveFeed;

namespace CompliancePortal.Materials;

public static class MaterialsSetup
{
    /// <summary>Marketing material review (options section "Materials"); files go to the archive store.</summary>
    public static void AddMarketingMaterials(this WebApplicationBuilder builder)
    {
        builder.AddSettings<MaterialsOptions>();
        builder.Services.AddSingleton<MarketingMaterialService>();
        builder.Services.AddLedgerEventWatch<MarketingMaterialService>(MarketingMaterialService.LedgerEvent, s => s.NotifyChanged);
    }
}
