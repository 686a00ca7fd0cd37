using System.Net;
using CompliancePortal.Core.Accounts;
using CompliancePortal.Jobs;
using CompliancePortal.Ledger;
using CompliancePortal.Tests.Infrastructure;
using Hangfire;
using Hangfire.Storage;
using Microsoft.Extensions.DependencyInjection;

namespace CompliancePortal.Tests.Jobs;

[Collection(PostgresCollection.Name)]
public sealed class JobsTests(PostgresFixture postgres) : PortalTest(postgres)
{
    private readonly PostgresFixture _postgres = postgres;

    [Fact]
    public async Task Dashboard_OnlyAdminsMayOpenIt()
    {
        using var anonymous = Portal.CreateClient(new Microsoft.AspNetCore.Mvc.Testing.WebApplicationFactoryClientOptions { AllowAutoRedirect = false });
        using var employee = await Portal.SignedInClientAsync(await Portal.CreateUserAsync(UserRoles.Employee));
        using var admin = await Portal.SignedInClientAsync(await Portal.CreateUserAsync(UserRoles.Admin));

        var toSignIn = await anonymous.GetAsync(JobsEndpoints.DashboardPath);
        Assert.Equal(HttpStatusCode.Redirect, toSignIn.StatusCode);
        Assert.Contains("/account/login", toSignIn.Headers.Location!.OriginalString);
        Assert.Equal(HttpStatusCode.Forbidden, (await employee.GetAsync(JobsEndpoints.DashboardPath)).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await employee.GetAsync(JobsEndpoints.DashboardPath + "/recurring")).StatusCode);
        var page = await admin.GetAsync(JobsEndpoints.DashboardPath + "/recurring");
        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        Assert.Contains("ledger-verification", await page.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task PackagesPage_AfterAnotherPortalInTheProcessWasDisposed_StillRenders()
    {
        // Hangfire's log provider is a process-wide static: the portal built last replaces it. The
        // job client must have taken its logger at start-up, not from a portal that is gone since.
        var other = new PortalFactory(await _postgres.CreateDatabaseAsync());
        other.CreateClient().Dispose();
        await other.DisposeAsync();
        using var officer = await Portal.SignedInClientAsync(await Portal.CreateUserAsync(UserRoles.ComplianceOfficer));

        var page = await officer.GetAsync("/packages");

        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        Assert.NotNull(Portal.Services.GetRequiredService<IBackgroundJobClient>().Create(() => Console.WriteLine("probe"), new Hangfire.States.ScheduledState(TimeSpan.FromDays(1))));
    }

    [Fact]
    public void RecurringJobs_FromConfiguration_AreScheduledWithTheirCron()
    {
        using var connection = Portal.Services.GetRequiredService<JobStorage>().GetConnection();

        var jobs = connection.GetRecurringJobs().ToDictionary(j => j.Id, j => j.Cron);

        Assert.Equal("0 2 * * *", jobs["ledger-verification"]);
        // On a configured database the owner's jobs are the maintenance verb's, not the web process's.
        foreach (var owner in new[] { "partition-maintenance", "retention", "database-backup" }) Assert.DoesNotContain(owner, jobs.Keys);
        Assert.Equal("* * * * *", jobs["preclearance-expiry"]);
        Assert.Equal("45 0 * * *", jobs["trade-blotter"]);
    }

    [Fact]
    public async Task LedgerVerificationJob_RecordsItsResultInTheLedger()
    {
        await Client.PostJsonAsync(IngestClient.Trade(1), Key);

        var result = await Portal.Services.GetRequiredService<LedgerVerificationJob>().RunAsync(CancellationToken.None);

        Assert.True(result.Intact);
        Assert.Equal("true|1", await Db.ScalarAsync("SELECT concat_ws('|', event_data->>'intact', event_data->>'entries') FROM audit_log WHERE event = 'ledger_verified'"));
    }

    [Fact]
    public async Task PartitionMaintenanceJob_IsIdempotent()
    {
        var job = new PartitionMaintenanceJob(Db.Connections);

        await job.RunAsync(CancellationToken.None);
        var again = await job.RunAsync(CancellationToken.None);

        Assert.Equal(0, again);
    }
}
