namespace CompliancePortal.Core.Packages;

/// <summary>README.md of a package: how an examiner checks the files and the chain without the portal.</summary>
internal static class PackageReadme
{
    public static string Text(CompliancePackage package, IReadOnlyList<string> sectionsPresent) =>
        $$"""
        # Compliance package {{package.FromDate:yyyy-MM-dd}} to {{package.ToDate:yyyy-MM-dd}}

        Built by CompliancePortal for `{{package.RequestedBy}}` (package `{{package.Id}}`).
        The period is whole UTC days, both inclusive, by each record's event `timestamp`.
        Sections in this package: {{string.Join(", ", sectionsPresent)}}.

        ## What is here

        | path | holds |
        | --- | --- |
        | `trade_blotters/blotter_YYYY-MM-DD.csv` | the daily trade blotter (every `TRADE`/`trade_executed` entry of that day by timestamp; columns timestamp, trade_id, asset, action, quantity, price, commission, broker, executing_user) |
        | `position_snapshots/positions_YYYY-MM-DD.json` | the frozen end-of-day position snapshot, byte for byte as archived; its SHA-256 is in the ledger's `position_snapshot` entry |
        | `nav_calculations/nav_calculations.ndjson` | every `NAV` entry |
        | `fee_calculations/fee_calculations.ndjson` | every entry whose event name contains `fee` (any log type), e.g. `management_fee_calculated` |
        | `risk_events/risk_events.ndjson` | every `RISK` entry |
        | `compliance_logs/compliance_logs.ndjson` | every `COMPLIANCE` entry (including the portal's own audit of its users) |
        | `email_archive/communications.ndjson` | every `COMMUNICATION` entry; absent when the period has none |
        | `email_archive/messages/<sha256>.eml` | each archived email of the period, byte for byte as received; its SHA-256 is the file name and is in its `email_archived` entry |
        | `ledger/ledger.ndjson` | the ledger segment: every entry from the first to the last seq of the period, one JSON object a line |
        | `ledger/checkpoint.note` | the portal's newest signed checkpoint (tree size and Merkle root of the whole ledger) when the package was built |
        | `ledger/period_checkpoint.note` | the first checkpoint that covered the period's last entry |
        | `ledger/proof.json` | the hashes that, with the segment's leaves, give the checkpoint's root, and the consistency proof from the period's checkpoint to it |
        | `ledger/verifier_key.txt` | the portal's verifier key (compare it with the one the firm published) |
        | `verify_package.py` | the offline verifier: Python 3, standard library only |
        | `manifest.json` | each file's SHA-256, size and record count, the segment's first and last seq and hashes, and the checkpoint |
        | `manifest.sig` | a signed note over the SHA-256 of `manifest.json`, by the same key |

        Each line of an `.ndjson` section file is one ledger entry exactly as it was hashed (its
        canonical bytes, UTF-8), in seq order.

        ## 0. Run the verifier

        ```
        python3 verify_package.py . --key '<the verifier key the firm published>'
        python3 verify_package.py package.zip --key '…' --earlier checkpoint-you-kept.note --earlier-proof proof.json
        ```

        It checks, without the portal and without anything but Python 3: the signature on
        `manifest.sig` and every file's hash; the checkpoints' signatures; the chain of
        `ledger/ledger.ndjson`; that the segment's leaves (withheld entries by their `leaf_hash`)
        give the signed checkpoint's Merkle root; that the period's checkpoint is consistent with
        it; that every record of every section file is an entry of the segment; and, given a
        checkpoint you obtained earlier (with a consistency proof from the portal's
        `GET /api/v1/ledger/proof/consistency`), that this package's ledger extends it. It prints
        `OK:` and exits 0, or prints `FAIL:` naming the file or entry and exits 1. The byte formats
        are in the portal's `docs/ledger-format.md`; the steps below do the first checks by hand.

        ## 1. Check the files

        Every file except `manifest.json` is listed in `manifest.json` → `files` with its `sha256`:

        ```
        python3 -c "import json,hashlib; m=json.load(open('manifest.json')); bad=[f['path'] for f in m['files'] if hashlib.sha256(open(f['path'],'rb').read()).hexdigest()!=f['sha256']]; print('files ok' if not bad else bad)"
        ```

        ## 2. Check the chain

        `ledger/ledger.ndjson` has, per line, `seq`, `timestamp`, `previous_hash`, `current_hash` and
        `canonical` (the entry's exact bytes as a JSON string). The chain rule is
        `current_hash = sha256(previous_hash as ASCII ‖ canonical as UTF-8)`, and each entry's
        `previous_hash` is the `current_hash` of the entry before it. Entries whose timestamp lies
        outside the period sit between the period's entries in seq order; their content is withheld
        (`"canonical": null, "withheld": true`) but their hashes still link the chain.

        ```python
        import json, hashlib
        prev = None; known = {}
        for line in open('ledger/ledger.ndjson', encoding='utf-8'):
            e = json.loads(line)
            assert prev is None or e['previous_hash'] == prev, f"broken link at seq {e['seq']}"
            if e['canonical'] is not None:
                c = e['canonical'].encode('utf-8')
                assert hashlib.sha256(e['previous_hash'].encode() + c).hexdigest() == e['current_hash'], f"bad hash at seq {e['seq']}"
                known[e['seq']] = c
            prev = e['current_hash']
        m = json.load(open('manifest.json'))['ledger_segment']
        print('chain ok', len(known), 'entries; last hash', prev, '== manifest:', prev == m['last_current_hash'])
        # every section line is one of the verified entries, byte for byte
        for f in json.load(open('manifest.json'))['files']:
            if f['path'].endswith('.ndjson') and not f['path'].startswith('ledger/'):
                for line in open(f['path'], 'rb'):
                    c = line.rstrip(b'\n'); assert known.get(json.loads(c)['seq']) == c, f"{f['path']}: line not in the chain"
        print('sections ok')
        ```

        ## 3. Anchor the segment

        `ledger_segment.first_previous_hash` must be the `current_hash` of entry `first_seq - 1`
        and `last_current_hash` that of `last_seq` in any other copy of the ledger you hold: the
        firm's daily archive manifests (`ledger/YYYY/MM/DD/manifest.json`) or a verification the
        examiner runs on the database (`GET /api/v1/ledger/verify`). The ZIP's own SHA-256 is in the
        ledger's `compliance_package_built` entry for this package.
        """;
}
