namespace CompliancePortal.Core.Ledger.Merkle;

/// <summary>
/// The leaf hashes of entries this process's writer committed (handed over through
/// <see cref="LedgerCommitSignal"/>), kept for the tree builder so it need not read those entries
/// back from the ledger to hash them. Holds one run of consecutive seqs: a hand-over that does not
/// follow on from it (entries another process or a workflow committed in between, a hand-over the
/// inbox dropped) starts a new run, and the builder reads what no run covers from the database as
/// before. At most <see cref="Capacity"/> leaves are kept; beyond that the oldest go.
/// </summary>
public sealed class HandedLeaves(int capacity)
{
    private readonly Lock _lock = new();
    private byte[] _hashes = new byte[Math.Min(capacity, 4096) * MerkleHash.Size];
    private long _first = 1;   // the seq of the run's first leaf
    private int _count;

    public int Capacity { get; } = capacity > 0 ? capacity : throw new ArgumentOutOfRangeException(nameof(capacity));

    /// <summary>The seqs the run covers now (First > Last when empty).</summary>
    public (long First, long Last) Range
    {
        get
        {
            lock (_lock) return (_first, _first + _count - 1);
        }
    }

    /// <summary>Hashes committed entries (ascending, consecutive seqs) into the run.</summary>
    public void Add(IReadOnlyList<CommittedEntry> entries)
    {
        if (entries.Count == 0) return;
        if (entries[^1].Seq - entries[0].Seq != entries.Count - 1)
        {
            lock (_lock) _count = 0;   // not a run of consecutive seqs: nothing of it is kept
            return;
        }
        // Hashed outside the lock: the builder only waits for the copy.
        var start = Math.Max(0, entries.Count - Capacity);
        var hashes = new byte[(entries.Count - start) * MerkleHash.Size];
        for (var i = start; i < entries.Count; i++)
            MerkleHash.Leaf(entries[i].Canonical, hashes.AsSpan((i - start) * MerkleHash.Size, MerkleHash.Size));
        var firstSeq = entries[start].Seq;
        lock (_lock)
        {
            if (firstSeq != _first + _count) (_first, _count) = (firstSeq, 0);
            var added = hashes.Length / MerkleHash.Size;
            var drop = Math.Max(0, _count + added - Capacity);
            if (drop > 0) DropFirst(drop);
            if ((_count + added) * MerkleHash.Size > _hashes.Length)
                Array.Resize(ref _hashes, Math.Min(Capacity, Math.Max(2 * (_count + added), 4096)) * MerkleHash.Size);
            hashes.CopyTo(_hashes.AsSpan(_count * MerkleHash.Size));
            _count += added;
        }
    }

    /// <summary>Lets go of the leaves up to <paramref name="seq"/> (the tree has them).</summary>
    public void ForgetThrough(long seq)
    {
        lock (_lock) DropFirst((int)Math.Clamp(seq - _first + 1, 0, _count));
    }

    /// <summary>
    /// Copies the leaf hashes of seqs <paramref name="from"/>..<paramref name="to"/> (which the run
    /// must cover) and lets go of every leaf up to <paramref name="to"/>: the tree has them now.
    /// </summary>
    public byte[] Take(long from, long to)
    {
        lock (_lock)
        {
            if (from < _first || to > _first + _count - 1 || from > to)
                throw new ArgumentOutOfRangeException(nameof(from), $"the handed leaves are {_first}..{_first + _count - 1}, not {from}..{to}");
            var copy = _hashes.AsSpan((int)(from - _first) * MerkleHash.Size, (int)(to - from + 1) * MerkleHash.Size).ToArray();
            DropFirst((int)(to - _first + 1));
            return copy;
        }
    }

    private void DropFirst(int leaves)
    {
        leaves = Math.Min(leaves, _count);
        _hashes.AsSpan(leaves * MerkleHash.Size, (_count - leaves) * MerkleHash.Size).CopyTo(_hashes);
        _first += leaves;
        _count -= leaves;
    }
}
