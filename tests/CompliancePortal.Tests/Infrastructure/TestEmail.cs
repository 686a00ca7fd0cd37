using System.Net.Http.Headers;
using MimeKit;

namespace CompliancePortal.Tests.Infrastructure;

/// <summary>Raw RFC 5322 messages as a mail gateway journals them, and their POST to the email archive.</summary>
public static class TestEmail
{
    public static readonly byte[] Pdf = [.. "%PDF-1.4 quarterly letter"u8, 0, 1, 2, 3];

    /// <summary>A letter from a portfolio manager to an investor, copied to compliance, with one PDF attached.</summary>
    public static byte[] Letter(DateTimeOffset date, string body = "Q3 performance attached. Returns net of fees: 4.2% — see the letter.",
        string subject = "Quarterly investor letter")
    {
        var message = new MimeMessage();
        message.From.Add(new MailboxAddress("Pat Manager", "pm@adviser.example"));
        message.To.Add(new MailboxAddress("Investor One", "one@investor.example"));
        message.Cc.Add(new MailboxAddress("Compliance", "cco@adviser.example"));
        message.Subject = subject;
        message.MessageId = "q3-letter-0001@adviser.example";
        message.Date = date;
        var builder = new BodyBuilder { TextBody = body };
        builder.Attachments.Add("q3-letter.pdf", Pdf, new ContentType("application", "pdf"));
        message.Body = builder.ToMessageBody();
        using var raw = new MemoryStream();
        message.WriteTo(raw);
        return raw.ToArray();
    }

    public static Task<HttpResponseMessage> PostEmailAsync(this HttpClient client, byte[] raw, string? key, string contentType = "message/rfc822")
    {
        var request = new HttpRequestMessage(HttpMethod.Post, "/api/v1/communications/emails") { Content = new ByteArrayContent(raw) };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue(contentType);
        if (key is not null) request.Headers.Add("X-Api-Key", key);
        return client.SendAsync(request);
    }
}
