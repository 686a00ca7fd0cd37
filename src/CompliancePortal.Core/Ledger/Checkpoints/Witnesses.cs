using System.Buffers.Binary;
using System.Globalization;
using System.Net;
using System.Security.Cryptography;
using System.Text;
using CompliancePortal.Core.Audit;
using CompliancePortal.Core.Ledger.Merkle;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Npgsql;

namespace CompliancePortal.Core.Ledger.Checkpoints;

/// <summary>One C2SP tlog-witness the checkpoints are sent to (Checkpoints:Witnesses).</summary>
public sealed class WitnessOptions
{
    /// <summary>The witness's submission prefix: requests go to <c>{Url}/add-checkpoint</c>.</summary>
    public string Url { get; set; } = "";

    /// <summary>The witness's cosignature verifier key, <c>name+keyid+base64(0x04 ‖ Ed25519 public key)</c>.</summary>
    public string Key { get; set; } = "";
}

/// <summary>
/// A witness's tlog-cosignature/v1 verifier key (Ed25519, signature type 0x04). A cosignature is
/// the key ID, an 8-byte big-endian Unix time and the Ed25519 signature of
/// <c>"cosignature/v1\ntime &lt;seconds&gt;\n" + checkpoint text</c>.
/// </summary>
public sealed class CosignatureKey
{
    private const byte CosignatureType = 0x04;
    private readonly NoteVerifier _ed25519;

    public string Name { get; }
    public uint KeyId { get; }

    private CosignatureKey(string name, byte[] publicKey)
    {
        Name = name;
        _ed25519 = new NoteVerifier(name, publicKey);
        KeyId = BinaryPrimitives.ReadUInt32BigEndian(SHA256.HashData([.. Encoding.UTF8.GetBytes(name), 0x0A, CosignatureType, .. publicKey]));
    }

    public static CosignatureKey Parse(string encoded)
    {
        var parts = encoded.Trim().Split('+', 3);
        if (parts.Length != 3) throw new FormatException("a witness key is name+keyid+base64key");
        SignedNote.CheckKeyName(parts[0]);
        var raw = NoteVerifier.Base64(parts[2]);
        if (raw.Length != 33 || raw[0] != CosignatureType) throw new FormatException("a witness key is a tlog-cosignature/v1 Ed25519 key (type 0x04)");
        var key = new CosignatureKey(parts[0], raw[1..]);
        if (!string.Equals(parts[1], key.KeyId.ToString("x8"), StringComparison.Ordinal))
            throw new FormatException("the witness key's ID does not match its name and key");
        return key;
    }

    public static string Message(string checkpointText, ulong time) =>
        $"cosignature/v1\ntime {time.ToString(CultureInfo.InvariantCulture)}\n{checkpointText}";

    /// <summary>The cosignature's time when <paramref name="signature"/> (what follows the key ID) cosigns the checkpoint; null otherwise.</summary>
    public DateTimeOffset? Verify(string checkpointText, ReadOnlySpan<byte> signature)
    {
        if (signature.Length != 8 + 64) return null;
        var time = BinaryPrimitives.ReadUInt64BigEndian(signature);
        if (time is 0 or > long.MaxValue / 1000) return null;
        return _ed25519.Verify(Message(checkpointText, time), signature[8..])
            ? DateTimeOffset.FromUnixTimeSeconds((long)time) : null;
    }
}

/// <summary>What one witness did with a checkpoint.</summary>
public sealed record WitnessOutcome(string Witness, long TreeSize, bool Cosigned, HttpStatusCode? Status, string? Problem);

/// <summary>
/// Sends each new checkpoint to the configured C2SP tlog-witness servers (POST add-checkpoint with
/// a consistency proof from the size the witness last cosigned) and stores their cosignatures in
/// <c>ledger_cosignatures</c>. A witness only ever needs the newest checkpoint, so one that was
/// away simply gets the next. A witness that refuses a checkpoint because the ledger does not
/// extend what it cosigned before (422) has caught a rewritten ledger: that is recorded as a
/// CRITICAL <c>checkpoint_witness_refused</c> entry (the ledger_rejected_by_witness alert).
/// </summary>
public sealed class WitnessClient(
    NpgsqlDataSource dataSource,
    IHttpClientFactory http,
    UserActionLog log,
    IOptions<CheckpointOptions> options,
    ILogger<WitnessClient> logger)
{
    public const string HttpClientName = "tlog-witness";
    public const string RefusedEvent = "checkpoint_witness_refused";
    private static readonly Actor Actor = new("job:checkpoint-witness");

    private readonly IReadOnlyList<(Uri Url, CosignatureKey Key)> _witnesses =
        [.. options.Value.Witnesses.Select(w => (new Uri(w.Url.TrimEnd('/') + "/add-checkpoint"), CosignatureKey.Parse(w.Key)))];

    // The last refusal recorded per witness, so a witness refusing every checkpoint is one entry, not one per interval.
    private readonly Dictionary<string, (HttpStatusCode?, long)> _reported = [];

    public bool Any => _witnesses.Count > 0;

    public async Task<IReadOnlyList<WitnessOutcome>> SubmitAsync(StoredCheckpoint checkpoint, CancellationToken ct = default) =>
        await Task.WhenAll(_witnesses.Select(w => SubmitAsync(w.Url, w.Key, checkpoint, ct)));

    private async Task<WitnessOutcome> SubmitAsync(Uri url, CosignatureKey key, StoredCheckpoint checkpoint, CancellationToken ct)
    {
        try
        {
            var old = await LastCosignedAsync(key.Name, ct);
            // A witness told the portal its size once (409): the protocol's way to start over with it.
            for (var attempt = 0; attempt < 2; attempt++)
            {
                if (old > checkpoint.TreeSize)
                    return await RefusedAsync(key, checkpoint, old, null, $"the witness has cosigned {old} entries, more than this checkpoint's {checkpoint.TreeSize}");
                using var response = await PostAsync(url, checkpoint, old, ct);
                var body = await response.Content.ReadAsStringAsync(ct);
                if (response.StatusCode == HttpStatusCode.OK) return await StoreAsync(key, checkpoint, old, body, ct);
                if (response.StatusCode == HttpStatusCode.Conflict && response.Content.Headers.ContentType?.MediaType == "text/x.tlog.size"
                    && long.TryParse(body.Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out var size) && size != old)
                {
                    old = size;
                    continue;
                }
                return await RefusedAsync(key, checkpoint, old, response.StatusCode, body.Length > 500 ? body[..500] : body.Trim());
            }
            return await RefusedAsync(key, checkpoint, old, HttpStatusCode.Conflict, "the witness's size kept changing");
        }
        catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException && !ct.IsCancellationRequested)
        {
            // Unreachable for now: the next checkpoint tries again.
            logger.LogWarning(ex, "Witness {Witness} could not be reached for the checkpoint of {Size}", key.Name, checkpoint.TreeSize);
            return new WitnessOutcome(key.Name, checkpoint.TreeSize, false, null, ex.Message);
        }
    }

    /// <summary>The tlog-witness request: "old N", the consistency proof a line per hash, a blank line, the signed checkpoint.</summary>
    private async Task<HttpResponseMessage> PostAsync(Uri url, StoredCheckpoint checkpoint, long old, CancellationToken ct)
    {
        var proof = old == 0 ? [] : await LedgerTree.ConsistencyProofAsync(dataSource, old, checkpoint.TreeSize, ct);
        var body = new StringBuilder().Append(CultureInfo.InvariantCulture, $"old {old}\n");
        foreach (var hash in proof) body.Append(Convert.ToBase64String(hash)).Append('\n');
        body.Append('\n').Append(checkpoint.Note);
        using var request = new HttpRequestMessage(HttpMethod.Post, url) { Content = new StringContent(body.ToString(), Encoding.UTF8) };
        request.Content.Headers.ContentType = null;
        return await http.CreateClient(HttpClientName).SendAsync(request, ct);
    }

    /// <summary>Keeps the witness's cosignature when it verifies with its key over this checkpoint.</summary>
    private async Task<WitnessOutcome> StoreAsync(CosignatureKey key, StoredCheckpoint checkpoint, long old, string body, CancellationToken ct)
    {
        var text = SignedNote.Split(checkpoint.Note)!.Value.Text;
        var lines = body.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => l + "\n").ToList();
        var signatures = SignedNote.Split(text + "\n" + string.Concat(lines))?.Signatures ?? [];
        var index = signatures.FindIndex(s => s.Name == key.Name && s.KeyId == key.KeyId && key.Verify(text, s.Signature) is not null);
        if (index < 0) return await RefusedAsync(key, checkpoint, old, HttpStatusCode.OK, "the answer holds no cosignature that verifies with the witness's key");

        await using var insert = dataSource.CreateCommand(
            "INSERT INTO ledger_cosignatures (tree_size, witness, signature_line, cosigned_at) VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING");
        insert.Parameters.Add(new() { Value = checkpoint.TreeSize });
        insert.Parameters.Add(new() { Value = key.Name });
        insert.Parameters.Add(new() { Value = lines[index] });
        insert.Parameters.Add(new() { Value = key.Verify(text, signatures[index].Signature)!.Value });
        await insert.ExecuteNonQueryAsync(ct);
        lock (_reported) _reported.Remove(key.Name);
        return new WitnessOutcome(key.Name, checkpoint.TreeSize, true, HttpStatusCode.OK, null);
    }

    private async Task<WitnessOutcome> RefusedAsync(CosignatureKey key, StoredCheckpoint checkpoint, long old, HttpStatusCode? status, string problem)
    {
        var inconsistent = status == HttpStatusCode.UnprocessableEntity;
        logger.Log(inconsistent ? LogLevel.Critical : LogLevel.Error, "Witness {Witness} refused the checkpoint of {Size} (from {Old}): {Status} {Problem}",
            key.Name, checkpoint.TreeSize, old, status, problem);
        bool first;
        lock (_reported) first = !_reported.TryGetValue(key.Name, out var last) || last != (status, old);
        if (first)
        {
            await log.RecordAsync(Actor, RefusedEvent, new
            {
                level = inconsistent ? "CRITICAL" : "ERROR",
                witness = key.Name,
                status = (int?)status,
                tree_size = checkpoint.TreeSize,
                old_size = old,
                inconsistent,
                problem,
            }, LogTypes.System);
            lock (_reported) _reported[key.Name] = (status, old);
        }
        return new WitnessOutcome(key.Name, checkpoint.TreeSize, false, status, problem);
    }

    private async Task<long> LastCosignedAsync(string witness, CancellationToken ct)
    {
        await using var cmd = dataSource.CreateCommand("SELECT max(tree_size) FROM ledger_cosignatures WHERE witness = $1");
        cmd.Parameters.Add(new() { Value = witness });
        return await cmd.ExecuteScalarAsync(ct) is long size ? size : 0;
    }

    /// <summary>The stored cosignature lines of the checkpoint of <paramref name="treeSize"/>, to append to its note.</summary>
    public static async Task<string> CosignaturesAsync(NpgsqlDataSource dataSource, long treeSize, CancellationToken ct = default)
    {
        await using var cmd = dataSource.CreateCommand("SELECT signature_line FROM ledger_cosignatures WHERE tree_size = $1 ORDER BY witness");
        cmd.Parameters.Add(new() { Value = treeSize });
        await using var reader = await cmd.ExecuteReaderAsync(ct);
        var lines = new StringBuilder();
        while (await reader.ReadAsync(ct)) lines.Append(reader.GetString(0));
        return lines.ToString();
    }
}
