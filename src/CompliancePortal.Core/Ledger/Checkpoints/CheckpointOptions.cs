namespace CompliancePortal.Core.Ledger.Checkpoints;

/// <summary>Settings of the Merkle tree builder and the signed checkpoints (section Checkpoints).</summary>
public sealed class CheckpointOptions : ISettings
{
    public const string Section = "Checkpoints";

    static string ISettings.Section => Section;

    /// <summary>How often a checkpoint is signed when the tree grew (also once at shutdown).</summary>
    public TimeSpan Interval { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>How often the tree is brought level with the ledger.</summary>
    public TimeSpan TreeInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>Most entries one tree transaction appends.</summary>
    public int TreeBatchLeaves { get; set; } = 50_000;

    /// <summary>The signing key's text (PRIVATE+KEY+name+id+key), e.g. from the environment as Checkpoints__SigningKey.</summary>
    public string? SigningKey { get; set; }

    /// <summary>A file holding the signing key's text. On the embedded default it is made at first start when missing.</summary>
    public string? SigningKeyFile { get; set; }

    /// <summary>The key name (and so the checkpoints' origin line) a generated key gets.</summary>
    public string KeyName { get; set; } = "localhost/compliance-portal";

    /// <summary>C2SP tlog-witness servers each new checkpoint is sent to for cosigning; none by default.</summary>
    public List<WitnessOptions> Witnesses { get; set; } = [];

    /// <summary>How long one witness request may take.</summary>
    public TimeSpan WitnessTimeout { get; set; } = TimeSpan.FromSeconds(10);

    public string? Problem() =>
        Interval <= TimeSpan.Zero ? "Checkpoints:Interval must be positive"
        : TreeInterval <= TimeSpan.Zero ? "Checkpoints:TreeInterval must be positive"
        : TreeBatchLeaves <= 0 ? "Checkpoints:TreeBatchLeaves must be positive"
        : WitnessTimeout <= TimeSpan.Zero ? "Checkpoints:WitnessTimeout must be positive"
        : Witnesses.Select(WitnessProblem).FirstOrDefault(p => p is not null);

    private static string? WitnessProblem(WitnessOptions witness, int index)
    {
        if (!Uri.TryCreate(witness.Url, UriKind.Absolute, out var url) || url.Scheme is not ("http" or "https"))
            return $"Checkpoints:Witnesses:{index}:Url must be an absolute http(s) URL";
        try
        {
            CosignatureKey.Parse(witness.Key);
            return null;
        }
        catch (FormatException ex)
        {
            return $"Checkpoints:Witnesses:{index}:Key is not a witness key: {ex.Message}";
        }
    }
}
