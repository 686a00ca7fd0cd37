using CompliancePortal.Core.Ledger.Checkpoints;

namespace CompliancePortal.Ledger;

/// <summary>The Merkle tree builder and checkpoint signer, and the key it signs with.</summary>
public static class CheckpointSetup
{
    /// <summary>Where the embedded default keeps the key it generates (inside the ignored .data folder).</summary>
    public const string EmbeddedKeyFile = ".data/checkpoint-signing.key";

    /// <summary>Registered before the ledger writer, so it stops after it and its last checkpoint covers every commit.</summary>
    public static void AddCheckpoints(this WebApplicationBuilder builder)
    {
        var options = builder.AddSettings<CheckpointOptions>();
        var embedded = string.IsNullOrWhiteSpace(builder.Configuration.GetConnectionString("Portal"));
        builder.Services.AddSingleton(LoadSigner(options, builder.Environment.ContentRootPath, embedded));
        builder.Services.AddSingleton(sp => sp.GetRequiredService<NoteSigner>().Verifier);
        builder.Services.AddSingleton<CheckpointAudit>();
        builder.Services.AddTransient<CheckpointAuditJob>();
        builder.Services.AddHttpClient(WitnessClient.HttpClientName, c => c.Timeout = options.WitnessTimeout);
        builder.Services.AddSingleton<WitnessClient>();
        builder.Services.AddSingleton<CheckpointWriter>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<CheckpointWriter>());
    }

    /// <summary>
    /// The signing key from Checkpoints:SigningKey, or the file Checkpoints:SigningKeyFile names.
    /// Only the embedded default makes one when none is given (and prints its verifier key at
    /// start-up); a portal on a configured database refuses to start without one, since
    /// checkpoints signed by a key nobody keeps prove nothing.
    /// </summary>
    public static NoteSigner LoadSigner(CheckpointOptions options, string contentRoot, bool embedded)
    {
        if (!string.IsNullOrWhiteSpace(options.SigningKey)) return Parse(options.SigningKey, "Checkpoints:SigningKey");
        var file = options.SigningKeyFile ?? (embedded ? EmbeddedKeyFile : null);
        if (file is null)
            throw new InvalidOperationException(
                "No checkpoint signing key: set Checkpoints:SigningKey (e.g. the environment variable Checkpoints__SigningKey) or " +
                "Checkpoints:SigningKeyFile. Make one with: dotnet run --project src/CompliancePortal -- checkpoint-key --name <your-domain>/ledger");
        var path = Path.Combine(contentRoot, file);
        if (!File.Exists(path))
        {
            if (!embedded) throw new InvalidOperationException($"Checkpoints:SigningKeyFile {path} does not exist.");
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            File.WriteAllText(path, NoteSigner.Generate(options.KeyName) + "\n");
            if (!OperatingSystem.IsWindows()) File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        }
        return Parse(File.ReadAllText(path), path);
    }

    private static NoteSigner Parse(string text, string where)
    {
        try
        {
            return NoteSigner.Parse(text);
        }
        catch (FormatException ex)
        {
            throw new InvalidOperationException($"The checkpoint signing key in {where} is not usable: {ex.Message}", ex);
        }
    }
}
