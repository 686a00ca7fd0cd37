using System.Security.Cryptography;
using CompliancePortal.Core.Ledger.Merkle;

namespace CompliancePortal.Tests.Ledger;

/// <summary>
/// The portal's tree, tiles and proofs against a second implementation written here straight from
/// RFC 9162's recursive definitions (MTH, PATH, PROOF) over a plain list of leaves.
/// </summary>
public sealed class MerkleProofTests
{
    private static List<byte[]> Leaves(int count, int seed) =>
        [.. Enumerable.Range(0, count).Select(i => MerkleReference.Leaf(BitConverter.GetBytes(seed * 1_000_003L + i)))];

    /// <summary>Tiles as the database stores them, grown through the frontier in uneven batches.</summary>
    private static (MerkleTiles Tiles, MerkleFrontier Frontier) Grow(List<byte[]> leaves, Random random)
    {
        var tiles = new MerkleTiles();
        var stored = new Dictionary<TileKey, byte[]>();
        var frontier = MerkleFrontier.Resume(0, stored);
        var done = 0;
        while (done < leaves.Count)
        {
            var batch = Math.Min(leaves.Count - done, random.Next(1, 700));
            // Each batch starts from stored tiles, as a builder in a new process would.
            frontier = MerkleFrontier.Resume(done, stored);
            foreach (var leaf in leaves.Skip(done).Take(batch)) frontier.Append(leaf);
            foreach (var (key, hashes) in frontier.TakeChanged()) stored[key] = hashes;
            done += batch;
        }
        foreach (var (key, hashes) in stored) tiles.Put(key, hashes);
        return (tiles, frontier);
    }

    private static IEnumerable<int> Sizes(Random random) =>
        [1, 2, 3, 4, 5, 7, 8, 9, 255, 256, 257, 511, 512, 513, 4096, 4097, 5000, .. Enumerable.Range(0, 12).Select(_ => random.Next(1, 5001))];

    [Fact]
    public void Roots_OfEveryPrefix_MatchTheRecursiveDefinition()
    {
        var random = new Random(1);
        var leaves = Leaves(5000, 1);
        var (tiles, frontier) = Grow(leaves, random);

        Assert.Equal(MerkleReference.Mth(leaves), frontier.Root());
        foreach (var size in Sizes(random))
            Assert.Equal(MerkleReference.Mth(leaves[..size]), tiles.Root(size));
        Assert.Equal(SHA256.HashData(Array.Empty<byte>()), tiles.Root(0));
    }

    [Fact]
    public void InclusionProofs_ForRandomTreesUpTo5000_EqualTheReferenceAndVerifyOnlyForTheRightLeafSizeAndRoot()
    {
        var random = new Random(2);
        var leaves = Leaves(5000, 2);
        var (tiles, _) = Grow(leaves, random);
        foreach (var size in Sizes(random))
        {
            var root = MerkleReference.Mth(leaves[..size]);
            foreach (var index in new[] { 0, size - 1, random.Next(size), random.Next(size) })
            {
                var proof = tiles.Hashes(MerkleProofs.InclusionPath(index, size));
                Assert.Equal(MerkleReference.Path(index, leaves[..size]), proof);
                Assert.True(MerkleProofs.VerifyInclusion(index, size, leaves[index], proof, root), $"leaf {index} of {size}");
                Assert.Equal(root, MerkleReference.RootFromPath(index, size, leaves[index], proof));

                var otherLeaf = MerkleReference.Leaf([1, 2, 3]);
                Assert.False(MerkleProofs.VerifyInclusion(index, size, otherLeaf, proof, root));
                if (size < leaves.Count)
                    Assert.False(MerkleProofs.VerifyInclusion(index, size + 1, leaves[index], proof, MerkleReference.Mth(leaves[..(size + 1)])));
                Assert.False(MerkleProofs.VerifyInclusion(index, size, leaves[index], proof, MerkleReference.Leaf([9])));
                if (size > 1)
                {
                    Assert.False(MerkleProofs.VerifyInclusion((index + 1) % size, size, leaves[index], proof, root));
                    var changed = proof.Select(h => (byte[])h.Clone()).ToList();
                    changed[random.Next(changed.Count)][random.Next(32)] ^= 0x01;
                    Assert.False(MerkleProofs.VerifyInclusion(index, size, leaves[index], changed, root));
                    Assert.False(MerkleProofs.VerifyInclusion(index, size, leaves[index], proof[..^1], root));
                }
            }
        }
    }

    [Fact]
    public void ConsistencyProofs_ForRandomTreesUpTo5000_EqualTheReferenceAndVerifyOnlyForTheRightSizesAndRoots()
    {
        var random = new Random(3);
        var leaves = Leaves(5000, 3);
        var (tiles, _) = Grow(leaves, random);
        foreach (var second in Sizes(random))
        {
            var secondRoot = MerkleReference.Mth(leaves[..second]);
            foreach (var first in new[] { 1, second, second / 2 + 1, random.Next(1, second + 1), random.Next(1, second + 1) }.Distinct())
            {
                var firstRoot = MerkleReference.Mth(leaves[..first]);
                var proof = tiles.Hashes(MerkleProofs.ConsistencyPath(first, second));
                Assert.Equal(MerkleReference.Proof(first, leaves[..second]), proof);
                Assert.True(MerkleProofs.VerifyConsistency(first, second, firstRoot, secondRoot, proof), $"{first} -> {second}");
                if (first == second) continue;

                // A rewritten old leaf gives the old tree another root: the proof no longer joins them.
                var rewritten = leaves[..first].ToList();
                rewritten[random.Next(first)] = MerkleReference.Leaf([7]);
                Assert.False(MerkleProofs.VerifyConsistency(first, second, MerkleReference.Mth(rewritten), secondRoot, proof));
                Assert.False(MerkleProofs.VerifyConsistency(first, second, firstRoot, MerkleReference.Leaf([8]), proof));
                if (first > 1) Assert.False(MerkleProofs.VerifyConsistency(first - 1, second, firstRoot, secondRoot, proof));
                var changed = proof.Select(h => (byte[])h.Clone()).ToList();
                changed[random.Next(changed.Count)][random.Next(32)] ^= 0x80;
                Assert.False(MerkleProofs.VerifyConsistency(first, second, firstRoot, secondRoot, changed));
            }
        }
    }

    [Fact]
    public void Frontier_ResumedFromStoredTiles_RefusesTilesShorterThanItsSize()
    {
        var leaves = Leaves(300, 4);
        var frontier = MerkleFrontier.Resume(0, new Dictionary<TileKey, byte[]>());
        foreach (var leaf in leaves) frontier.Append(leaf);
        var stored = frontier.TakeChanged().ToDictionary(t => t.Key, t => t.Hashes);

        Assert.Equal(MerkleReference.Mth(leaves), MerkleFrontier.Resume(300, stored).Root());
        stored[new TileKey(0, 1)] = stored[new TileKey(0, 1)][..(32 * 10)];
        var error = Assert.Throws<InvalidOperationException>(() => MerkleFrontier.Resume(300, stored));
        Assert.Contains("tile 0/1", error.Message);
    }
    [Fact]
    public void SegmentProofs_GiveTheRootOnlyForTheSegmentsOwnLeavesAndTheRightSize()
    {
        var random = new Random(4);
        var leaves = Leaves(5000, 4);
        var (tiles, _) = Grow(leaves, random);
        foreach (var size in Sizes(random))
        {
            var root = MerkleReference.Mth(leaves[..size]);
            var start = random.Next(size);
            var end = random.Next(start + 1, size + 1);
            var path = MerkleProofs.SegmentPath(new LeafRange(start, end), size);
            // Each outside subtree's hash, from the reference's MTH over its leaves.
            var hashes = path.Select(r => MerkleReference.Mth(leaves[(int)r.Start..(int)r.End])).ToList();
            Assert.Equal(hashes, tiles.Hashes(path));
            var segment = leaves[start..end];
            Assert.Equal(root, MerkleProofs.SegmentRoot(start, segment, size, hashes));

            var changed = segment.Select(h => (byte[])h.Clone()).ToList();
            changed[random.Next(changed.Count)][random.Next(32)] ^= 0x01;
            Assert.NotEqual(root, MerkleProofs.SegmentRoot(start, changed, size, hashes));
            if (hashes.Count > 0) Assert.Null(MerkleProofs.SegmentRoot(start, segment, size, hashes[..^1]));
            Assert.Null(MerkleProofs.SegmentRoot(start, segment, size, [.. hashes, root]));
            if (segment.Count > 1) Assert.NotEqual(root, MerkleProofs.SegmentRoot(start, segment[..^1], size, hashes));
        }
    }
}
