using System.Buffers;
using System.Security.Cryptography;

namespace CompliancePortal.Core.Ledger.Merkle;

/// <summary>
/// RFC 9162 section 2.1.1 hashing over the ledger: leaf = SHA-256(0x00 ‖ canonical bytes of the
/// entry), interior node = SHA-256(0x01 ‖ left ‖ right), the empty tree = SHA-256 of nothing.
/// The prefixes keep a leaf from ever being taken for a node (second-preimage resistance).
/// </summary>
public static class MerkleHash
{
    public const int Size = 32;

    public static byte[] Empty { get; } = SHA256.HashData(ReadOnlySpan<byte>.Empty);

    public static byte[] Leaf(ReadOnlySpan<byte> canonical)
    {
        var hash = new byte[Size];
        Leaf(canonical, hash);
        return hash;
    }

    public static void Leaf(ReadOnlySpan<byte> canonical, Span<byte> destination)
    {
        var length = canonical.Length + 1;
        var buffer = ArrayPool<byte>.Shared.Rent(length);
        try
        {
            buffer[0] = 0x00;
            canonical.CopyTo(buffer.AsSpan(1));
            SHA256.HashData(buffer.AsSpan(0, length), destination);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    public static byte[] Node(ReadOnlySpan<byte> left, ReadOnlySpan<byte> right)
    {
        var hash = new byte[Size];
        Node(left, right, hash);
        return hash;
    }

    public static void Node(ReadOnlySpan<byte> left, ReadOnlySpan<byte> right, Span<byte> destination)
    {
        Span<byte> buffer = stackalloc byte[1 + 2 * Size];
        buffer[0] = 0x01;
        left.CopyTo(buffer[1..]);
        right.CopyTo(buffer[(1 + Size)..]);
        SHA256.HashData(buffer, destination);
    }

    /// <summary>
    /// The root of <paramref name="hashes"/>.Length / 32 adjacent nodes of one height, a power of
    /// two many: hashed pairwise upwards. Used for the parts of a tile below a wanted node.
    /// </summary>
    public static byte[] RootOfPowerOfTwo(ReadOnlySpan<byte> hashes)
    {
        var count = hashes.Length / Size;
        if (count == 0 || (count & (count - 1)) != 0 || hashes.Length % Size != 0)
            throw new ArgumentException("a power-of-two number of whole hashes is needed", nameof(hashes));
        if (count == 1) return hashes.ToArray();
        var level = new byte[hashes.Length / 2];
        for (var i = 0; i < count / 2; i++)
            Node(hashes.Slice(2 * i * Size, Size), hashes.Slice((2 * i + 1) * Size, Size), level.AsSpan(i * Size, Size));
        for (var width = count / 2; width > 1; width /= 2)
            for (var i = 0; i < width / 2; i++)
                Node(level.AsSpan(2 * i * Size, Size), level.AsSpan((2 * i + 1) * Size, Size), level.AsSpan(i * Size, Size));
        return level.AsSpan(0, Size).ToArray();
    }
}
