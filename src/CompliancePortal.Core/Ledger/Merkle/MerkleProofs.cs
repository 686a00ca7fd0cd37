namespace CompliancePortal.Core.Ledger.Merkle;

/// <summary>The leaves [Start, End) of the tree; their Merkle tree hash is RFC 9162's MTH(D[Start:End]).</summary>
public readonly record struct LeafRange(long Start, long End)
{
    public long Count => End - Start;
}

/// <summary>A complete subtree: 2^Height leaves starting at leaf Index * 2^Height.</summary>
public readonly record struct MerkleNode(int Height, long Index);

/// <summary>
/// RFC 9162 section 2.1: which subtree hashes make up inclusion and consistency proofs, and the
/// section's verification algorithms. Proofs are described as leaf ranges first, so whoever
/// holds the hashes (stored tiles, a package's leaves) can fill them in.
/// </summary>
public static class MerkleProofs
{
    /// <summary>The largest power of two smaller than <paramref name="n"/> (n &gt; 1): where RFC 9162 splits a tree.</summary>
    public static long Split(long n)
    {
        if (n < 2) throw new ArgumentOutOfRangeException(nameof(n), "only a tree of two or more leaves splits");
        return 1L << (63 - (int)long.LeadingZeroCount(n - 1));
    }

    /// <summary>
    /// The complete subtrees whose hashes, folded from the right (H(a, H(b, c))), give MTH of a
    /// range as it arises in RFC 9162's recursion (its start a multiple of its split).
    /// </summary>
    public static List<MerkleNode> Decompose(LeafRange range)
    {
        var nodes = new List<MerkleNode>();
        var (start, count) = (range.Start, range.Count);
        if (count <= 0) throw new ArgumentException("an empty range has no subtrees", nameof(range));
        while (count > 0)
        {
            var size = (count & (count - 1)) == 0 ? count : Split(count);
            var height = 63 - (int)long.LeadingZeroCount(size);
            if (start % size != 0) throw new ArgumentException($"range {range} does not start on a subtree boundary", nameof(range));
            nodes.Add(new MerkleNode(height, start / size));
            start += size;
            count -= size;
        }
        return nodes;
    }

    /// <summary>MTH of a range from its complete subtrees' hashes (see <see cref="Decompose"/>).</summary>
    public static byte[] RangeHash(LeafRange range, Func<MerkleNode, byte[]> nodeHash)
    {
        var nodes = Decompose(range);
        var hash = nodeHash(nodes[^1]);
        for (var i = nodes.Count - 2; i >= 0; i--) hash = MerkleHash.Node(nodeHash(nodes[i]), hash);
        return hash;
    }

    /// <summary>RFC 9162 2.1.3.1 PATH(m, D[n]): the ranges of the inclusion proof of leaf <paramref name="index"/>, leaf side first.</summary>
    public static List<LeafRange> InclusionPath(long index, long size)
    {
        if (index < 0 || index >= size) throw new ArgumentOutOfRangeException(nameof(index), $"leaf {index} is not in a tree of {size}");
        var path = new List<LeafRange>();
        var (start, n, m) = (0L, size, index);
        while (n > 1)
        {
            var k = Split(n);
            if (m < k)
            {
                path.Add(new LeafRange(start + k, start + n));
                n = k;
            }
            else
            {
                path.Add(new LeafRange(start, start + k));
                start += k;
                m -= k;
                n -= k;
            }
        }
        path.Reverse();
        return path;
    }

    /// <summary>RFC 9162 2.1.4.1 PROOF(m, D[n]): the ranges of the consistency proof from <paramref name="first"/> to <paramref name="second"/>, leaf side first.</summary>
    public static List<LeafRange> ConsistencyPath(long first, long second)
    {
        if (first < 0 || first > second) throw new ArgumentOutOfRangeException(nameof(first), $"no consistency proof from {first} to {second}");
        var proof = new List<LeafRange>();
        if (first == 0 || first == second) return proof;
        var (start, n, m, whole) = (0L, second, first, true);
        while (m != n)
        {
            var k = Split(n);
            if (m <= k)
            {
                proof.Add(new LeafRange(start + k, start + n));
                n = k;
            }
            else
            {
                proof.Add(new LeafRange(start, start + k));
                start += k;
                m -= k;
                n -= k;
                whole = false;
            }
        }
        // SUBPROOF(m, D[m], b): the old tree's own subtree, unless it is the whole old tree.
        if (!whole) proof.Add(new LeafRange(start, start + n));
        proof.Reverse();
        return proof;
    }

    /// <summary>
    /// The subtrees of the tree of <paramref name="size"/> leaves that lie wholly outside
    /// <paramref name="segment"/>, in the order RFC 9162's recursion meets them (left to right).
    /// With them and the segment's own leaves anyone recomputes the root: this is how a package
    /// proves its ledger segment is part of a signed checkpoint (docs/ledger-format.md, section 8).
    /// </summary>
    public static List<LeafRange> SegmentPath(LeafRange segment, long size)
    {
        if (segment.Count <= 0 || segment.Start < 0 || segment.End > size)
            throw new ArgumentOutOfRangeException(nameof(segment), $"segment {segment} is not a non-empty part of a tree of {size}");
        var path = new List<LeafRange>();
        Walk(0, size);
        return path;

        void Walk(long lo, long hi)
        {
            if (hi <= segment.Start || lo >= segment.End) path.Add(new LeafRange(lo, hi));
            else if (hi - lo > 1)
            {
                var k = Split(hi - lo);
                Walk(lo, lo + k);
                Walk(lo + k, hi);
            }
        }
    }

    /// <summary>
    /// The root of the tree of <paramref name="size"/> leaves from a segment's leaf hashes and the
    /// hashes of <see cref="SegmentPath"/>; null when the hashes are too few or too many.
    /// </summary>
    public static byte[]? SegmentRoot(long start, IReadOnlyList<byte[]> leaves, long size, IReadOnlyList<byte[]> path)
    {
        var end = start + leaves.Count;
        if (leaves.Count == 0 || start < 0 || end > size) return null;
        var next = 0;
        var root = Walk(0, size);
        return next == path.Count ? root : null;

        byte[]? Walk(long lo, long hi)
        {
            if (hi <= start || lo >= end) return next < path.Count ? path[next++] : null;
            if (hi - lo == 1) return leaves[(int)(lo - start)];
            var k = Split(hi - lo);
            var left = Walk(lo, lo + k);
            var right = left is null ? null : Walk(lo + k, hi);
            return right is null ? null : MerkleHash.Node(left!, right);
        }
    }

    /// <summary>RFC 9162 2.1.3.2: does <paramref name="path"/> prove leaf <paramref name="index"/> in the tree of <paramref name="size"/> with <paramref name="root"/>?</summary>
    public static bool VerifyInclusion(long index, long size, ReadOnlySpan<byte> leafHash, IReadOnlyList<byte[]> path, ReadOnlySpan<byte> root)
    {
        if (index < 0 || index >= size) return false;
        var (fn, sn) = (index, size - 1);
        var r = leafHash.ToArray();
        foreach (var p in path)
        {
            if (p.Length != MerkleHash.Size || sn == 0) return false;
            if ((fn & 1) == 1 || fn == sn)
            {
                r = MerkleHash.Node(p, r);
                if ((fn & 1) == 0)
                    while ((fn & 1) == 0 && fn != 0) { fn >>= 1; sn >>= 1; }
            }
            else
            {
                r = MerkleHash.Node(r, p);
            }
            fn >>= 1;
            sn >>= 1;
        }
        return sn == 0 && r.AsSpan().SequenceEqual(root);
    }

    /// <summary>RFC 9162 2.1.4.2: is the tree of <paramref name="second"/> leaves an extension of the tree of <paramref name="first"/>?</summary>
    public static bool VerifyConsistency(long first, long second, ReadOnlySpan<byte> firstRoot, ReadOnlySpan<byte> secondRoot, IReadOnlyList<byte[]> proof)
    {
        if (first < 0 || first > second) return false;
        if (first == second) return proof.Count == 0 && firstRoot.SequenceEqual(secondRoot);
        // Every tree extends the empty one.
        if (first == 0) return proof.Count == 0;
        if (proof.Count == 0 || proof.Any(p => p.Length != MerkleHash.Size)) return false;
        var path = (first & (first - 1)) == 0 ? [firstRoot.ToArray(), .. proof] : proof.ToList();
        var (fn, sn) = (first - 1, second - 1);
        while ((fn & 1) == 1) { fn >>= 1; sn >>= 1; }
        var (fr, sr) = (path[0], path[0]);
        foreach (var c in path.Skip(1))
        {
            if (sn == 0) return false;
            if ((fn & 1) == 1 || fn == sn)
            {
                fr = MerkleHash.Node(c, fr);
                sr = MerkleHash.Node(c, sr);
                if ((fn & 1) == 0)
                    while ((fn & 1) == 0 && fn != 0) { fn >>= 1; sn >>= 1; }
            }
            else
            {
                sr = MerkleHash.Node(sr, c);
            }
            fn >>= 1;
            sn >>= 1;
        }
        return sn == 0 && fr.AsSpan().SequenceEqual(firstRoot) && sr.AsSpan().SequenceEqual(secondRoot);
    }
}
