using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using CompliancePortal.Core.Ledger.Checkpoints;
using CompliancePortal.Core.Ledger.Merkle;
using Npgsql;

namespace CompliancePortal.Core.Packages;

/// <summary>ledger/proof.json: what ties the segment to the signed checkpoint, and the period's checkpoint to it.</summary>
public sealed record PackageProofJson(
    [property: JsonPropertyName("tree_size")] long TreeSize,
    [property: JsonPropertyName("segment_first_seq")] long? SegmentFirstSeq,
    [property: JsonPropertyName("segment_last_seq")] long? SegmentLastSeq,
    [property: JsonPropertyName("range_hashes")] IReadOnlyList<string> RangeHashes,
    [property: JsonPropertyName("period_checkpoint")] string? PeriodCheckpoint,
    [property: JsonPropertyName("period_checkpoint_size")] long? PeriodCheckpointSize,
    [property: JsonPropertyName("period_consistency")] IReadOnlyList<string> PeriodConsistency);

/// <summary>
/// The proof a package carries (docs/ledger-format.md, section 8): the newest signed checkpoint
/// (signed now if none covers the build's head), the verifier key, the hashes that with the
/// segment's leaves give that checkpoint's root, the first checkpoint that covered the period's
/// last entry with a consistency proof to the newest, and the signature over manifest.json.
/// </summary>
internal static class PackageProof
{
    public const string CheckpointFile = "ledger/checkpoint.note";
    public const string PeriodCheckpointFile = "ledger/period_checkpoint.note";
    public const string VerifierKeyFile = "ledger/verifier_key.txt";
    public const string ProofFile = "ledger/proof.json";
    public const string VerifierScript = "verify_package.py";
    public const string ManifestSignatureFormat = "compliance-package/1 manifest";

    public sealed record Written(IReadOnlyList<(string Path, string Text)> Files, PackageCheckpoint Checkpoint);

    public static async Task<Written> WriteAsync(NpgsqlDataSource db, CheckpointWriter checkpoints, NoteSigner signer, LedgerSegment segment,
        long head, CancellationToken ct)
    {
        var latest = await checkpoints.CoveringAsync(head, ct);
        var files = new List<(string, string)> { (CheckpointFile, latest.Note), (VerifierKeyFile, signer.Verifier.Encoded + "\n") };
        List<byte[]> range = [], consistency = [];
        StoredCheckpoint? period = null;
        if (segment.FirstSeq is { } first && segment.LastSeq is { } last)
        {
            range = await LedgerTree.SegmentProofAsync(db, new LeafRange(first - 1, last), latest.TreeSize, ct);
            period = await CheckpointWriter.FirstCoveringAsync(db, last, ct);
            if (period is not null)
            {
                consistency = await LedgerTree.ConsistencyProofAsync(db, period.TreeSize, latest.TreeSize, ct);
                files.Add((PeriodCheckpointFile, period.Note));
            }
        }
        var proof = new PackageProofJson(latest.TreeSize, segment.FirstSeq, segment.LastSeq, [.. range.Select(Convert.ToHexStringLower)],
            period is null ? null : PeriodCheckpointFile, period?.TreeSize, [.. consistency.Select(Convert.ToHexStringLower)]);
        files.Add((ProofFile, JsonSerializer.Serialize(proof, new JsonSerializerOptions { WriteIndented = true }) + "\n"));
        return new Written(files, new PackageCheckpoint(CheckpointFile, latest.TreeSize, Convert.ToHexStringLower(latest.RootHash), signer.Verifier.Encoded));
    }

    /// <summary>manifest.sig: a signed note naming the package and the SHA-256 of manifest.json's bytes.</summary>
    public static string SignManifest(Guid packageId, byte[] manifest, NoteSigner signer) =>
        SignedNote.Sign(string.Create(CultureInfo.InvariantCulture,
            $"{ManifestSignatureFormat}\n{packageId}\nsha256 {Convert.ToHexStringLower(SHA256.HashData(manifest))}\n"), signer);

    /// <summary>The offline verifier shipped in every package (Python 3, standard library only).</summary>
    public static string VerifierScriptText()
    {
        using var stream = typeof(PackageProof).Assembly.GetManifestResourceStream(VerifierScript)
            ?? throw new InvalidOperationException($"{VerifierScript} is not embedded in the assembly");
        using var reader = new StreamReader(stream, Encoding.UTF8);
        return reader.ReadToEnd();
    }
}
