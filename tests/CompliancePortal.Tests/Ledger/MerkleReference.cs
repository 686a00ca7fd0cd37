using System.Security.Cryptography;
using CompliancePortal.Tests.Infrastructure;
using Npgsql;

namespace CompliancePortal.Tests.Ledger;

/// <summary>RFC 9162's recursive definitions over a plain list of leaf hashes: the tests' second implementation.</summary>
internal static class MerkleReference
{
    public static byte[] Leaf(byte[] data) => SHA256.HashData([0x00, .. data]);

    public static byte[] Node(byte[] l, byte[] r) => SHA256.HashData([0x01, .. l, .. r]);

    private static int K(int n)
    {
        var k = 1;
        while (k * 2 < n) k *= 2;
        return k;
    }

    public static byte[] Mth(List<byte[]> d) => d.Count switch
    {
        0 => SHA256.HashData(Array.Empty<byte>()),
        1 => d[0],
        _ => Node(Mth(d[..K(d.Count)]), Mth(d[K(d.Count)..])),
    };

    public static List<byte[]> Path(int m, List<byte[]> d)
    {
        if (d.Count <= 1) return [];
        var k = K(d.Count);
        return m < k ? [.. Path(m, d[..k]), Mth(d[k..])] : [.. Path(m - k, d[k..]), Mth(d[..k])];
    }

    public static List<byte[]> Proof(int m, List<byte[]> d) => SubProof(m, d, true);

    private static List<byte[]> SubProof(int m, List<byte[]> d, bool b)
    {
        if (m == d.Count) return b ? [] : [Mth(d)];
        var k = K(d.Count);
        return m <= k ? [.. SubProof(m, d[..k], b), Mth(d[k..])] : [.. SubProof(m - k, d[k..], false), Mth(d[..k])];
    }

    /// <summary>The root an inclusion path leads to, rebuilt by the recursion rather than RFC 9162's bit walk.</summary>
    public static byte[]? RootFromPath(int m, int n, byte[] leaf, List<byte[]> path)
    {
        if (n == 1) return path.Count == 0 ? leaf : null;
        if (path.Count == 0) return null;
        var k = K(n);
        var rest = path[..^1];
        var inner = m < k ? RootFromPath(m, k, leaf, rest) : RootFromPath(m - k, n - k, leaf, rest);
        return inner is null ? null : m < k ? Node(inner, path[^1]) : Node(path[^1], inner);
    }

    /// <summary>The leaves as an examiner computes them: SHA-256(0x00 ‖ canonical) of every stored entry in seq order.</summary>
    public static async Task<List<byte[]>> StoredLeavesAsync(TestDatabase db)
    {
        var leaves = new List<byte[]>();
        await using var connection = new NpgsqlConnection(db.Admin);
        await connection.OpenAsync();
        await using var cmd = new NpgsqlCommand("SELECT canonical FROM audit_log ORDER BY seq", connection);
        await using var reader = await cmd.ExecuteReaderAsync();
        while (await reader.ReadAsync()) leaves.Add(Leaf((byte[])reader[0]));
        return leaves;
    }
}
