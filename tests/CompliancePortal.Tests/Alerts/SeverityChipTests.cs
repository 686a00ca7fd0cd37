using Bunit;
using CompliancePortal.Alerts.Pages;
using CompliancePortal.Core.Alerts;
using CompliancePortal.Tests.Infrastructure;
using MudBlazor;

namespace CompliancePortal.Tests.Alerts;

/// <summary>A severity's chip: its name, coloured by urgency.</summary>
public sealed class SeverityChipTests
{
    [Theory]
    [InlineData(AlertSeverities.Critical, Color.Error)]
    [InlineData(AlertSeverities.High, Color.Warning)]
    [InlineData(AlertSeverities.Medium, Color.Info)]
    [InlineData(AlertSeverities.Low, Color.Default)]
    [InlineData("unheard-of", Color.Default)]
    public async Task Chip_NamesTheSeverity_InItsColour(string severity, Color color)
    {
        await using var ctx = PortalBunit.NewContext();

        var cut = ctx.Render<SeverityChip>(p => p.Add(c => c.Severity, severity));

        Assert.Equal(severity, cut.Find("[data-testid=alert-severity]").TextContent.Trim());
        Assert.Equal(color, cut.FindComponent<MudChip<string>>().Instance.Color);
    }
}
