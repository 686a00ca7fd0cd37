using System.Net.Http.Headers;
using System.Text;
using CompliancePortal.Core;
using CompliancePortal.Core.ApiKeys;
using CompliancePortal.Core.Ledger;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.Options;

namespace CompliancePortal.Demo;

/// <summary>
/// A stand-in for the firm's trading, risk and NAV systems: it posts a realistic trading day
/// through the public ingest API (the same path a real source uses), first the morning so far,
/// then a steady live stream. Every event carries an event_id, so the resilience handler's
/// retries never store anything twice.
/// </summary>
public sealed class DemoEventSource(
    IOptions<DemoOptions> options,
    ApiKeyStore keys,
    IServer server,
    IHostApplicationLifetime lifetime,
    IHttpClientFactory httpClients,
    TimeProvider time,
    ILogger<DemoEventSource> logger) : BackgroundService
{
    public const string KeyName = "demo";
    public const string HttpClientName = "demo-source";

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var demo = options.Value;
        await keys.UpsertAsync(KeyName, demo.ApiKey!, [.. LogTypes.All], canVerify: true, stoppingToken);
        if (!await WaitForStartAsync(stoppingToken)) return;

        using var http = httpClients.CreateClient(HttpClientName);
        http.BaseAddress = new Uri(ServerAddress());
        http.DefaultRequestHeaders.Add("X-Api-Key", demo.ApiKey);
        var run = Guid.NewGuid().ToString("N")[..8];
        var events = new DemoEvents(Environment.TickCount);
        var n = 0;
        try
        {
            await BackfillAsync(http, events, run, () => ++n, stoppingToken);
            await PostBookAsync(http, stoppingToken);
            await PostLetterAsync(http, run, stoppingToken);
            var delay = TimeSpan.FromSeconds(1 / Math.Max(0.1, demo.EventsPerSecond));
            while (!stoppingToken.IsCancellationRequested)
            {
                await Task.Delay(delay, time, stoppingToken);
                var e = events.Next(time.GetUtcNow());
                e["event_id"] = $"demo-{run}-{++n}";
                await PostAsync(http, new StringContent(e.ToJsonString(), Encoding.UTF8, "application/json"), stoppingToken);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    /// <summary>Today's session so far (from 13:30 UTC, the US open), posted as NDJSON in batches.</summary>
    private async Task BackfillAsync(HttpClient http, DemoEvents events, string run, Func<int> next, CancellationToken ct)
    {
        var count = options.Value.Backfill;
        if (count <= 0) return;
        var now = time.GetUtcNow();
        var open = new DateTimeOffset(now.Date.AddHours(13.5), TimeSpan.Zero);
        if (open > now) open = now.AddHours(-6);
        var step = (now - open) / count;
        var body = new StringBuilder();
        for (var i = 0; i < count; i++)
        {
            var e = events.Next(open + step * i);
            e["event_id"] = $"demo-{run}-{next()}";
            body.Append(e.ToJsonString()).Append('\n');
            if ((i + 1) % 100 == 0 || i == count - 1)
            {
                await PostAsync(http, new StringContent(body.ToString(), Encoding.UTF8, "application/x-ndjson"), ct);
                body.Clear();
            }
        }
        logger.LogInformation("Demo source posted {Count} events of today's session", count);
    }

    /// <summary>Today's positions, as the trading system submits its book (the snapshot job freezes it after the deadline).</summary>
    private Task PostBookAsync(HttpClient http, CancellationToken ct)
    {
        var today = Formats.Day(time.GetUtcNow());
        var book = $$"""
            {"date":"{{today}}","positions":[
              {"asset":"SPY","quantity":200,"market_value":80400.00,"delta":200,"account":"FUND-A"},
              {"asset":"QQQ 2026-12-18 P 400","instrument":"option","quantity":-5,"market_value":-4250.00,"delta":-1.75,"price":8.50,"account":"FUND-A"},
              {"asset":"IWM","quantity":150,"market_value":33012.00,"delta":150,"account":"FUND-A"}
            ]}
            """;
        return PostAsync(http, new StringContent(book, Encoding.UTF8, "application/json"), ct, "/api/v1/positions");
    }

    /// <summary>An investor letter as the mail gateway journals it to the email archive.</summary>
    private Task PostLetterAsync(HttpClient http, string run, CancellationToken ct)
    {
        var letter = new MimeKit.MimeMessage();
        letter.From.Add(new MimeKit.MailboxAddress("Portfolio Manager", "pm@adviser.example"));
        letter.To.Add(new MimeKit.MailboxAddress("Fund A investors", "investors-fund-a@adviser.example"));
        letter.Cc.Add(new MimeKit.MailboxAddress("Compliance", "cco@adviser.example"));
        letter.Subject = "Fund A: weekly update";
        letter.MessageId = $"weekly-{run}@adviser.example";
        letter.Date = time.GetUtcNow();
        letter.Body = new MimeKit.TextPart("plain")
        {
            Text = "This week the fund sold 5 QQQ puts (weekly premium strategy) and kept its SPY core position. " +
                   "Past performance is no guarantee of future results.",
        };
        using var raw = new MemoryStream();
        letter.WriteTo(raw);
        var content = new ByteArrayContent(raw.ToArray());
        content.Headers.ContentType = new MediaTypeHeaderValue("message/rfc822");
        return PostAsync(http, content, ct, "/api/v1/communications/emails");
    }

    private async Task PostAsync(HttpClient http, HttpContent content, CancellationToken ct, string path = "/api/v1/events")
    {
        try
        {
            using var response = await http.PostAsync(path, content, ct);
            if (!response.IsSuccessStatusCode)
                logger.LogWarning("Demo post refused: {Status} {Body}", (int)response.StatusCode, await response.Content.ReadAsStringAsync(ct));
        }
        catch (HttpRequestException ex)
        {
            logger.LogWarning(ex, "Demo post failed");
        }
    }

    private async Task<bool> WaitForStartAsync(CancellationToken ct)
    {
        var started = new TaskCompletionSource();
        using var registration = lifetime.ApplicationStarted.Register(() => started.TrySetResult());
        try
        {
            await started.Task.WaitAsync(ct);
            return true;
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    private string ServerAddress()
    {
        var address = server.Features.Get<IServerAddressesFeature>()?.Addresses.FirstOrDefault(a => a.StartsWith("http://", StringComparison.Ordinal))
            ?? server.Features.Get<IServerAddressesFeature>()?.Addresses.First()
            ?? throw new InvalidOperationException("the server has no address");
        return address.Replace("://0.0.0.0", "://127.0.0.1").Replace("://[::]", "://127.0.0.1").Replace("://+", "://127.0.0.1").Replace("://*", "://127.0.0.1");
    }
}

public static class DemoSetup
{
    public static void AddDemoSource(this WebApplicationBuilder builder)
    {
        var demo = builder.AddSettings<DemoOptions>();
        var embedded = string.IsNullOrWhiteSpace(builder.Configuration.GetConnectionString("Portal"));
        // The demo users' password is published in the README and the demo key may write every
        // log type: on a real database that is a back door, so only a test machine may ask for it.
        if (demo.Enabled == true && !embedded && !builder.Environment.IsDevelopment())
            throw new InvalidOperationException(
                $"Demo:Enabled=true is refused in the {builder.Environment.EnvironmentName} environment with ConnectionStrings:Portal set: " +
                "the demo users' password is published and the demo key may write every log type. Remove Demo:Enabled " +
                "(the demo runs only on the embedded default), or run with ASPNETCORE_ENVIRONMENT=Development on a test machine.");
        var on = demo.Enabled ?? embedded;
        builder.Services.PostConfigure<DemoOptions>(o =>
        {
            o.ApiKey ??= ApiKeyStore.NewKey();
            o.Enabled = on;
        });
        if (!on)
        {
            builder.Services.AddHostedService<DemoRetirement>();
            return;
        }
        builder.Services.AddHostedService<DemoUsers>();
        builder.Services.AddHttpClient(DemoEventSource.HttpClientName)
            .ConfigurePrimaryHttpMessageHandler(() => new SocketsHttpHandler())
            .AddStandardResilienceHandler();
        builder.Services.AddHostedService<DemoEventSource>();
    }
}
