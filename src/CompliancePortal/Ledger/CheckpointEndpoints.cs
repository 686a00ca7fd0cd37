using System.Globalization;
using System.Text.Json.Serialization;
using CompliancePortal.Accounts;
using CompliancePortal.Core.ApiKeys;
using CompliancePortal.Core.Ledger.Checkpoints;
using CompliancePortal.Core.Ledger.Merkle;
using CompliancePortal.Ingest;
using Npgsql;

namespace CompliancePortal.Ledger;

public sealed record InclusionProofResponse(
    [property: JsonPropertyName("tree_size")] long TreeSize,
    [property: JsonPropertyName("leaf_index")] long LeafIndex,
    [property: JsonPropertyName("seq")] long Seq,
    [property: JsonPropertyName("leaf_hash")] string LeafHash,
    [property: JsonPropertyName("root_hash")] string RootHash,
    [property: JsonPropertyName("hashes")] IReadOnlyList<string> Hashes);

public sealed record ConsistencyProofResponse(
    [property: JsonPropertyName("first_size")] long FirstSize,
    [property: JsonPropertyName("tree_size")] long TreeSize,
    [property: JsonPropertyName("hashes")] IReadOnlyList<string> Hashes);

/// <summary>
/// The ledger's signed checkpoints and Merkle proofs, for API keys granted verification and for
/// ComplianceOfficers, Auditors and Admins. They hold hashes only, no record content, so reading
/// them is not recorded as a user action. A root in a proof answer is for convenience: a client
/// checks it against a checkpoint it verified with the published key.
/// </summary>
public static class CheckpointEndpoints
{
    public static void MapCheckpointApi(this IEndpointRouteBuilder app)
    {
        app.MapGet("/api/v1/ledger/checkpoint", async (HttpContext http, ApiKeyStore keys, NpgsqlDataSource db) =>
        {
            if (await RefuseAsync(http, keys) is { } refused) return refused;
            // The witnesses' cosignatures follow the portal's own signature, as further signature lines.
            return await CheckpointWriter.LatestAsync(db, http.RequestAborted) is { } latest
                ? Results.Text(latest.Note + await WitnessClient.CosignaturesAsync(db, latest.TreeSize, http.RequestAborted), "text/plain; charset=utf-8")
                : Problems.NotFound("No checkpoint has been signed yet: the first comes within Checkpoints:Interval of the first entry.");
        }).AllowAnonymous();

        app.MapGet("/api/v1/ledger/checkpoint/key", async (HttpContext http, ApiKeyStore keys, NoteSigner signer) =>
            await RefuseAsync(http, keys) ?? Results.Text(signer.Verifier.Encoded + "\n", "text/plain; charset=utf-8")).AllowAnonymous();

        app.MapGet("/api/v1/ledger/proof/inclusion", async (HttpContext http, ApiKeyStore keys, NpgsqlDataSource db, string? seq, string? size) =>
        {
            if (await RefuseAsync(http, keys) is { } refused) return refused;
            var (entry, seqProblem) = ParseCount(seq, "seq", required: true);
            if (seqProblem is not null) return seqProblem;
            var (treeSize, sizeProblem) = await SizeOrLatestAsync(db, size, "size", http.RequestAborted);
            if (sizeProblem is not null) return sizeProblem;
            var seqNumber = entry!.Value;
            if (seqNumber > treeSize)
                return Problems.NotFound($"entry {seqNumber} is not in the tree of {treeSize} entries (a new entry is in the next checkpoint, within Checkpoints:Interval).");
            var path = await LedgerTree.InclusionProofAsync(db, seqNumber - 1, treeSize, http.RequestAborted);
            var leaf = await LedgerTree.LeafHashAsync(db, seqNumber, http.RequestAborted);
            var root = await LedgerTree.RootAsync(db, treeSize, http.RequestAborted);
            return Results.Ok(new InclusionProofResponse(treeSize, seqNumber - 1, seqNumber, Hex(leaf), Hex(root), [.. path.Select(Hex)]));
        }).AllowAnonymous();

        app.MapGet("/api/v1/ledger/proof/consistency", async (HttpContext http, ApiKeyStore keys, NpgsqlDataSource db, string? from, string? to) =>
        {
            if (await RefuseAsync(http, keys) is { } refused) return refused;
            var (first, fromProblem) = ParseCount(from, "from", required: true);
            if (fromProblem is not null) return fromProblem;
            var (second, toProblem) = await SizeOrLatestAsync(db, to, "to", http.RequestAborted);
            if (toProblem is not null) return toProblem;
            if (first!.Value > second) return Problems.BadRequest($"from ({first}) must not be beyond to ({second}).");
            var proof = await LedgerTree.ConsistencyProofAsync(db, first.Value, second, http.RequestAborted);
            return Results.Ok(new ConsistencyProofResponse(first.Value, second, [.. proof.Select(Hex)]));
        }).AllowAnonymous();
    }

    private static string Hex(byte[] hash) => Convert.ToHexStringLower(hash);

    /// <summary>A key granted verification, or a signed-in ComplianceOfficer, Auditor or Admin; otherwise the problem to send.</summary>
    private static async Task<IResult?> RefuseAsync(HttpContext http, ApiKeyStore keys)
    {
        if (http.User.Identity?.IsAuthenticated == true && !http.Request.Headers.ContainsKey(ApiKeyAuthentication.Header))
            return Policies.Allows(http.User, Policies.ProofReaders) ? null : Problems.Forbidden("Your role may not read the ledger's proofs.");
        var (key, problem) = await ApiKeyAuthentication.AuthenticateAsync(http, keys);
        if (problem is not null) return problem;
        return key!.CanVerify ? null : Problems.Forbidden("This API key is not granted ledger verification.");
    }

    private static (long? Value, IResult? Problem) ParseCount(string? text, string name, bool required)
    {
        if (string.IsNullOrEmpty(text))
            return required ? (null, Problems.BadRequest($"{name} is required (a whole number).")) : (null, null);
        return long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var value) && value > 0
            ? (value, null)
            : (null, Problems.BadRequest($"{name} must be a whole number of at least 1, not '{Cut(text)}'."));
    }

    private static string Cut(string text) => text.Length <= 40 ? text : text[..40] + "…";

    /// <summary>The tree size asked for (at most the tree's), or the newest checkpoint's.</summary>
    private static async Task<(long Size, IResult? Problem)> SizeOrLatestAsync(NpgsqlDataSource db, string? text, string name, CancellationToken ct)
    {
        var (asked, problem) = ParseCount(text, name, required: false);
        if (problem is not null) return (0, problem);
        if (asked is null)
        {
            return await CheckpointWriter.LatestAsync(db, ct) is { } latest
                ? (latest.TreeSize, null)
                : (0, Problems.NotFound($"No checkpoint has been signed yet; give {name} explicitly or try again shortly."));
        }
        await using var connection = await db.OpenConnectionAsync(ct);
        var tree = await LedgerTree.ReadHeadAsync(connection, ct);
        return asked <= tree.Size
            ? (asked.Value, null)
            : (0, Problems.NotFound($"{name} {asked} is beyond the tree, which has {tree.Size} entries so far."));
    }
}
