using System.Net.Http.Headers;
using System.Security.Cryptography;
using CompliancePortal.Core.Audit;
using CompliancePortal.Core.Communications;
using CompliancePortal.Core.Ledger;
using CompliancePortal.Core.Search;
using CompliancePortal.Tests.Infrastructure;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;
using MimeKit;
using Npgsql;

namespace CompliancePortal.Tests.Communications;

/// <summary>The journal mailbox capture against a real IMAP server (dovecot) started by the test.</summary>
[Collection(PostgresCollection.Name)]
public sealed class MailboxCaptureTests(PostgresFixture postgres) : PortalTest(postgres)
{
    private DovecotServer _imap = null!;

    public override async Task InitializeAsync()
    {
        _imap = await DovecotServer.StartAsync();
        await base.InitializeAsync();
    }

    public override async Task DisposeAsync()
    {
        await base.DisposeAsync();
        await _imap.DisposeAsync();
    }

    protected override void Configure(IWebHostBuilder builder) => ImapSettings(builder, _imap.Port);

    private static void ImapSettings(IWebHostBuilder builder, int port)
    {
        builder.UseSetting("Communications:Imap:Host", "127.0.0.1");
        builder.UseSetting("Communications:Imap:Port", port.ToString(System.Globalization.CultureInfo.InvariantCulture));
        builder.UseSetting("Communications:Imap:Security", "None");
        builder.UseSetting("Communications:Imap:UserName", DovecotServer.UserName);
        builder.UseSetting("Communications:Imap:Password", DovecotServer.Password);
        // Small runs, so a restart falls in the middle of the mailbox.
        builder.UseSetting("Communications:Imap:MaxMessagesPerRun", "2");
    }

    private static byte[] Letter(int n, string tag) => DovecotServer.Raw(new MimeMessage(
        [new MailboxAddress("Portfolio Manager", "pm@adviser.example")], [new MailboxAddress("Client", $"client{n}@example.com")],
        $"Quarterly letter {n} ({tag})", new TextPart("plain") { Text = $"Dear client {n}, our {tag} strategy returned 4.2%." })
    {
        Date = new DateTimeOffset(2026, 11, 25, 14, n, 0, TimeSpan.Zero),
        MessageId = $"letter-{n}-{tag}@adviser.example",
    });

    private static string Sha(byte[] raw) => Convert.ToHexStringLower(SHA256.HashData(raw));

    private async Task<string> ArchivedAsync() => (string)(await Db.ScalarAsync(
        $"SELECT coalesce(string_agg(event_data->>'sha256', ',' ORDER BY seq), '') FROM audit_log WHERE event = '{EmailArchive.ArchivedEvent}'"))!;

    private static Task<int> CaptureAsync(PortalFactory portal) => portal.Services.GetRequiredService<MailboxCapture>().CaptureAsync(CancellationToken.None);

    [Fact]
    public async Task ARestartMidMailbox_NeitherSkipsNorRepeats_AndAMessageDeliveredTwiceIsArchivedOnce()
    {
        var letters = Enumerable.Range(1, 3).Select(n => Letter(n, "gannet")).ToList();
        foreach (var letter in letters) await _imap.DeliverAsync(letter);
        await _imap.DeliverAsync(letters[0]);   // journaled twice (e.g. two recipients' copies)

        Assert.Equal(2, await CaptureAsync(Portal));
        Assert.Equal(string.Join(',', letters.Take(2).Select(Sha)), await ArchivedAsync());
        Assert.Equal(2L, await Db.ScalarAsync("SELECT last_uid FROM mailbox_capture"));

        // The portal stops and another starts on the same database: it goes on from UID 3.
        await Portal.DisposeAsync();
        Portal = new PortalFactory(Db, b => ImapSettings(b, _imap.Port));
        Assert.Equal(2, await CaptureAsync(Portal));
        Assert.Equal(0, await CaptureAsync(Portal));

        Assert.Equal(string.Join(',', letters.Select(Sha)), await ArchivedAsync());
        Assert.Equal(4L, await Db.ScalarAsync("SELECT last_uid FROM mailbox_capture"));
        Assert.Equal("imap:journal@127.0.0.1:" + _imap.Port + "/INBOX", await Db.ScalarAsync($"SELECT DISTINCT source FROM audit_log WHERE event = '{EmailArchive.ArchivedEvent}'"));

        // The same object and entry as the upload endpoint: the letter posted there by a mail gateway (another
        // source, so its own entry) is the same archived object, and posted again it is a duplicate.
        Client = Portal.CreateClient();
        var key = await Portal.CreateKeyAsync("mail-gateway", [LogTypes.Communication]);
        using var upload = new HttpRequestMessage(HttpMethod.Post, "/api/v1/communications/emails") { Content = new ByteArrayContent(letters[1]) };
        upload.Content.Headers.ContentType = new MediaTypeHeaderValue("message/rfc822");
        upload.Headers.Add("X-Api-Key", key);
        var answer = await (await Client.SendAsync(upload)).JsonAsync();
        Assert.Equal(Sha(letters[1]), answer.GetProperty("sha256").GetString());
        Assert.Equal(await Db.ScalarAsync($"SELECT event_data->>'archive_key' FROM audit_log WHERE event_data->>'sha256' = '{Sha(letters[1])}' AND source LIKE 'imap:%'"),
            answer.GetProperty("archive_key").GetString());
        Assert.Equal((await Db.ScalarAsync($"SELECT event_data - 'sha256' FROM audit_log WHERE event_data->>'sha256' = '{Sha(letters[1])}' AND source LIKE 'imap:%'"))?.ToString(),
            (await Db.ScalarAsync($"SELECT event_data - 'sha256' FROM audit_log WHERE event_data->>'sha256' = '{Sha(letters[1])}' AND source = 'key:mail-gateway'"))?.ToString());
        // Found by audit search like any archived message (the gateway's copy of letter 2 as well).
        var search = Portal.Services.GetRequiredService<AuditSearch>();
        var found = await search.SearchAsync(RecordReader.ComplianceOfficer(new Actor("cco-imap")), new AuditQuery { Text = "gannet strategy", LogType = LogTypes.Communication });
        Assert.Equal(4, found.Rows.Count);
        Assert.True((await LedgerVerifier.VerifyAsync(Portal.Services.GetRequiredService<NpgsqlDataSource>())).Intact);
    }

    [Fact]
    public async Task AMessageOver25MiB_IsNotStored_ItsRefusalIsRecorded_AndCaptureGoesOn()
    {
        var big = DovecotServer.Raw(new MimeMessage([new MailboxAddress("Desk", "desk@adviser.example")], [new MailboxAddress("Client", "c@example.com")],
            "Attached model", new TextPart("plain") { Text = new string('x', 26 * 1024 * 1024) }));
        var small = Letter(7, "petrel");
        var bigUid = await _imap.DeliverAsync(big);
        await _imap.DeliverAsync(small);

        Assert.Equal(2, await CaptureAsync(Portal));

        Assert.Equal(Sha(small), await ArchivedAsync());
        var refused = (string)(await Db.ScalarAsync($"SELECT event_data::text FROM audit_log WHERE event = '{MailboxCapture.RefusedEvent}'"))!;
        Assert.Contains($"\"uid\": {bigUid}", refused);
        Assert.Contains("over the archive's limit of 26214400 bytes (25 MiB)", refused);
        Assert.DoesNotContain(Directory.EnumerateFiles(Portal.ArchiveFolder, "*.eml", SearchOption.AllDirectories), f => f.Contains(Sha(big), StringComparison.Ordinal));
        Assert.Equal(0, await CaptureAsync(Portal));
    }

    [Fact]
    public async Task WithoutAHost_CaptureDoesNothing_AndWithoutTlsToAnotherMachine_ThePortalDoesNotStart()
    {
        await using var off = new PortalFactory(Db);
        Assert.Equal(0, await CaptureAsync(off));

        await using var plain = new PortalFactory(Db, b =>
        {
            ImapSettings(b, _imap.Port);
            b.UseSetting("Communications:Imap:Host", "mail.adviser.example");
        });
        var ex = Assert.ThrowsAny<Exception>(() => plain.CreateClient());
        Assert.Contains("Communications:Imap:Security None is for a server on this machine only", ex.ToString());
    }
}
