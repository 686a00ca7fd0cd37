namespace CompliancePortal.Core.Ledger.Merkle;

/// <summary>
/// The right edge of a growing tree: the last, not yet full tile of every level. Appending a leaf
/// extends the level-0 tile; a tile that fills up adds its root to the level above and a new tile
/// begins. That is all the tree needs to grow and to give its root, so the tree is extended in
/// batches without ever being rebuilt. <see cref="TakeChanged"/> hands over the tiles to store.
/// </summary>
public sealed class MerkleFrontier
{
    private sealed class Edge(long index, byte[] hashes, int width)
    {
        public long Index = index;
        public byte[] Hashes = hashes;
        public int Width = width;
        public bool Changed;
    }

    private readonly List<Edge> _levels = [];
    private readonly List<(TileKey, byte[])> _full = [];

    public long Size { get; private set; }

    /// <summary>The tiles a frontier at <paramref name="size"/> starts from: each level's unfinished tile.</summary>
    public static List<(TileKey Key, int Width)> PartialTiles(long size)
    {
        var tiles = new List<(TileKey, int)>();
        for (var level = 0; size >> (MerkleTiles.Height * level) > 0; level++)
        {
            var nodes = size >> (MerkleTiles.Height * level);
            var width = (int)(nodes % MerkleTiles.Width);
            if (width > 0) tiles.Add((new TileKey(level, nodes / MerkleTiles.Width), width));
        }
        return tiles;
    }

    /// <summary>A frontier at <paramref name="size"/> from its <see cref="PartialTiles"/>' stored hashes (a stored tile may be longer).</summary>
    public static MerkleFrontier Resume(long size, IReadOnlyDictionary<TileKey, byte[]> partialTiles)
    {
        var frontier = new MerkleFrontier { Size = size };
        for (var level = 0; size >> (MerkleTiles.Height * level) > 0; level++)
        {
            var nodes = size >> (MerkleTiles.Height * level);
            var key = new TileKey(level, nodes / MerkleTiles.Width);
            var width = (int)(nodes % MerkleTiles.Width);
            var hashes = new byte[MerkleTiles.Width * MerkleHash.Size];
            if (width > 0)
            {
                if (!partialTiles.TryGetValue(key, out var stored) || stored.Length < width * MerkleHash.Size)
                    throw new InvalidOperationException($"tile {key.Level}/{key.Index} is missing or shorter than the tree of {size} needs");
                stored.AsSpan(0, width * MerkleHash.Size).CopyTo(hashes);
            }
            frontier._levels.Add(new Edge(key.Index, hashes, width));
        }
        return frontier;
    }

    public void Append(ReadOnlySpan<byte> leafHash)
    {
        if (leafHash.Length != MerkleHash.Size) throw new ArgumentException("a leaf hash is 32 bytes", nameof(leafHash));
        Span<byte> carry = stackalloc byte[MerkleHash.Size];
        leafHash.CopyTo(carry);
        for (var level = 0; ; level++)
        {
            if (level == _levels.Count) _levels.Add(new Edge(0, new byte[MerkleTiles.Width * MerkleHash.Size], 0));
            var edge = _levels[level];
            carry.CopyTo(edge.Hashes.AsSpan(edge.Width * MerkleHash.Size));
            edge.Width++;
            edge.Changed = true;
            if (edge.Width < MerkleTiles.Width) break;
            // The tile is full: store it as it is, carry its root up, start the next one.
            var full = edge.Hashes;
            MerkleHash.RootOfPowerOfTwo(full).CopyTo(carry);
            _full.Add((new TileKey(level, edge.Index), full));
            edge.Index++;
            edge.Hashes = new byte[MerkleTiles.Width * MerkleHash.Size];
            edge.Width = 0;
            edge.Changed = false;
        }
        Size++;
    }

    /// <summary>The tiles filled or extended since the last call, each with its hashes so far.</summary>
    public List<(TileKey Key, byte[] Hashes)> TakeChanged()
    {
        var changed = new List<(TileKey, byte[])>(_full);
        _full.Clear();
        for (var level = 0; level < _levels.Count; level++)
        {
            var edge = _levels[level];
            if (!edge.Changed) continue;
            changed.Add((new TileKey(level, edge.Index), edge.Hashes.AsSpan(0, edge.Width * MerkleHash.Size).ToArray()));
            edge.Changed = false;
        }
        return changed;
    }

    /// <summary>The tree's root: its peaks all lie in the unfinished tiles.</summary>
    public byte[] Root()
    {
        if (Size == 0) return MerkleHash.Empty;
        var tiles = new MerkleTiles();
        for (var level = 0; level < _levels.Count; level++)
        {
            var edge = _levels[level];
            if (edge.Width > 0) tiles.Put(new TileKey(level, edge.Index), edge.Hashes.AsSpan(0, edge.Width * MerkleHash.Size).ToArray());
        }
        return tiles.Root(Size);
    }
}
