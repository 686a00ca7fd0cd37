using CompliancePortal.Core.Accounts;
using CompliancePortal.Core.Audit;
using CompliancePortal.Core.Packages;
using CompliancePortal.Core.Search;
using CompliancePortal.Packages;
using CompliancePortal.Tests.Infrastructure;
using Microsoft.AspNetCore.SignalR;
using Microsoft.AspNetCore.SignalR.Client;
using Microsoft.Extensions.DependencyInjection;

namespace CompliancePortal.Tests.Packages;

/// <summary>/hubs/packages on a real Kestrel port: the requester watches a build's progress; nobody else may.</summary>
[Collection(PostgresCollection.Name)]
public sealed class PackageHubTests(PostgresFixture postgres) : IAsyncLifetime
{
    private readonly string _archive = Path.Combine(Path.GetTempPath(), "cp-package-hub-" + Guid.NewGuid().ToString("N")[..8]);
    private PortalFactory _portal = null!;
    private Uri _address = null!;
    private TestDatabase _db = null!;

    public async Task InitializeAsync()
    {
        _db = await postgres.CreateDatabaseAsync();
        _portal = new PortalFactory(_db, b => b.UseSetting("Archive:Folder", _archive));
        _address = _portal.UseRealServer();
    }

    public async Task DisposeAsync()
    {
        await _portal.DisposeAsync();
        try { Directory.Delete(_archive, recursive: true); } catch (DirectoryNotFoundException) { }
    }

    private async Task<HubConnection> ConnectAsync(string user)
    {
        var connection = new HubConnectionBuilder()
            .WithUrl(new Uri(_address, PackageHub.Path), o => o.Cookies = HubClients.SignInAsync(_address, user).GetAwaiter().GetResult())
            .Build();
        await connection.StartAsync();
        return connection;
    }

    [Fact]
    public async Task Requester_WatchesTheBuildsProgressToReady_AnotherUserMayNotWatch()
    {
        var today = DateOnly.FromDateTime(DateTime.UtcNow);
        await PackageSeed.AppendAsync(_db.Connections.App, new DateTimeOffset(today.AddDays(-1).ToDateTime(TimeOnly.MinValue), TimeSpan.Zero),
            TimeSpan.FromDays(1), 0, 5_000);
        var owner = await _portal.CreateUserAsync(UserRoles.Auditor, today.AddDays(-3), today);
        var other = await _portal.CreateUserAsync(UserRoles.Auditor, today.AddDays(-3), today);
        var (package, error) = await _portal.Services.GetRequiredService<PackageService>().RequestAsync(
            RecordReader.Auditor(new Actor(owner), today.AddDays(-3), today), today.AddDays(-3), today, [PackageSections.RiskEvents]);
        Assert.True(package is not null, error);

        await using var watcher = await ConnectAsync(owner);
        var received = new List<PackageProgress>();
        var ready = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        watcher.On<PackageProgress>(PackageHub.ProgressMessage, p =>
        {
            lock (received) received.Add(p);
            if (p.Status == PackageStatus.Ready) ready.TrySetResult();
        });
        var now = await watcher.InvokeAsync<PackageProgress>("Watch", package.Id);
        Assert.Equal(PackageStatus.Queued, now.Status);

        await using var intruder = await ConnectAsync(other);
        var refused = await Assert.ThrowsAsync<HubException>(() => intruder.InvokeAsync<PackageProgress>("Watch", package.Id));
        Assert.Contains("No such package of yours", refused.Message);

        await _portal.Services.GetRequiredService<PackageBuilder>().BuildAsync(package.Id);
        await ready.Task.WaitAsync(TimeSpan.FromSeconds(30));
        lock (received)
        {
            Assert.True(received.Count(p => p.Status == PackageStatus.Building) >= 10, $"{received.Count} messages");
            Assert.All(received, p => Assert.Equal(package.Id, p.PackageId));
            Assert.Equal(100, received[^1].Percent);
        }
    }
}
