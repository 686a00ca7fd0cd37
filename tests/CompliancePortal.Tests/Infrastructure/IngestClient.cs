using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;

namespace CompliancePortal.Tests.Infrastructure;

/// <summary>Small helpers for talking to the ingest API the way a source system does.</summary>
public static class IngestClient
{
    public static Task<HttpResponseMessage> PostJsonAsync(this HttpClient client, string json, string? key = null) =>
        SendAsync(client, json, "application/json", key);

    public static Task<HttpResponseMessage> PostNdJsonAsync(this HttpClient client, IEnumerable<string> lines, string? key = null) =>
        SendAsync(client, string.Join('\n', lines) + "\n", "application/x-ndjson", key);

    /// <summary>
    /// Posts NDJSON until it is accepted, as a source system does: a 503 (the writer's queue
    /// full, or the full-text indexer behind) stored nothing and is sent again after its
    /// Retry-After (capped here at half a second); any other answer but 200 fails the test with its body.
    /// </summary>
    public static async Task<JsonElement> PostNdJsonUntilAcceptedAsync(this HttpClient client, IReadOnlyList<string> lines, string key)
    {
        for (var attempt = 1; ; attempt++)
        {
            using var response = await client.PostNdJsonAsync(lines, key);
            var body = await response.Content.ReadAsStringAsync();
            if (response.StatusCode == System.Net.HttpStatusCode.ServiceUnavailable && attempt < 60)
            {
                var wait = response.Headers.RetryAfter?.Delta ?? TimeSpan.FromSeconds(1);
                await Task.Delay(wait < TimeSpan.FromMilliseconds(500) ? wait : TimeSpan.FromMilliseconds(500));
                continue;
            }
            if (response.StatusCode != System.Net.HttpStatusCode.OK)
                throw new Xunit.Sdk.XunitException($"the portal answered {(int)response.StatusCode}: {body}");
            using var doc = JsonDocument.Parse(body);
            return doc.RootElement.Clone();
        }
    }

    public static async Task<HttpResponseMessage> SendAsync(HttpClient client, string body, string contentType, string? key, string path = "/api/v1/events")
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, path)
        {
            Content = new StringContent(body, Encoding.UTF8),
        };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue(contentType);
        if (key is not null) request.Headers.Add("X-Api-Key", key);
        return await client.SendAsync(request);
    }

    /// <summary>POST /api/v1/positions as the trading system does.</summary>
    public static async Task<HttpResponseMessage> SendPositionsAsync(HttpClient client, string key, string body)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/v1/positions") { Content = new StringContent(body, Encoding.UTF8) };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        request.Headers.Add("X-Api-Key", key);
        return await client.SendAsync(request);
    }

    /// <summary>GET /healthz with an API key: the detail (chain head, queue) is for keys and Admins.</summary>
    public static async Task<JsonElement> HealthAsync(this HttpClient client, string key)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "/healthz");
        request.Headers.Add("X-Api-Key", key);
        using var response = await client.SendAsync(request);
        return await response.JsonAsync();
    }

    public static async Task<JsonElement> JsonAsync(this HttpResponseMessage response)
    {
        using var doc = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        return doc.RootElement.Clone();
    }

    /// <summary>A seed-shaped trade event with a unique trade id.</summary>
    public static string Trade(int n, string? eventId = null, string asset = "QQQ") =>
        JsonSerializer.Serialize(new Dictionary<string, object?>
        {
            ["timestamp"] = "2024-10-08T10:32:45.123456Z",
            ["log_type"] = "TRADE",
            ["event"] = "trade_executed",
            ["event_id"] = eventId,
            ["trade_id"] = $"TRD-2024-10-08-{n:D6}",
            ["asset"] = asset,
            ["action"] = "SELL_PUT",
            ["quantity"] = 5,
            ["fill_price"] = 8.52,
        });
}
