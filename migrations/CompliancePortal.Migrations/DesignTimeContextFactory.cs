using CompliancePortal.Core.Data;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Design;

namespace CompliancePortal.Migrations;

/// <summary>Lets `dotnet ef migrations add` build the model without starting the portal.</summary>
public sealed class DesignTimeContextFactory : IDesignTimeDbContextFactory<PortalDbContext>
{
    public PortalDbContext CreateDbContext(string[] args) => new(
        new DbContextOptionsBuilder<PortalDbContext>()
            .UseNpgsql("Host=localhost;Database=design_time_only", o => o.MigrationsAssembly(typeof(DesignTimeContextFactory).Assembly.GetName().Name))
            .Options);
}
