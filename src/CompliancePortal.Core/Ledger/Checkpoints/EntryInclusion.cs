using CompliancePortal.Core.Ledger.Merkle;
using Npgsql;

namespace CompliancePortal.Core.Ledger.Checkpoints;

/// <summary>Whether one entry's own bytes are in the tree the newest signed checkpoint commits to.</summary>
public sealed record EntryInclusion(bool Included, long? TreeSize, int ProofLength, string LeafHash, string Reason)
{
    /// <summary>
    /// Hashes the entry's stored canonical bytes into its leaf, fetches its inclusion proof from the
    /// stored tiles and checks it (RFC 9162 2.1.3.2) against the root of the newest checkpoint,
    /// whose signature is checked with <paramref name="verifier"/> first: so the answer rests on
    /// the signed root, not on anything else the database says.
    /// </summary>
    public static async Task<EntryInclusion> CheckAsync(NpgsqlDataSource dataSource, NoteVerifier verifier, long seq, byte[] canonical, CancellationToken ct = default)
    {
        var leaf = MerkleHash.Leaf(canonical);
        var hex = Convert.ToHexStringLower(leaf);
        if (await CheckpointWriter.LatestAsync(dataSource, ct) is not { } latest)
            return new(false, null, 0, hex, "no checkpoint has been signed yet");
        if (Checkpoint.Open(latest.Note, verifier) is not { } checkpoint)
            return new(false, latest.TreeSize, 0, hex, $"the newest checkpoint ({latest.TreeSize} entries) is not signed by {verifier.Name}");
        if (seq > checkpoint.Size)
            return new(false, checkpoint.Size, 0, hex, $"entry {seq} is newer than the newest checkpoint ({checkpoint.Size} entries); it is in the next one");
        var path = await LedgerTree.InclusionProofAsync(dataSource, seq - 1, checkpoint.Size, ct);
        return MerkleProofs.VerifyInclusion(seq - 1, checkpoint.Size, leaf, path, checkpoint.Root)
            ? new(true, checkpoint.Size, path.Count, hex, $"included in the checkpoint of {checkpoint.Size} entries signed by {verifier.Name} ({path.Count} proof hashes)")
            : new(false, checkpoint.Size, path.Count, hex, $"the entry's bytes are NOT in the checkpoint of {checkpoint.Size} entries: it differs from what was signed");
    }
}
