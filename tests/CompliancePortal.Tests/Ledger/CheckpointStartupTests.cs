using System.Net;
using CompliancePortal.Core.Ledger.Checkpoints;
using CompliancePortal.Ledger;
using CompliancePortal.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace CompliancePortal.Tests.Ledger;

/// <summary>Where the checkpoint key comes from, and the checkpoint written when the portal stops.</summary>
[Collection(PostgresCollection.Name)]
public sealed class CheckpointStartupTests(PostgresFixture postgres)
{
    [Theory]
    [InlineData("", "No checkpoint signing key")]
    [InlineData("PRIVATE+KEY+x+00000000+AAAA", "not usable")]
    public async Task Start_OnAConfiguredDatabaseWithoutAUsableKey_RefusesAndSaysWhy(string key, string says)
    {
        var db = await postgres.CreateDatabaseAsync();
        await using var portal = new PortalFactory(db, b => b.UseSetting("Checkpoints:SigningKey", key));

        var error = Assert.ThrowsAny<Exception>(() => portal.Services);

        Assert.Contains(says, error.ToString());
    }

    [Fact]
    public void LoadSigner_OnTheEmbeddedDefault_MakesAPrivateKeyFileOnceAndKeepsIt()
    {
        var root = Path.Combine(Path.GetTempPath(), "cp-key-" + Guid.NewGuid().ToString("N")[..8]);
        try
        {
            var first = CheckpointSetup.LoadSigner(new CheckpointOptions(), root, embedded: true);
            var file = Path.Combine(root, CheckpointSetup.EmbeddedKeyFile);

            if (!OperatingSystem.IsWindows()) Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(file));
            Assert.Equal(first.Verifier.Encoded, CheckpointSetup.LoadSigner(new CheckpointOptions(), root, embedded: true).Verifier.Encoded);
            Assert.Equal("localhost/compliance-portal", first.Name);
            Assert.Throws<InvalidOperationException>(() => CheckpointSetup.LoadSigner(new CheckpointOptions(), root, embedded: false));
            Assert.Equal(first.Verifier.Encoded, CheckpointSetup.LoadSigner(new CheckpointOptions { SigningKeyFile = CheckpointSetup.EmbeddedKeyFile }, root, embedded: false).Verifier.Encoded);
        }
        finally
        {
            Directory.Delete(root, recursive: true);
        }
    }

    [Fact]
    public async Task Stop_RightAfterAnAppend_SignsACheckpointThatCoversIt()
    {
        var db = await postgres.CreateDatabaseAsync();
        var portal = new PortalFactory(db, b => b.UseSetting("Checkpoints:Interval", "01:00:00"));
        var key = await portal.CreateKeyAsync("trading", ["TRADE"]);
        var response = await portal.CreateClient().PostNdJsonAsync(Enumerable.Range(0, 25).Select(i => IngestClient.Trade(i)), key);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var archive = portal.ArchiveFolder;
        var archived = new List<string>();
        portal.Services.GetRequiredService<Microsoft.Extensions.Hosting.IHostApplicationLifetime>().ApplicationStopped.Register(() =>
            archived.AddRange(Directory.Exists(Path.Combine(archive, "checkpoints")) ? Directory.GetFiles(Path.Combine(archive, "checkpoints")) : []));

        await portal.DisposeAsync();

        var head = (long)(await db.ScalarAsync("SELECT seq FROM ledger_head"))!;
        Assert.Equal(head, (long)(await db.ScalarAsync("SELECT max(tree_size) FROM ledger_checkpoints"))!);
        Assert.Contains(archived, f => f.EndsWith($"{head:D20}.note", StringComparison.Ordinal));
    }
}
