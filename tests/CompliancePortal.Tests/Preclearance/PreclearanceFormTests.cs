using Bunit;
using CompliancePortal.Accounts;
using CompliancePortal.Core.Audit;
using CompliancePortal.Core.Data;
using CompliancePortal.Core.Ledger;
using CompliancePortal.Core.Preclearance;
using CompliancePortal.Tests.Infrastructure;
using Microsoft.AspNetCore.Http;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Npgsql;
using PreclearanceFormComponent = CompliancePortal.Preclearance.Pages.PreclearanceForm;

namespace CompliancePortal.Tests.Preclearance;

/// <summary>The request form shows the service's validation messages; nothing reaches a database.</summary>
public sealed class PreclearanceFormTests
{
    private static BunitContext NewContext() => PortalBunit.NewContext("erin", services =>
    {
        // A database that does not exist: validation must answer before any query.
        var nowhere = new DbContextOptionsBuilder<PortalDbContext>().UseNpgsql("Host=127.0.0.1;Port=1;Database=none").Options;
        var signal = new LedgerCommitSignal();
        var writer = new LedgerWriter(NpgsqlDataSource.Create("Host=127.0.0.1;Port=1"), Options.Create(new LedgerOptions()), signal, NullLogger<LedgerWriter>.Instance);
        var ledger = new LedgerAppend(writer, signal);
        services.AddSingleton<IDbContextFactory<PortalDbContext>>(new NoFactory(nowhere));
        var calendar = ShippedCalendar.Instance;
        services.AddSingleton(calendar);
        services.AddSingleton(new PreclearanceRules(new PreclearanceOptions(), calendar));
        services.AddSingleton<ILedgerAppend>(ledger);
        services.AddSingleton(new UserActionLog(ledger, TimeProvider.System));
        services.AddSingleton(TimeProvider.System);
        services.AddSingleton<PreclearanceService>();
        services.AddSingleton<IHttpContextAccessor, HttpContextAccessor>();
        services.AddSingleton<RoleCheck>();
        services.AddScoped<CurrentActor>();
    });

    private sealed class NoFactory(DbContextOptions<PortalDbContext> options) : IDbContextFactory<PortalDbContext>
    {
        public PortalDbContext CreateDbContext() => new(options);
    }

    [Theory]
    [InlineData("", "10", "Enter the security's ticker")]
    [InlineData("AAPL; DROP TABLE x", "10", "Enter the security's ticker")]
    public async Task Submit_WithABadField_ShowsTheReason(string security, string quantity, string message)
    {
        await using var ctx = NewContext();
        var cut = ctx.Render<PreclearanceFormComponent>();

        cut.Find("[data-testid=pc-security] input, input[data-testid=pc-security]").Change(security);
        cut.Find("[data-testid=pc-quantity] input, input[data-testid=pc-quantity]").Change(quantity);
        await cut.Find("button[data-testid=pc-submit]").ClickAsync(new());

        cut.WaitForAssertion(() => Assert.Contains(message, cut.Find("[data-testid=pc-error]").TextContent));
    }

    [Fact]
    public async Task Submit_WithoutAccountOrReason_AsksForThem()
    {
        await using var ctx = NewContext();
        var cut = ctx.Render<PreclearanceFormComponent>();

        cut.Find("[data-testid=pc-security] input, input[data-testid=pc-security]").Change("AAPL");
        await cut.Find("button[data-testid=pc-submit]").ClickAsync(new());

        cut.WaitForAssertion(() => Assert.Contains("Name the brokerage account.", cut.Find("[data-testid=pc-error]").TextContent));
    }
}
