using CompliancePortal.Core.Blotter;

namespace CompliancePortal.Blotter;

/// <summary>Daily trade blotters: the archive of them (the job is in Jobs/), the page /blotters and the download.</summary>
public static class BlotterSetup
{
    public static void AddBlotter(this WebApplicationBuilder builder)
    {
        builder.Services.AddSingleton<BlotterArchive>();
        builder.Services.AddSingleton<TradeBlotter>();
        builder.Services.AddTransient<TradeBlotterJob>();
    }
}
