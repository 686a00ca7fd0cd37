using System.Net;
using System.Security.Cryptography;
using System.Text.Json;
using CompliancePortal.Core.Archive;
using CompliancePortal.Core.Communications;
using CompliancePortal.Core.Ledger;
using CompliancePortal.Core.Search;
using CompliancePortal.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using MimeKit;

namespace CompliancePortal.Tests.Communications;

/// <summary>POST /api/v1/communications/emails against a real ledger and archive store.</summary>
[Collection(PostgresCollection.Name)]
public sealed class EmailArchiveTests(PostgresFixture postgres) : PortalTest(postgres)
{
    private static readonly DateTimeOffset Sent = new(2026, 11, 25, 14, 3, 0, TimeSpan.FromHours(-5));

    private static byte[] Message(string? body = null) => body is null ? TestEmail.Letter(Sent) : TestEmail.Letter(Sent, body);

    private Task<HttpResponseMessage> PostAsync(byte[] raw, string? key, string contentType = "message/rfc822") =>
        Client.PostEmailAsync(raw, key, contentType);

    private IArchiveStore Store => Portal.Services.GetRequiredService<IArchiveStore>();

    private async Task<int> ArchivedObjectsAsync()
    {
        var count = 0;
        await foreach (var _ in Store.ListAsync("compliance/emails/")) count++;
        return count;
    }

    private async Task<long> EntriesAsync() => (long)(await Db.ScalarAsync("SELECT count(*) FROM audit_log WHERE event = 'email_archived'"))!;

    [Fact]
    public async Task Archive_KeepsTheRawBytes_AndRecordsHeadersTextAndAttachments_Searchably()
    {
        var raw = Message();
        var sha = Convert.ToHexStringLower(SHA256.HashData(raw));

        var response = await PostAsync(raw, Key);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var answer = await response.JsonAsync();
        Assert.Equal(sha, answer.GetProperty("sha256").GetString());
        Assert.Equal($"compliance/emails/2026-11-25/{sha}.eml", answer.GetProperty("archive_key").GetString());
        Assert.Equal("q3-letter-0001@adviser.example", answer.GetProperty("message_id").GetString());
        Assert.Equal(1, answer.GetProperty("attachments").GetInt32());
        Assert.False(answer.GetProperty("duplicate").GetBoolean());

        await using (var stored = await Store.OpenReadAsync($"compliance/emails/2026-11-25/{sha}.eml"))
        {
            using var copy = new MemoryStream();
            await stored!.CopyToAsync(copy);
            Assert.Equal(raw, copy.ToArray());
        }

        var seq = answer.GetProperty("seq").GetInt64();
        var row = (string)(await Db.ScalarAsync(
            $"SELECT json_build_object('log_type', log_type, 'ts', to_char(\"timestamp\" AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI'), 'source', source, 'event_id', event_id, 'data', event_data)::text FROM audit_log WHERE seq = {seq}"))!;
        using var entry = JsonDocument.Parse(row);
        var e = entry.RootElement;
        Assert.Equal("COMMUNICATION", e.GetProperty("log_type").GetString());
        Assert.Equal("2026-11-25 19:03", e.GetProperty("ts").GetString());   // the Date header, in UTC
        Assert.Equal("key:trading", e.GetProperty("source").GetString());
        Assert.Equal("email-" + sha, e.GetProperty("event_id").GetString());
        var data = e.GetProperty("data");
        Assert.Equal("\"Pat Manager\" <pm@adviser.example>", data.GetProperty("from")[0].GetString());
        Assert.Equal("\"Investor One\" <one@investor.example>", data.GetProperty("to")[0].GetString());
        Assert.Equal("\"Compliance\" <cco@adviser.example>", data.GetProperty("cc")[0].GetString());
        Assert.Equal("Quarterly investor letter", data.GetProperty("subject").GetString());
        Assert.Equal("Q3 performance attached. Returns net of fees: 4.2% — see the letter.", data.GetProperty("body").GetString()!.TrimEnd());
        Assert.False(data.GetProperty("body_truncated").GetBoolean());
        var attachment = data.GetProperty("attachments")[0];
        Assert.Equal("q3-letter.pdf", attachment.GetProperty("file_name").GetString());
        Assert.Equal("application/pdf", attachment.GetProperty("content_type").GetString());
        Assert.Equal(TestEmail.Pdf.Length, attachment.GetProperty("size").GetInt64());
        Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(TestEmail.Pdf)), attachment.GetProperty("sha256").GetString());
        Assert.Equal(sha, data.GetProperty("sha256").GetString());

        // Found by the audit search's full-text condition, like every other entry.
        Assert.Equal(1L, await Db.ScalarAsync($"SELECT count(*) FROM audit_log WHERE {AuditSql.FullTextVector} @@ websearch_to_tsquery('simple', 'quarterly investor')"));
        Assert.True((await LedgerVerifier.VerifyAsync(Portal.Services.GetRequiredService<Npgsql.NpgsqlDataSource>())).Intact);
    }

    [Fact]
    public async Task Archive_TheSameBytesAgain_ReturnsTheFirstReceipt_AndStoresNothingNew()
    {
        var raw = Message();

        var first = await (await PostAsync(raw, Key)).JsonAsync();
        var again = await PostAsync(raw, Key);

        Assert.Equal(HttpStatusCode.OK, again.StatusCode);
        var second = await again.JsonAsync();
        Assert.True(second.GetProperty("duplicate").GetBoolean());
        Assert.Equal(first.GetProperty("seq").GetInt64(), second.GetProperty("seq").GetInt64());
        Assert.Equal(first.GetProperty("hash").GetString(), second.GetProperty("hash").GetString());
        Assert.Equal(1L, await EntriesAsync());
        Assert.Equal(1, await ArchivedObjectsAsync());
    }

    [Fact]
    public async Task Archive_ALongBody_IsCutInTheEntry_AndKeptWholeInTheArchive()
    {
        var body = string.Concat(Enumerable.Repeat("Rendement net de frais: 4,2 % ", 4000));   // 120,000 characters
        var raw = Message(body);

        var answer = await (await PostAsync(raw, Key)).JsonAsync();

        var seq = answer.GetProperty("seq").GetInt64();
        Assert.True((int)(await Db.ScalarAsync($"SELECT octet_length(event_data::text) FROM audit_log WHERE seq = {seq}"))! < 64 * 1024);
        Assert.Equal("true", await Db.ScalarAsync($"SELECT event_data->>'body_truncated' FROM audit_log WHERE seq = {seq}"));
        await using var stored = await Store.OpenReadAsync(answer.GetProperty("archive_key").GetString()!);
        var kept = await MimeMessage.LoadAsync(stored!);
        Assert.Equal(body, kept.TextBody?.TrimEnd('\r', '\n'));
    }

    private Task<object?> DownloadsRecorded(string user, string outcome) => Db.ScalarAsync(
        $"SELECT count(*) FROM audit_log WHERE event = '{EmailArchive.DownloadedEvent}' AND user_id = '{user}' AND event_data->>'outcome' = '{outcome}'");

    [Fact]
    public async Task Download_OfAnArchivedEntry_IsTheArchivedMessage_CheckedAndRecorded()
    {
        var raw = Message();
        var archived = await (await PostAsync(raw, Key)).JsonAsync();
        var sha = archived.GetProperty("sha256").GetString()!;
        var officer = await Portal.CreateUserAsync(Core.Accounts.UserRoles.ComplianceOfficer);
        using var client = await Portal.SignedInClientAsync(officer);

        // The event page links the entry to this path (EventDetailViewTests shows the link).
        var data = (string)(await Db.ScalarAsync($"SELECT event_data::text FROM audit_log WHERE seq = {archived.GetProperty("seq").GetInt64()}"))!;
        var path = CompliancePortal.Communications.CommunicationsEndpoints.DownloadPath(EmailArchive.ArchivedEvent, data);
        Assert.Equal($"/api/v1/communications/emails/2026-11-25/{sha}", path);
        var response = await client.GetAsync(path);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("message/rfc822", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal(raw, await response.Content.ReadAsByteArrayAsync());
        Assert.Equal(sha, response.Headers.GetValues("X-Content-SHA256").Single());
        Assert.Equal(1L, await DownloadsRecorded(officer, "sent"));

        Assert.Equal(HttpStatusCode.NotFound, (await client.GetAsync($"/api/v1/communications/emails/2026-11-25/{new string('a', 64)}")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await client.GetAsync("/api/v1/communications/emails/2026-11-25/not-a-hash")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await client.GetAsync($"/api/v1/communications/emails/2026-11-24/{sha}")).StatusCode);

        // The stored file altered: nothing is sent, and the attempt is recorded as such.
        await File.AppendAllTextAsync(Path.Combine(Portal.ArchiveFolder, archived.GetProperty("archive_key").GetString()!), "tampered");
        var altered = await client.GetAsync(path);
        Assert.Equal(HttpStatusCode.InternalServerError, altered.StatusCode);
        Assert.Contains("does not match its recorded SHA-256", await altered.Content.ReadAsStringAsync());
        Assert.Equal(1L, await DownloadsRecorded(officer, "hash_mismatch"));
    }

    [Fact]
    public async Task Download_ByAnAuditor_IsLimitedToTheGrantedPeriod_AndAnEmployeeMayNot()
    {
        var archived = await (await PostAsync(Message(), Key)).JsonAsync();
        var path = $"/api/v1/communications/emails/2026-11-25/{archived.GetProperty("sha256").GetString()}";
        var inside = await Portal.CreateUserAsync(Core.Accounts.UserRoles.Auditor, new DateOnly(2026, 11, 1), new DateOnly(2026, 11, 30));
        var outside = await Portal.CreateUserAsync(Core.Accounts.UserRoles.Auditor, new DateOnly(2026, 10, 1), new DateOnly(2026, 10, 31));
        var employee = await Portal.CreateUserAsync(Core.Accounts.UserRoles.Employee);

        using (var client = await Portal.SignedInClientAsync(inside))
            Assert.Equal(HttpStatusCode.OK, (await client.GetAsync(path)).StatusCode);
        using (var client = await Portal.SignedInClientAsync(outside))
            Assert.Equal(HttpStatusCode.Forbidden, (await client.GetAsync(path)).StatusCode);
        using (var client = await Portal.SignedInClientAsync(employee))
            Assert.NotEqual(HttpStatusCode.OK, (await client.GetAsync(path)).StatusCode);

        Assert.Equal(1L, await DownloadsRecorded(inside, "sent"));
        Assert.Equal(1L, await DownloadsRecorded(outside, "outside_granted_period"));
        Assert.Equal(0L, await Db.ScalarAsync($"SELECT count(*) FROM audit_log WHERE event = '{EmailArchive.DownloadedEvent}' AND user_id = '{employee}'"));
    }

    public static TheoryData<string, string, int, string> BadRequests => new()
    {
        { "none", "message/rfc822", 401, "X-Api-Key" },
        { "wrong", "message/rfc822", 401, "" },
        { "trading-only", "message/rfc822", 403, "COMMUNICATION" },
        { "mail", "application/json", 415, "message/rfc822" },
    };

    [Theory]
    [MemberData(nameof(BadRequests))]
    public async Task Archive_WithoutTheRightKeyOrType_IsRefused_AndStoresNothing(string key, string contentType, int status, string message)
    {
        var mailKey = key == "mail" ? await Portal.CreateKeyAsync("mail-gateway", [LogTypes.Communication]) : null;
        var tradingKey = key == "trading-only" ? await Portal.CreateKeyAsync("orders", [LogTypes.Trade]) : null;
        var sent = key switch { "none" => null, "wrong" => "cpk_not-a-key", _ => mailKey ?? tradingKey };

        var response = await PostAsync(Message(), sent, contentType);

        Assert.Equal(status, (int)response.StatusCode);
        Assert.Contains(message, await response.Content.ReadAsStringAsync());
        Assert.Equal(0L, await EntriesAsync());
        Assert.Equal(0, await ArchivedObjectsAsync());
    }

    [Theory]
    [InlineData("", "empty")]
    [InlineData("{\"log_type\": \"COMMUNICATION\", \"event\": \"email\"}", "no From header")]
    [InlineData("Subject: hello\r\nTo: a@b.example\r\n\r\nno sender", "no From header")]
    public async Task Archive_OfSomethingThatIsNotAMessage_Is400_AndStoresNothing(string body, string message)
    {
        var response = await PostAsync(System.Text.Encoding.UTF8.GetBytes(body), Key);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains(message, await response.Content.ReadAsStringAsync());
        Assert.Equal(0L, await EntriesAsync());
        Assert.Equal(0, await ArchivedObjectsAsync());
    }

    [Fact]
    public async Task Archive_OverTheSizeLimit_Is413_AndStoresNothing()
    {
        var response = await PostAsync(new byte[EmailArchive.MaxMessageBytes + 1], Key);

        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
        Assert.Contains("25 MiB", await response.Content.ReadAsStringAsync());
        Assert.Equal(0L, await EntriesAsync());
    }
}
