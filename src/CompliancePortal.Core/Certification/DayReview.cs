using CompliancePortal.Core.Blotter;
using CompliancePortal.Core.Ledger;

namespace CompliancePortal.Core.Certification;

/// <summary>How the day's stored blotter stands.</summary>
public enum BlotterState
{
    /// <summary>No blotter was generated for the day: nothing to reconcile against.</summary>
    NotGenerated,
    /// <summary>The archive object's bytes hash to the recorded SHA-256.</summary>
    Verified,
    /// <summary>The archive object's bytes no longer hash to the recorded SHA-256.</summary>
    HashMismatch,
    /// <summary>The recorded object is not in the archive store.</summary>
    MissingFromArchive,
}

/// <summary>One trade on which the ledger and the stored blotter disagree.</summary>
/// <param name="Kind">missing_from_blotter (in the ledger only), not_in_ledger (in the blotter only) or differs.</param>
public sealed record TradeDifference(string TradeId, string Kind, string Detail);

/// <summary>
/// The seed's certify_daily_logs figures for one day, computed from the ledger and the stored
/// blotter: what the ComplianceOfficer looks at before certifying, and what the certification records.
/// </summary>
public sealed record DayReview(
    DateOnly Day,
    long LogCount,
    int TradesLogged,
    int TradesReconciled,
    BlotterState Blotter,
    StoredBlotter? StoredBlotter,
    IReadOnlyList<TradeDifference> Differences,
    bool NavCalculated,
    long? FirstSeq,
    long? LastSeq,
    VerificationResult? Chain,
    LogCertification? Certification)
{
    /// <summary>True when the chain of the day's seq range recomputes (a day without entries has nothing to break).</summary>
    public bool ChainVerified => Chain is null || Chain.Intact;

    /// <summary>Every trade of the ledger matches a blotter row and the blotter has no other rows.</summary>
    public bool Reconciled => Blotter == BlotterState.Verified && Differences.Count == 0;

    /// <summary>Why the day cannot be certified at all.</summary>
    public IReadOnlyList<string> Blockers =>
    [
        .. Certification is { } c ? [$"Already certified by {c.CertifiedBy} at {c.CertifiedAt.UtcDateTime:yyyy-MM-dd HH:mm:ss} UTC."] : Array.Empty<string>(),
        .. Blotter switch
        {
            BlotterState.NotGenerated => ["No trade blotter has been generated for this day, so its trades cannot be reconciled: generate it first."],
            BlotterState.HashMismatch => ["The stored blotter does not match the SHA-256 recorded when it was generated."],
            BlotterState.MissingFromArchive => ["The stored blotter is missing from the archive."],
            _ => Array.Empty<string>(),
        },
        .. ChainVerified ? Array.Empty<string>() : [$"The chain does not verify for this day's entries: {Chain!.Reason}."],
    ];

    /// <summary>What the officer must explain in a note to certify anyway.</summary>
    public IReadOnlyList<string> Exceptions =>
    [
        .. Differences.Count > 0 ? [$"{Differences.Count} trade difference(s) between the ledger and the blotter."] : Array.Empty<string>(),
        .. NavCalculated ? Array.Empty<string>() : ["No nav_calculated event for this day."],
    ];
}

/// <summary>A past day in the certification list: open until certified.</summary>
public sealed record CertificationDay(DateOnly Day, StoredBlotter? Blotter, LogCertification? Certification);
