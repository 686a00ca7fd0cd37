#!/usr/bin/env python3
"""Offline verifier of a CompliancePortal compliance package (Python 3, standard library only).

    python3 verify_package.py PACKAGE [--key VERIFIER_KEY] [--earlier NOTE --earlier-proof PROOF]

PACKAGE is the downloaded ZIP or the folder it was extracted to. --key is the portal's verifier
key as published by the firm (name+keyhash+base64); without it the key inside the package is
used, which proves only that the package is whole, not who made it. --earlier is a checkpoint
you kept from an earlier visit, --earlier-proof the portal's answer to
GET /api/v1/ledger/proof/consistency?from=<its size>&to=<the package's tree size>.

Checks, in order, stopping at the first failure (docs/ledger-format.md, section 8):
 1. manifest.sig is signed by the key and names this package and manifest.json's SHA-256;
 2. every file manifest.json lists is there with its size and SHA-256, and nothing else is;
 3. ledger/checkpoint.note is signed by the key and is the checkpoint the manifest names;
 4. the ledger segment is a gapless hash chain with the manifest's edges and counts;
 5. the segment's leaves and proof.json's range hashes give the checkpoint's root;
 6. the period's checkpoint is signed and proven consistent with the package's checkpoint;
 7. every section record is the segment's canonical entry, all of them, in seq order;
 8. an earlier checkpoint you kept (--earlier) is extended by the package's checkpoint.

Prints "ok: ..." for each passed check and "OK: ..." last; on failure one "FAIL: <file>: ..."
line and exit status 1. Exit status 2 is a usage error.
"""

import argparse
import base64
import csv
import datetime
import hashlib
import io
import json
import os
import sys
import zipfile

MANIFEST = "manifest.json"
MANIFEST_SIG = "manifest.sig"
SEGMENT = "ledger/ledger.ndjson"
CHECKPOINT = "ledger/checkpoint.note"
PROOF = "ledger/proof.json"
VERIFIER_KEY = "ledger/verifier_key.txt"
MANIFEST_SIG_FORMAT = "compliance-package/1 manifest"
ZERO_HASH = "0" * 64

# The ledger sections: file, and which entries it holds (the manifest's section_rules say the same).
LEDGER_SECTIONS = {
    "nav_calculations/nav_calculations.ndjson": lambda e: e.get("log_type") == "NAV",
    "fee_calculations/fee_calculations.ndjson": lambda e: "fee" in (e.get("event") or "").lower(),
    "risk_events/risk_events.ndjson": lambda e: e.get("log_type") == "RISK",
    "compliance_logs/compliance_logs.ndjson": lambda e: e.get("log_type") == "COMPLIANCE",
    "email_archive/communications.ndjson": lambda e: e.get("log_type") == "COMMUNICATION",
}
BLOTTER_COLUMNS = ["timestamp", "trade_id", "asset", "action", "quantity", "price", "commission", "broker", "executing_user"]


class Failure(Exception):
    def __init__(self, where, message):
        super().__init__(f"{where}: {message}")


def ok(message):
    print(f"ok: {message}")


# --- Ed25519 verification (RFC 8032 section 5.1.7; the reference code of its section 6) ---------

_P = 2 ** 255 - 19
_L = 2 ** 252 + 27742317777372353535851937790883648493
_D = -121665 * pow(121666, _P - 2, _P) % _P
_SQRT_M1 = pow(2, (_P - 1) // 4, _P)


def _add(a, b):
    A = (a[1] - a[0]) * (b[1] - b[0]) % _P
    B = (a[1] + a[0]) * (b[1] + b[0]) % _P
    C = 2 * a[3] * b[3] * _D % _P
    D = 2 * a[2] * b[2] % _P
    E, F, G, H = B - A, D - C, D + C, B + A
    return (E * F % _P, G * H % _P, F * G % _P, E * H % _P)


def _mul(s, point):
    result = (0, 1, 1, 0)
    while s > 0:
        if s & 1:
            result = _add(result, point)
        point = _add(point, point)
        s >>= 1
    return result


def _equal(a, b):
    return (a[0] * b[2] - b[0] * a[2]) % _P == 0 and (a[1] * b[2] - b[1] * a[2]) % _P == 0


def _recover_x(y, sign):
    if y >= _P:
        return None
    x2 = (y * y - 1) * pow(_D * y * y + 1, _P - 2, _P) % _P
    if x2 == 0:
        return None if sign else 0
    x = pow(x2, (_P + 3) // 8, _P)
    if (x * x - x2) % _P != 0:
        x = x * _SQRT_M1 % _P
    if (x * x - x2) % _P != 0:
        return None
    if (x & 1) != sign:
        x = _P - x
    return x


def _decompress(data):
    if len(data) != 32:
        return None
    y = int.from_bytes(data, "little")
    sign = y >> 255
    y &= (1 << 255) - 1
    x = _recover_x(y, sign)
    return None if x is None else (x, y, 1, x * y % _P)


_GY = 4 * pow(5, _P - 2, _P) % _P
_GX = _recover_x(_GY, 0)
_BASE = (_GX, _GY, 1, _GX * _GY % _P)


def ed25519_verify(public, message, signature):
    if len(public) != 32 or len(signature) != 64:
        return False
    a = _decompress(public)
    r = _decompress(signature[:32])
    s = int.from_bytes(signature[32:], "little")
    if a is None or r is None or s >= _L:
        return False
    h = int.from_bytes(hashlib.sha512(signature[:32] + public + message).digest(), "little") % _L
    return _equal(_mul(s, _BASE), _add(r, _mul(h, a)))


# --- C2SP signed notes and tlog checkpoints ----------------------------------------------------

def key_hash(name, public):
    return hashlib.sha256(name.encode() + b"\n\x01" + public).digest()[:4]


def parse_verifier_key(text, where):
    parts = text.strip().split("+", 2)   # the base64 part may itself hold '+'
    if len(parts) != 3 or len(parts[1]) != 8:
        raise Failure(where, "a verifier key is name+keyhash+base64")
    name, hash_hex, encoded = parts
    try:
        raw = base64.b64decode(encoded, validate=True)
        hash_bytes = bytes.fromhex(hash_hex)
    except ValueError:
        raise Failure(where, "the verifier key is not name+hex+base64")
    if len(raw) != 33 or raw[0] != 1:
        raise Failure(where, "the verifier key is not an Ed25519 key (0x01 and 32 bytes)")
    if key_hash(name, raw[1:]) != hash_bytes:
        raise Failure(where, "the verifier key's hash does not match its name and key")
    return {"name": name, "public": raw[1:], "hash": hash_bytes, "text": text.strip()}


def verify_note(data, key, where):
    """The note's text if a signature line of `key` verifies over it, else a Failure."""
    try:
        note = data.decode("utf-8")
    except UnicodeDecodeError:
        raise Failure(where, "is not UTF-8 text")
    split = note.rfind("\n\n")
    if split < 0:
        raise Failure(where, "is not a signed note (no blank line before the signatures)")
    text, signatures = note[:split + 1], note[split + 2:]
    if not signatures.endswith("\n"):
        raise Failure(where, "the signature block does not end with a newline")
    found = False
    for line in signatures[:-1].split("\n"):
        if not line.startswith("\u2014 "):
            raise Failure(where, f"malformed signature line {line!r}")
        name, _, encoded = line[2:].rpartition(" ")
        try:
            raw = base64.b64decode(encoded, validate=True)
        except ValueError:
            raise Failure(where, f"signature of {name!r} is not base64")
        if name != key["name"] or len(raw) < 4 or raw[:4] != key["hash"]:
            continue  # another signer (a witness's cosignature, say)
        found = True
        if len(raw) == 68 and ed25519_verify(key["public"], text.encode("utf-8"), raw[4:]):
            return text
    if found:
        raise Failure(where, f"the signature of {key['name']} does not verify")
    raise Failure(where, f"is not signed by the key {key['text']}")


def parse_checkpoint(text, where, origin=None):
    lines = text.split("\n")
    if len(lines) < 4:
        raise Failure(where, "a checkpoint has an origin, a size and a root hash line")
    try:
        size = int(lines[1])
        root = base64.b64decode(lines[2], validate=True)
    except ValueError:
        raise Failure(where, "the checkpoint's size or root hash is malformed")
    if size < 0 or str(size) != lines[1] or len(root) != 32:
        raise Failure(where, "the checkpoint's size or root hash is malformed")
    if origin is not None and lines[0] != origin:
        raise Failure(where, f"the checkpoint's origin {lines[0]!r} is not {origin!r}")
    return {"origin": lines[0], "size": size, "root": root}


def self_test():
    """The Go signed-note package's example note: a broken verifier must not pass anything."""
    key = parse_verifier_key("PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW", "self-test")
    text = ("If you think cryptography is the answer to your problem,\n"
            "then you don't know what your problem is.\n")
    signature = ("\n\u2014 PeterNeumann x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdng"
                 "otpRZb6KE6RyyBwJnAM=\n")
    verify_note((text + signature).encode(), key, "self-test")
    try:
        verify_note((text.replace("answer", "Answer") + signature).encode(), key, "self-test")
    except Failure:
        return
    raise Failure("verifier self-test", "an altered note verified: this verifier is broken")


# --- RFC 9162 Merkle tree ----------------------------------------------------------------------

def leaf_hash(canonical):
    return hashlib.sha256(b"\x00" + canonical).digest()


def node_hash(left, right):
    return hashlib.sha256(b"\x01" + left + right).digest()


def split_point(n):
    k = 1
    while k * 2 < n:
        k *= 2
    return k


def segment_root(leaves, first, end, size, range_hashes, where):
    """Root of the tree of `size` leaves from the known leaves [first, end) and the hashes of the
    subtrees wholly outside them, left to right; each hash must be used exactly once."""
    supplied = iter(range_hashes)

    def root(lo, hi):
        if hi <= first or lo >= end:
            value = next(supplied, None)
            if value is None:
                raise Failure(where, "proof.json has too few range hashes")
            return value
        if hi - lo == 1:
            return leaves[lo - first]
        k = split_point(hi - lo)
        return node_hash(root(lo, lo + k), root(lo + k, hi))

    result = root(0, size)
    if next(supplied, None) is not None:
        raise Failure(where, "proof.json has range hashes left over")
    return result


def verify_consistency(first, second, first_root, second_root, proof):
    """RFC 9162 section 2.1.4.2."""
    if first == second:
        return not proof and first_root == second_root
    if first == 0 or first > second or not proof:
        return False
    path = list(proof)
    if first & (first - 1) == 0:
        path.insert(0, first_root)
    fn, sn = first - 1, second - 1
    while fn & 1:
        fn >>= 1
        sn >>= 1
    fr = sr = path[0]
    for c in path[1:]:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            fr = node_hash(c, fr)
            sr = node_hash(c, sr)
            if not fn & 1:
                while not (fn & 1 or fn == 0):
                    fn >>= 1
                    sn >>= 1
        else:
            sr = node_hash(sr, c)
        fn >>= 1
        sn >>= 1
    return fr == first_root and sr == second_root and sn == 0


def hex_hashes(values, where):
    try:
        hashes = [bytes.fromhex(v) for v in values]
    except (TypeError, ValueError):
        raise Failure(where, "holds a hash that is not hex")
    if any(len(h) != 32 for h in hashes):
        raise Failure(where, "holds a hash that is not 32 bytes")
    return hashes


# --- Reading the package ------------------------------------------------------------------------

class Package:
    """The files of a ZIP or an extracted folder, by their '/'-separated paths."""

    def __init__(self, path):
        self.files = {}
        if os.path.isdir(path):
            for folder, _, names in os.walk(path):
                for name in names:
                    full = os.path.join(folder, name)
                    relative = os.path.relpath(full, path).replace(os.sep, "/")
                    with open(full, "rb") as f:
                        self.files[relative] = f.read()
        else:
            try:
                with zipfile.ZipFile(path) as archive:
                    for info in archive.infolist():
                        if not info.is_dir():
                            self.files[info.filename] = archive.read(info)
            except (zipfile.BadZipFile, OSError) as error:
                raise Failure(path, f"is not a readable ZIP: {error}")

    def read(self, name):
        if name not in self.files:
            raise Failure(name, "is missing from the package")
        return self.files[name]

    def json(self, name):
        try:
            return json.loads(self.read(name).decode("utf-8"))
        except (UnicodeDecodeError, ValueError) as error:
            raise Failure(name, f"is not valid JSON: {error}")


def sha256_hex(data):
    return hashlib.sha256(data).hexdigest()


def day_start(day, where):
    try:
        return datetime.date.fromisoformat(day)
    except (TypeError, ValueError):
        raise Failure(where, f"the period day {day!r} is not YYYY-MM-DD")


# --- The checks ---------------------------------------------------------------------------------

def check_manifest(package, key):
    manifest_bytes = package.read(MANIFEST)
    text = verify_note(package.read(MANIFEST_SIG), key, MANIFEST_SIG)
    manifest = package.json(MANIFEST)
    expected = f"{MANIFEST_SIG_FORMAT}\n{manifest.get('package_id')}\nsha256 {sha256_hex(manifest_bytes)}\n"
    if text != expected:
        raise Failure(MANIFEST_SIG, "does not sign this manifest.json (its package id or SHA-256 differs)")
    ok(f"{MANIFEST_SIG}: manifest.json of package {manifest.get('package_id')} is signed by {key['name']}")
    return manifest


def check_files(package, manifest):
    listed = {}
    for entry in manifest.get("files") or []:
        path = entry.get("path")
        if not isinstance(path, str) or path.startswith("/") or ".." in path.split("/") or path in listed:
            raise Failure(MANIFEST, f"lists a bad or repeated path {path!r}")
        data = package.read(path)
        if len(data) != entry.get("bytes") or sha256_hex(data) != entry.get("sha256"):
            raise Failure(path, "its size or SHA-256 differs from manifest.json: the file was changed")
        listed[path] = entry
    for name in package.files:
        if name not in listed and name not in (MANIFEST, MANIFEST_SIG):
            raise Failure(name, "is in the package but not in manifest.json")
    ok(f"{len(listed)} files match their SHA-256 in manifest.json, none missing or added")
    return listed


def check_checkpoint(package, manifest, key):
    text = verify_note(package.read(CHECKPOINT), key, CHECKPOINT)
    checkpoint = parse_checkpoint(text, CHECKPOINT, key["name"])
    named = manifest.get("checkpoint") or {}
    if (named.get("tree_size") != checkpoint["size"] or named.get("root_hash") != checkpoint["root"].hex()
            or named.get("verifier_key") != key["text"]):
        raise Failure(CHECKPOINT, "is not the checkpoint manifest.json names (size, root or key differ)")
    if package.read(VERIFIER_KEY).decode("utf-8", "replace").strip() != key["text"]:
        raise Failure(VERIFIER_KEY, "is not the key the package is verified with")
    ok(f"{CHECKPOINT}: tree size {checkpoint['size']} signed by {key['name']}")
    return checkpoint


def read_segment(package, manifest, period_start, period_end):
    """The segment's lines, checked as a gapless hash chain against the manifest's edges."""
    edges = manifest.get("ledger_segment") or {}
    lines = []
    for number, raw in enumerate(package.read(SEGMENT).decode("utf-8").splitlines(), 1):
        try:
            line = json.loads(raw)
        except ValueError:
            raise Failure(SEGMENT, f"line {number} is not JSON")
        if not isinstance(line, dict) or not isinstance(line.get("seq"), int):
            raise Failure(SEGMENT, f"line {number} has no seq")
        lines.append(line)
    first, last = edges.get("first_seq"), edges.get("last_seq")
    if first is None or last is None:
        if lines:
            raise Failure(SEGMENT, "holds entries but manifest.json names an empty segment")
        ok(f"{SEGMENT}: the period has no entries")
        return lines
    expected = first
    for line in lines:
        if line["seq"] != expected:
            missing = expected if line["seq"] > expected else line["seq"]
            raise Failure(SEGMENT, f"seq {missing} is missing" if line["seq"] > expected else f"seq {missing} is out of order or repeated")
        expected += 1
    if expected != last + 1:
        raise Failure(SEGMENT, f"seq {expected} is missing (the segment ends before seq {last})")
    previous = edges.get("first_previous_hash")
    withheld = 0
    for line in lines:
        seq = line["seq"]
        if line.get("previous_hash") != previous:
            raise Failure(SEGMENT, f"seq {seq}: previous_hash does not link to the entry before")
        canonical = line.get("canonical")
        if canonical is None:
            withheld += 1
            stamp = line.get("timestamp")
            if not line.get("withheld") or (stamp is not None and period_start <= stamp < period_end):
                raise Failure(SEGMENT, f"seq {seq}: an entry of the period is withheld")
            if not line.get("purged") and stamp is None:
                raise Failure(SEGMENT, f"seq {seq}: a withheld entry has no timestamp")
            if line.get("leaf_hash") is None:
                raise Failure(SEGMENT, f"seq {seq}: a withheld entry has no leaf hash, so the segment cannot be proven")
            line["leaf"] = hex_hashes([line["leaf_hash"]], f"{SEGMENT} seq {seq}")[0]
        else:
            data = canonical.encode("utf-8")
            if sha256_hex(previous.encode("ascii") + data) != line.get("current_hash"):
                raise Failure(SEGMENT, f"seq {seq}: current_hash is not SHA-256(previous_hash || canonical)")
            try:
                entry = json.loads(canonical)
            except ValueError:
                raise Failure(SEGMENT, f"seq {seq}: canonical is not JSON")
            if entry.get("seq") != seq or entry.get("timestamp") != line.get("timestamp"):
                raise Failure(SEGMENT, f"seq {seq}: the canonical entry's seq or timestamp differs from its line")
            if not period_start <= entry["timestamp"] < period_end:
                raise Failure(SEGMENT, f"seq {seq}: an entry outside the period is not withheld")
            line["entry"] = entry
            line["leaf"] = leaf_hash(data)
        previous = line.get("current_hash")
        if not isinstance(previous, str):
            raise Failure(SEGMENT, f"seq {seq}: no current_hash")
    if previous != edges.get("last_current_hash"):
        raise Failure(SEGMENT, "the last current_hash is not the one manifest.json names")
    if len(lines) != edges.get("entries") or withheld != edges.get("withheld"):
        raise Failure(SEGMENT, "its entry or withheld count differs from manifest.json")
    ok(f"{SEGMENT}: seq {first}..{last} is one hash chain ({len(lines) - withheld} records of the period, {withheld} withheld)")
    return lines


def check_segment_root(package, lines, checkpoint):
    proof = package.json(PROOF)
    size = checkpoint["size"]
    if proof.get("tree_size") != size:
        raise Failure(PROOF, "is for another tree size than ledger/checkpoint.note")
    if not lines:
        return proof
    first, last = lines[0]["seq"], lines[-1]["seq"]
    if proof.get("segment_first_seq") != first or proof.get("segment_last_seq") != last:
        raise Failure(PROOF, "is for another segment than ledger/ledger.ndjson")
    if last > size:
        raise Failure(CHECKPOINT, f"its tree size {size} does not cover the segment's last seq {last}")
    hashes = hex_hashes(proof.get("range_hashes") or [], PROOF)
    root = segment_root([l["leaf"] for l in lines], first - 1, last, size, hashes, PROOF)
    if root != checkpoint["root"]:
        raise Failure(SEGMENT, f"its entries with proof.json do not give the root of {CHECKPOINT}: an entry was changed, added or removed")
    ok(f"{SEGMENT}: its entries are leaves {first - 1}..{last - 1} of the signed tree of size {size}")
    return proof


def check_period_checkpoint(package, proof, lines, checkpoint, key):
    if not lines:
        return None
    name = proof.get("period_checkpoint")
    if name is None:
        print(f"ok: no checkpoint was recorded between the period's last seq and the build: {CHECKPOINT} stands alone")
        return None
    period = parse_checkpoint(verify_note(package.read(name), key, name), name, key["name"])
    if period["size"] != proof.get("period_checkpoint_size") or period["size"] < lines[-1]["seq"]:
        raise Failure(name, "its size is not the one proof.json names or does not cover the period's last seq")
    consistency = hex_hashes(proof.get("period_consistency") or [], PROOF)
    if not verify_consistency(period["size"], checkpoint["size"], period["root"], checkpoint["root"], consistency):
        raise Failure(name, f"{CHECKPOINT} is not proven consistent with it: the ledger was rewritten after the period")
    ok(f"{name}: the period's checkpoint (tree size {period['size']}) is extended by {CHECKPOINT}")
    return period


def check_sections(package, listed, lines, manifest):
    records = [l for l in lines if "entry" in l]
    for path, matches in LEDGER_SECTIONS.items():
        if path not in listed:
            continue
        expected = [l["canonical"] for l in records if matches(l["entry"])]
        found = package.read(path).decode("utf-8").split("\n")
        if found[-1] != "":
            raise Failure(path, "does not end with a newline")
        found = found[:-1]
        for index, text in enumerate(found):
            if index >= len(expected) or text != expected[index]:
                raise Failure(path, f"record {index + 1} is not the ledger's entry at that place")
        if len(found) != len(expected):
            raise Failure(path, f"holds {len(found)} records, the ledger's segment {len(expected)}")
        if listed[path].get("records") != len(found):
            raise Failure(path, "its record count differs from manifest.json")
        ok(f"{path}: {len(found)} records, each the ledger's canonical entry")
    check_blotters(package, listed, records, manifest)
    check_archived_files(package, listed, records)


def check_blotters(package, listed, records, manifest):
    if "trade_blotters" not in (manifest.get("sections") or []):
        return
    day = day_start(manifest.get("period_from"), MANIFEST)
    end = day_start(manifest.get("period_to"), MANIFEST)
    trades = [l for l in records if l["entry"].get("log_type") == "TRADE" and l["entry"].get("event") == "trade_executed"]
    total = 0
    while day <= end:
        path = f"trade_blotters/blotter_{day.isoformat()}.csv"
        if path not in listed:
            raise Failure(path, "the day's blotter is not in the package")
        rows = list(csv.reader(io.StringIO(package.read(path).decode("utf-8"), newline="")))
        if not rows or rows[0] != BLOTTER_COLUMNS:
            raise Failure(path, "its header is not the blotter's columns")
        expected = sorted((l for l in trades if l["entry"]["timestamp"][:10] == day.isoformat()),
                          key=lambda l: (l["entry"]["timestamp"], l["seq"]))
        if len(rows) - 1 != len(expected) or listed[path].get("records") != len(expected):
            raise Failure(path, f"holds {len(rows) - 1} trades, the ledger's segment {len(expected)} for the day")
        for row, line in zip(rows[1:], expected):
            trade_id = (line["entry"].get("data") or {}).get("trade_id")
            if row[0] != line["entry"]["timestamp"] or (isinstance(trade_id, str) and row[1] != trade_id):
                raise Failure(path, f"the row of seq {line['seq']} does not match its ledger entry")
        total += len(expected)
        day += datetime.timedelta(days=1)
    ok(f"trade_blotters: {total} executed trades, each row matching its ledger entry")


def check_archived_files(package, listed, records):
    """Snapshot and message files whose ledger entry lies in the period must match the SHA-256 it recorded."""
    recorded = {}
    for line in records:
        entry, data = line["entry"], line["entry"].get("data") or {}
        if entry.get("event") == "position_snapshot" and isinstance(data.get("date"), str):
            recorded[f"position_snapshots/positions_{data['date']}.json"] = data.get("sha256")
        if entry.get("event") == "email_archived" and isinstance(data.get("sha256"), str):
            recorded[f"email_archive/messages/{data['sha256']}.eml"] = data["sha256"]
    checked = 0
    for path, entry in listed.items():
        if path.startswith("email_archive/messages/") and path not in recorded:
            raise Failure(path, "no email_archived entry of the period records this message")
        if path in recorded:
            if entry.get("sha256") != recorded[path]:
                raise Failure(path, "its SHA-256 is not the one its ledger entry recorded")
            checked += 1
    if checked:
        ok(f"{checked} archived snapshots and messages match the SHA-256 their ledger entries recorded")


def check_earlier(note_path, proof_path, key, checkpoint, period):
    where = os.path.basename(note_path)
    try:
        with open(note_path, "rb") as f:
            data = f.read()
    except OSError as error:
        raise Failure(where, f"cannot be read: {error}")
    earlier = parse_checkpoint(verify_note(data, key, where), where, key["name"])
    if earlier["size"] > checkpoint["size"]:
        raise Failure(where, f"is newer (size {earlier['size']}) than the package's checkpoint ({checkpoint['size']}): use a newer package")
    if earlier["size"] == checkpoint["size"]:
        consistent = earlier["root"] == checkpoint["root"]
    elif period is not None and earlier["size"] == period["size"]:
        consistent = earlier["root"] == period["root"]
    else:
        if proof_path is None:
            raise Failure(where, "--earlier-proof is needed: the consistency proof from its size to the package's")
        try:
            with open(proof_path, "rb") as f:
                proof = json.loads(f.read().decode("utf-8"))
        except (OSError, UnicodeDecodeError, ValueError) as error:
            raise Failure(os.path.basename(proof_path), f"is not a readable proof: {error}")
        if proof.get("first_size") != earlier["size"] or proof.get("tree_size") != checkpoint["size"]:
            raise Failure(os.path.basename(proof_path), f"is not the proof from size {earlier['size']} to {checkpoint['size']}")
        hashes = hex_hashes(proof.get("hashes") or [], os.path.basename(proof_path))
        consistent = verify_consistency(earlier["size"], checkpoint["size"], earlier["root"], checkpoint["root"], hashes)
    if not consistent:
        raise Failure(where, "the package's checkpoint does not extend it: the ledger was rewritten since")
    ok(f"{where}: your checkpoint of tree size {earlier['size']} is extended by the package's")


def verify(args):
    self_test()
    package = Package(args.package)
    own = parse_verifier_key(package.read(VERIFIER_KEY).decode("utf-8", "replace"), VERIFIER_KEY)
    key = parse_verifier_key(args.key, "--key") if args.key else own
    if not args.key:
        print(f"note: no --key given; checking with the package's own key {own['text']}: compare it with the key the firm published")
    manifest = check_manifest(package, key)
    listed = check_files(package, manifest)
    checkpoint = check_checkpoint(package, manifest, key)
    period_start = f"{day_start(manifest.get('period_from'), MANIFEST).isoformat()}T00:00:00.000000Z"
    after = day_start(manifest.get("period_to"), MANIFEST) + datetime.timedelta(days=1)
    period_end = f"{after.isoformat()}T00:00:00.000000Z"
    lines = read_segment(package, manifest, period_start, period_end)
    proof = check_segment_root(package, lines, checkpoint)
    period = check_period_checkpoint(package, proof, lines, checkpoint, key)
    check_sections(package, listed, lines, manifest)
    if args.earlier:
        check_earlier(args.earlier, args.earlier_proof, key, checkpoint, period)
    records = sum(1 for l in lines if "entry" in l)
    print(f"OK: package {manifest.get('package_id')} ({manifest.get('period_from')} to {manifest.get('period_to')}, "
          f"{records} ledger records) is whole and proven against the checkpoint of tree size {checkpoint['size']} signed by {key['name']}")


def main():
    parser = argparse.ArgumentParser(description="Verify a CompliancePortal compliance package offline.")
    parser.add_argument("package", help="the package ZIP or the folder it was extracted to")
    parser.add_argument("--key", help="the portal's verifier key as the firm published it")
    parser.add_argument("--earlier", help="a checkpoint note kept from an earlier visit")
    parser.add_argument("--earlier-proof", help="the consistency proof from the earlier checkpoint's size to the package's")
    args = parser.parse_args()
    if args.earlier_proof and not args.earlier:
        parser.error("--earlier-proof needs --earlier")
    if not os.path.exists(args.package):
        parser.error(f"{args.package} does not exist")
    try:
        verify(args)
    except Failure as failure:
        print(f"FAIL: {failure}")
        return 1
    except (UnicodeDecodeError, KeyError, TypeError, AttributeError, ValueError) as error:
        print(f"FAIL: the package is malformed: {type(error).__name__}: {error}")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
