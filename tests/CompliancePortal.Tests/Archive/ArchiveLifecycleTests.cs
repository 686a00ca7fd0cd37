using System.Collections.Concurrent;
using Amazon.Runtime;
using Amazon.S3;
using CompliancePortal.Cli;
using CompliancePortal.Core.Archive;
using CompliancePortal.Core.Ledger;
using CompliancePortal.Tests.Infrastructure;
using Microsoft.Extensions.Configuration;

namespace CompliancePortal.Tests.Archive;

/// <summary>The seed's storage tiers as bucket lifecycle rules, and what the setup command does with them.</summary>
public sealed class ArchiveLifecycleTests(S3rverFixture s3) : IClassFixture<S3rverFixture>
{
    private static readonly DateOnly Day = new(2026, 11, 26);

    [Fact]
    public void Rules_OnePerLogType_FollowTheSeedsRetentionTable()
    {
        var rules = ArchiveLifecycle.Rules().ToDictionary(r => r.Prefix);

        Assert.Equal(LogTypes.All.Select(t => $"ledger/{t}/").Order(), rules.Keys.Order());
        foreach (var records in new[] { "TRADE", "RISK", "NAV", "POSITION", "COMMUNICATION" })
        {
            var rule = rules[$"ledger/{records}/"];
            Assert.Equal(90, rule.InfrequentAccessDays);
            Assert.Equal(730, rule.GlacierDays);
            Assert.Equal(2555, rule.ExpireDays);
        }
        Assert.Equal(365, rules["ledger/SYSTEM/"].ExpireDays);
        Assert.Null(rules["ledger/SYSTEM/"].GlacierDays);
        Assert.Null(rules["ledger/COMPLIANCE/"].ExpireDays);
        Assert.Equal(730, rules["ledger/COMPLIANCE/"].GlacierDays);
    }

    [Fact]
    public void Rules_SelectEachArchivedObjectByItsOwnTypeOnly_AndNoManifest()
    {
        var rules = ArchiveLifecycle.Rules();
        foreach (var logType in LogTypes.All)
        {
            var key = ArchiveKeys.LedgerObject(Day, logType);
            var matching = Assert.Single(rules, r => key.StartsWith(r.Prefix, StringComparison.Ordinal));
            Assert.Equal(ArchiveKeys.LedgerTypePrefix(logType), matching.Prefix);
        }
        Assert.DoesNotContain(rules, r => DailyArchive.ManifestKey(Day).StartsWith(r.Prefix, StringComparison.Ordinal));
    }

    [Fact]
    public void ToS3_CarriesTransitionsAndExpiryPerRule()
    {
        var config = ArchiveLifecycle.ToS3(ArchiveLifecycle.Rules());

        var trade = config.Rules.Single(r => r.Filter.Prefix == "ledger/TRADE/");
        Assert.Equal(LifecycleRuleStatus.Enabled, trade.Status);
        Assert.Equal([(90, S3StorageClass.StandardInfrequentAccess), (730, S3StorageClass.Glacier)], trade.Transitions.Select(t => (t.Days ?? 0, t.StorageClass)));
        Assert.Equal(2555, trade.Expiration.Days);
        Assert.Null(config.Rules.Single(r => r.Filter.Prefix == "ledger/COMPLIANCE/").Expiration);
        Assert.Equal(365, config.Rules.Single(r => r.Filter.Prefix == "ledger/SYSTEM/").Expiration.Days);
    }

    [Fact]
    public async Task Apply_Sends_TheRulesToTheBucket_AndReportsWhenTheServerDoesNotImplementThem()
    {
        var http = new BodyRecorder();
        using var store = new S3ArchiveStore(Options(), http);
        await store.EnsureBucketAsync();

        var applied = await store.ApplyLifecycleAsync(ArchiveLifecycle.Rules());

        // s3rver answers NotImplemented to lifecycle configuration; the request itself carries every rule.
        Assert.False(applied);
        var body = Assert.Single(http.Bodies, b => b.Url.Contains("?lifecycle", StringComparison.Ordinal)).Body;
        Assert.Contains("<Prefix>ledger/TRADE/</Prefix>", body);
        Assert.Contains("<Days>2555</Days>", body);
        Assert.Contains("<StorageClass>GLACIER</StorageClass>", body);
        Assert.Contains("<StorageClass>STANDARD_IA</StorageClass>", body);
        Assert.Contains("<Days>365</Days>", body);
    }

    [Fact]
    public async Task Command_AgainstAServerWithoutLifecycle_SaysSoAndExitsThree()
    {
        var options = Options();
        using (var store = new S3ArchiveStore(options)) await store.EnsureBucketAsync();
        var output = new StringWriter();

        var exit = await ArchiveLifecycleCommand.RunAsync(Configuration(("Archive:Kind", "S3"), ("Archive:S3:ServiceUrl", options.ServiceUrl),
            ("Archive:S3:Bucket", options.Bucket), ("Archive:S3:AccessKey", "S3RVER"), ("Archive:S3:SecretKey", "S3RVER")), output);

        Assert.Equal(ArchiveLifecycleCommand.Unsupported, exit);
        Assert.Contains("does not support bucket lifecycle rules", output.ToString());
        Assert.Contains("NOTHING was applied", output.ToString());
        Assert.Contains("ledger/SYSTEM/", output.ToString());
    }

    [Fact]
    public async Task Command_WithALocalArchive_AppliesNothingAndPrintsTheRules()
    {
        var output = new StringWriter();

        var exit = await ArchiveLifecycleCommand.RunAsync(Configuration(("Archive:Kind", "Local")), output);

        Assert.Equal(ArchiveLifecycleCommand.NotS3, exit);
        Assert.Contains("nothing applied", output.ToString());
        Assert.Contains("ledger/COMPLIANCE/", output.ToString());
        Assert.Contains("never expire", output.ToString());
    }

    private S3ArchiveOptions Options() => new()
    {
        ServiceUrl = s3.ServiceUrl,
        Bucket = "lifecycle-" + Guid.NewGuid().ToString("N")[..8],
        AccessKey = "S3RVER",
        SecretKey = "S3RVER",
    };

    private static IConfiguration Configuration(params (string Key, string Value)[] settings) =>
        new ConfigurationBuilder().AddInMemoryCollection(settings.Select(s => KeyValuePair.Create(s.Key, (string?)s.Value))).Build();

    /// <summary>Keeps each request's URL and body, to see the lifecycle XML the SDK sent.</summary>
    private sealed class BodyRecorder : HttpClientFactory
    {
        public ConcurrentQueue<(string Url, string Body)> Bodies { get; } = new();

        public override HttpClient CreateHttpClient(IClientConfig clientConfig) => new(new Recorder(this, new HttpClientHandler()));

        private sealed class Recorder(BodyRecorder owner, HttpMessageHandler inner) : DelegatingHandler(inner)
        {
            protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
            {
                var body = request.Content is null ? "" : await request.Content.ReadAsStringAsync(cancellationToken);
                owner.Bodies.Enqueue((request.RequestUri!.ToString(), body));
                return await base.SendAsync(request, cancellationToken);
            }
        }
    }
}
