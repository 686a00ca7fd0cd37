namespace CompliancePortal.Client;

public sealed class PortalClientOptions
{
    /// <summary>The portal, e.g. https://compliance.example/ (the client posts to api/v1/events under it).</summary>
    public required Uri BaseAddress { get; init; }

    /// <summary>The source's API key (sent as X-Api-Key).</summary>
    public required string ApiKey { get; init; }

    /// <summary>
    /// Where events wait while the portal cannot take them (spool-*.ndjson, oldest sent first)
    /// and where events the portal refused as invalid are kept with the reason (rejected.ndjson).
    /// </summary>
    public required string SpoolFolder { get; init; }

    /// <summary>Most events in one request.</summary>
    public int MaxBatchEvents { get; init; } = 500;

    /// <summary>How long the sender waits for more events before sending a small batch.</summary>
    public TimeSpan Linger { get; init; } = TimeSpan.FromMilliseconds(50);

    /// <summary>Events held in memory; beyond that <see cref="PortalEventClient.Post"/> writes straight to the spool.</summary>
    public int MaxQueuedEvents { get; init; } = 10_000;

    /// <summary>How long a batch is retried (waits doubling from <see cref="FirstRetryDelay"/>) before it goes to the spool.</summary>
    public TimeSpan RetryFor { get; init; } = TimeSpan.FromSeconds(30);

    public TimeSpan FirstRetryDelay { get; init; } = TimeSpan.FromMilliseconds(200);

    /// <summary>How often the spool is tried again while it holds events.</summary>
    public TimeSpan SpoolRetryInterval { get; init; } = TimeSpan.FromSeconds(5);
}
