using System.Text.Json.Serialization;

namespace CompliancePortal.Core.Packages;

/// <summary>One file of the ZIP: its path, size, SHA-256 and how many records it holds.</summary>
public sealed record PackageFile(
    [property: JsonPropertyName("path")] string Path,
    [property: JsonPropertyName("section")] string Section,
    [property: JsonPropertyName("bytes")] long Bytes,
    [property: JsonPropertyName("sha256")] string Sha256,
    [property: JsonPropertyName("records")] long Records);

/// <summary>The contiguous stretch of the hash chain that holds every record of the period.</summary>
public sealed record LedgerSegment(
    [property: JsonPropertyName("file")] string File,
    [property: JsonPropertyName("first_seq")] long? FirstSeq,
    [property: JsonPropertyName("last_seq")] long? LastSeq,
    [property: JsonPropertyName("first_previous_hash")] string? FirstPreviousHash,
    [property: JsonPropertyName("last_current_hash")] string? LastCurrentHash,
    [property: JsonPropertyName("entries")] long Entries,
    [property: JsonPropertyName("withheld")] long Withheld);

/// <summary>The signed checkpoint the package proves its segment against (ledger/checkpoint.note).</summary>
public sealed record PackageCheckpoint(
    [property: JsonPropertyName("file")] string File,
    [property: JsonPropertyName("tree_size")] long TreeSize,
    [property: JsonPropertyName("root_hash")] string RootHash,
    [property: JsonPropertyName("verifier_key")] string VerifierKey);

public sealed record OmittedSection(
    [property: JsonPropertyName("section")] string Section,
    [property: JsonPropertyName("reason")] string Reason);

/// <summary>manifest.json: what the package is, every file's hash, and the ledger segment's edges.</summary>
public sealed record PackageManifest(
    [property: JsonPropertyName("format")] string Format,
    [property: JsonPropertyName("package_id")] Guid PackageId,
    [property: JsonPropertyName("requested_by")] string RequestedBy,
    [property: JsonPropertyName("requested_at")] string RequestedAt,
    [property: JsonPropertyName("built_at")] string BuiltAt,
    [property: JsonPropertyName("period_from")] string PeriodFrom,
    [property: JsonPropertyName("period_to")] string PeriodTo,
    [property: JsonPropertyName("period_basis")] string PeriodBasis,
    [property: JsonPropertyName("sections")] IReadOnlyList<string> Sections,
    [property: JsonPropertyName("omitted_sections")] IReadOnlyList<OmittedSection> OmittedSections,
    [property: JsonPropertyName("section_rules")] IReadOnlyDictionary<string, string> SectionRules,
    [property: JsonPropertyName("ledger_head_seq_at_build")] long LedgerHeadSeq,
    [property: JsonPropertyName("ledger_segment")] LedgerSegment LedgerSegment,
    [property: JsonPropertyName("checkpoint")] PackageCheckpoint Checkpoint,
    [property: JsonPropertyName("files")] IReadOnlyList<PackageFile> Files);
