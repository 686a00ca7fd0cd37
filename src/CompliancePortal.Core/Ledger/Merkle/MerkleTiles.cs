namespace CompliancePortal.Core.Ledger.Merkle;

/// <summary>Where a tile sits: tile <see cref="Index"/> of tile level <see cref="Level"/>.</summary>
public readonly record struct TileKey(int Level, long Index);

/// <summary>
/// The tree is stored as tiles, the layout of C2SP tlog-tiles: a tile of level L holds up to 256
/// consecutive hashes of nodes of height 8·L (level 0: the leaf hashes), so tile (L, i) covers
/// the nodes 256·i … 256·i+255 of that height. Every complete subtree's hash is at most 7 levels
/// of hashing above one tile, and the tiles of a growing tree only ever get longer: a node's hash
/// never changes once its subtree is complete. This class holds some tiles in memory and answers
/// node hashes from them.
/// </summary>
public sealed class MerkleTiles
{
    public const int Height = 8;
    public const int Width = 1 << Height;

    private readonly Dictionary<TileKey, byte[]> _tiles = [];

    /// <summary>The concatenated hashes of a tile (a multiple of 32 bytes, at most 256 hashes).</summary>
    public void Put(TileKey key, byte[] hashes)
    {
        if (hashes.Length % MerkleHash.Size != 0 || hashes.Length > Width * MerkleHash.Size)
            throw new ArgumentException($"tile {key} is {hashes.Length} bytes, not whole hashes", nameof(hashes));
        _tiles[key] = hashes;
    }

    public bool TryGet(TileKey key, out byte[] hashes) => _tiles.TryGetValue(key, out hashes!);

    /// <summary>The tile that holds what <paramref name="node"/>'s hash is computed from.</summary>
    public static TileKey TileOf(MerkleNode node)
    {
        var level = node.Height / Height;
        var first = node.Index << (node.Height % Height);
        return new TileKey(level, first / Width);
    }

    /// <summary>The tiles needed for the hashes of every range given.</summary>
    public static HashSet<TileKey> TilesFor(IEnumerable<LeafRange> ranges) =>
        [.. ranges.SelectMany(MerkleProofs.Decompose).Select(TileOf)];

    /// <summary>The hash of a complete subtree, from the tile below it.</summary>
    public byte[] NodeHash(MerkleNode node)
    {
        var key = TileOf(node);
        var below = node.Height % Height;
        var first = (node.Index << below) % Width;
        var count = 1 << below;
        if (!_tiles.TryGetValue(key, out var tile) || tile.Length < (first + count) * MerkleHash.Size)
            throw new InvalidOperationException($"tile {key.Level}/{key.Index} does not hold node {node.Height}/{node.Index}: the tree is shorter than asked");
        return MerkleHash.RootOfPowerOfTwo(tile.AsSpan((int)first * MerkleHash.Size, count * MerkleHash.Size));
    }

    public byte[] RangeHash(LeafRange range) => range.Count == 0 ? MerkleHash.Empty : MerkleProofs.RangeHash(range, NodeHash);

    /// <summary>The root of the tree's first <paramref name="size"/> leaves.</summary>
    public byte[] Root(long size) => RangeHash(new LeafRange(0, size));

    /// <summary>The hashes of an inclusion or consistency path.</summary>
    public List<byte[]> Hashes(IEnumerable<LeafRange> path) => [.. path.Select(RangeHash)];
}
