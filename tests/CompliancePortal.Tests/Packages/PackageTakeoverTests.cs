using CompliancePortal.Core.Accounts;
using CompliancePortal.Core.Audit;
using CompliancePortal.Core.Packages;
using CompliancePortal.Core.Search;
using CompliancePortal.Tests.Infrastructure;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;

namespace CompliancePortal.Tests.Packages;

/// <summary>A build that another run has taken over (it was judged stalled) stops at its next heartbeat.</summary>
[Collection(PostgresCollection.Name)]
public sealed class PackageTakeoverTests(PostgresFixture postgres)
{
    /// <summary>Holds the build at its first progress report until the test lets it go; keeps every report.</summary>
    private sealed class GateSink : IPackageProgressSink
    {
        public TaskCompletionSource Reached { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
        public TaskCompletionSource Release { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
        public List<PackageProgress> Reports { get; } = [];

        public async Task ReportAsync(PackageProgress progress)
        {
            lock (Reports) Reports.Add(progress);
            if (Reached.TrySetResult()) await Release.Task;
        }
    }

    [Fact]
    public async Task Build_TakenOverByAnotherRun_StopsAtItsNextHeartbeat_AndPublishesNothing()
    {
        var sink = new GateSink();
        var db = await postgres.CreateDatabaseAsync();
        await using var portal = new PortalFactory(db, b =>
        {
            b.UseSetting("Packages:HeartbeatInterval", "00:00:00.050");
            b.ConfigureTestServices(s => s.AddSingleton<IPackageProgressSink>(sink));
        });
        var from = new DateOnly(2026, 10, 5);
        var user = await portal.CreateUserAsync(UserRoles.Auditor, from, from);
        var (package, error) = await portal.Services.GetRequiredService<PackageService>().RequestAsync(
            RecordReader.Auditor(new Actor(user), from, from), from, from, [PackageSections.RiskEvents]);
        Assert.True(package is not null, error);

        var build = portal.Services.GetRequiredService<PackageBuilder>().BuildAsync(package.Id);
        await sink.Reached.Task.WaitAsync(TimeSpan.FromSeconds(30));
        // The recovery job queued it again and a newer run claimed it.
        await db.ScalarAsync($"UPDATE compliance_packages SET build_attempt = gen_random_uuid() WHERE id = '{package.Id}'");
        await Task.Delay(TimeSpan.FromSeconds(1));   // twenty heartbeats
        sink.Release.SetResult();
        await build.WaitAsync(TimeSpan.FromSeconds(30));

        lock (sink.Reports) Assert.Equal(["counting records"], sink.Reports.Select(r => r.Stage));
        Assert.Equal("Building", await db.ScalarAsync($"SELECT status FROM compliance_packages WHERE id = '{package.Id}'"));
        Assert.Equal(0L, await db.ScalarAsync("SELECT count(*) FROM audit_log WHERE event IN ('compliance_package_built', 'compliance_package_failed')"));
    }
}
