-- The Merkle tree over the ledger (RFC 9162 section 2.1) and its signed checkpoints. Runs as the
-- owner role (cp_owner). docs/ledger-format.md gives every byte of these formats.
--
-- Leaf i is entry seq i+1: SHA-256(0x00 || canonical). The tree is stored as tiles in the layout
-- of C2SP tlog-tiles: tile (level L, idx i) holds up to 256 concatenated 32-byte hashes of the
-- nodes of height 8L numbered 256i .. 256i+255. The portal's tree builder extends it behind the
-- ledger (never a rebuild); a tile may only grow, and a node's hash never changes once written.

CREATE TABLE ledger_tree (
    id          smallint    PRIMARY KEY CHECK (id = 1),
    size        bigint      NOT NULL,            -- leaves in the tree: entries 1..size
    root        bytea       NOT NULL,            -- RFC 9162 MTH of those leaves
    updated_at  timestamptz NOT NULL
);
INSERT INTO ledger_tree VALUES (1, 0, sha256(''::bytea), now());

CREATE TABLE ledger_tree_tiles (
    level   smallint NOT NULL CHECK (level >= 0),
    idx     bigint   NOT NULL CHECK (idx >= 0),
    hashes  bytea    NOT NULL CHECK (length(hashes) % 32 = 0 AND length(hashes) BETWEEN 32 AND 8192),
    PRIMARY KEY (level, idx)
);

-- Signed checkpoints (C2SP tlog-checkpoint in a C2SP signed note), each also written to the
-- archive store under archive_key before it is recorded here.
CREATE TABLE ledger_checkpoints (
    tree_size    bigint       PRIMARY KEY CHECK (tree_size > 0),
    root_hash    bytea        NOT NULL CHECK (length(root_hash) = 32),
    note         text         NOT NULL,
    signed_at    timestamptz  NOT NULL,
    archive_key  varchar(512) NOT NULL
);

CREATE FUNCTION ledger_tree_forward_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.size < OLD.size THEN
        RAISE EXCEPTION 'the ledger tree only grows (% -> %)', OLD.size, NEW.size
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    RETURN NEW;
END $$;

CREATE FUNCTION ledger_tile_only_grows() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.level <> OLD.level OR NEW.idx <> OLD.idx OR length(NEW.hashes) < length(OLD.hashes)
       OR substring(NEW.hashes FROM 1 FOR length(OLD.hashes)) <> OLD.hashes THEN
        RAISE EXCEPTION 'tile %/% may only grow: its hashes never change', OLD.level, OLD.idx
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    RETURN NEW;
END $$;

CREATE TRIGGER ledger_tree_forward BEFORE UPDATE ON ledger_tree
    FOR EACH ROW EXECUTE FUNCTION ledger_tree_forward_only();
CREATE TRIGGER ledger_tree_no_delete BEFORE DELETE ON ledger_tree
    FOR EACH ROW EXECUTE FUNCTION ledger_refuse_change();
CREATE TRIGGER ledger_tree_no_truncate BEFORE TRUNCATE ON ledger_tree
    FOR EACH STATEMENT EXECUTE FUNCTION ledger_refuse_change();
CREATE TRIGGER ledger_tree_tiles_grow BEFORE UPDATE ON ledger_tree_tiles
    FOR EACH ROW EXECUTE FUNCTION ledger_tile_only_grows();
CREATE TRIGGER ledger_tree_tiles_no_delete BEFORE DELETE ON ledger_tree_tiles
    FOR EACH ROW EXECUTE FUNCTION ledger_refuse_change();
CREATE TRIGGER ledger_tree_tiles_no_truncate BEFORE TRUNCATE ON ledger_tree_tiles
    FOR EACH STATEMENT EXECUTE FUNCTION ledger_refuse_change();
CREATE TRIGGER ledger_checkpoints_no_update BEFORE UPDATE OR DELETE ON ledger_checkpoints
    FOR EACH ROW EXECUTE FUNCTION ledger_refuse_change();
CREATE TRIGGER ledger_checkpoints_no_truncate BEFORE TRUNCATE ON ledger_checkpoints
    FOR EACH STATEMENT EXECUTE FUNCTION ledger_refuse_change();

-- Purged entries keep their leaf hash, so proofs over their part of the tree survive retention.
-- Tombstones made before this migration have none (only test databases had purges then).
ALTER TABLE ledger_tombstones ADD COLUMN leaf_hash bytea;

CREATE OR REPLACE FUNCTION ledger_tombstone_matches_row() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.leaf_hash IS NULL OR NOT EXISTS (
                   SELECT 1 FROM audit_log a
                   WHERE a.seq = NEW.seq AND a.created_at = NEW.created_at AND a.log_type = NEW.log_type
                     AND a.previous_hash = NEW.previous_hash AND a.current_hash = NEW.current_hash
                     AND sha256('\x00'::bytea || a.canonical) = NEW.leaf_hash) THEN
        RAISE EXCEPTION 'a tombstone must copy a stored ledger entry and its leaf hash (seq %)', NEW.seq
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    RETURN NEW;
END $$;

REVOKE ALL ON ledger_tree, ledger_tree_tiles, ledger_checkpoints FROM PUBLIC;
GRANT SELECT, UPDATE ON ledger_tree TO cp_app;
GRANT SELECT, INSERT, UPDATE ON ledger_tree_tiles TO cp_app;
GRANT SELECT, INSERT ON ledger_checkpoints TO cp_app;
