using System.Globalization;
using System.Net.Http.Json;
using MailKit.Net.Smtp;
using MailKit.Security;
using MimeKit;

namespace CompliancePortal.Core.Alerts;

/// <summary>Sends one alert on one configured channel: a mail (MailKit) or a JSON webhook. Throws when it was not accepted.</summary>
public sealed class AlertSender(IHttpClientFactory http)
{
    public const string HttpClientName = "alert-webhooks";

    public async Task SendAsync(AlertChannelOptions channel, SmtpOptions smtp, Alert alert, CancellationToken ct)
    {
        switch (channel.Kind)
        {
            case AlertChannelKind.Email:
                await MailAsync(channel, smtp, alert, ct);
                break;
            case AlertChannelKind.Webhook:
                await PostAsync(channel, alert, ct);
                break;
            default:
                throw new InvalidOperationException($"channel kind {channel.Kind} cannot send");
        }
    }

    /// <summary>"[CRITICAL] trading_halted: RISK circuit_breaker_triggered: trigger=..."</summary>
    public static string Summary(Alert alert) =>
        $"[{alert.Severity.ToUpperInvariant()}] {alert.Rule}: {alert.Message}";

    private static async Task MailAsync(AlertChannelOptions channel, SmtpOptions smtp, Alert alert, CancellationToken ct)
    {
        if (string.IsNullOrWhiteSpace(smtp.Host)) throw new InvalidOperationException("Alerts:Smtp:Host is not set");
        var message = new MimeMessage();
        message.From.Add(MailboxAddress.Parse(smtp.From));
        foreach (var to in channel.To) message.To.Add(MailboxAddress.Parse(to));
        message.Subject = Summary(alert);
        message.Body = new TextPart("plain")
        {
            Text = string.Join("\n",
                Summary(alert),
                "",
                $"Rule:        {alert.Rule} ({alert.Severity})",
                $"Entry:       seq {alert.Seq} ({alert.LogType} {alert.Event})",
                $"Raised:      {Utc(alert.RaisedAt)}",
                $"Respond by:  {Utc(alert.DueAt)} ({alert.ResponseTime})",
                "",
                "Acknowledge it on the portal's Alerts page with a note saying what was done."),
        };
        using var client = new SmtpClient();
        await client.ConnectAsync(smtp.Host, smtp.Port, smtp.StartTls ? SecureSocketOptions.StartTls : SecureSocketOptions.None, ct);
        if (!string.IsNullOrEmpty(smtp.UserName)) await client.AuthenticateAsync(smtp.UserName, smtp.Password ?? "", ct);
        await client.SendAsync(message, ct);
        await client.DisconnectAsync(true, ct);
    }

    private async Task PostAsync(AlertChannelOptions channel, Alert alert, CancellationToken ct)
    {
        if (string.IsNullOrWhiteSpace(channel.Url)) throw new InvalidOperationException("the webhook channel has no Url");
        using var response = await http.CreateClient(HttpClientName).PostAsJsonAsync(channel.Url, new
        {
            text = Summary(alert),
            alert = new
            {
                id = alert.Id, rule = alert.Rule, severity = alert.Severity, message = alert.Message, seq = alert.Seq,
                log_type = alert.LogType, @event = alert.Event, raised_at = alert.RaisedAt, due_at = alert.DueAt,
            },
        }, ct);
        if (!response.IsSuccessStatusCode)
            throw new HttpRequestException($"the webhook answered {(int)response.StatusCode} {response.ReasonPhrase}");
    }

    private static string Utc(DateTimeOffset at) => at.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture) + " UTC";
}
