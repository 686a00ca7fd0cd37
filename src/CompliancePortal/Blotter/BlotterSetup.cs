using CompliancePortal.Core;
using System.Globalization;
using CompliancePortal.Archive;
using CompliancePortal.Core.Accounts;
using CompliancePortal.Core.Blotter;
using Microsoft.AspNetCore.Authorization;

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
