-- Retention and legal holds. Runs as the owner role (cp_owner).
--
-- Rows leave the ledger only one way: the retention job, connected as the owner, in a transaction
-- that first sets compliance.retention_purge = 'on' (transaction-local) and records a tombstone
-- for every row it removes. The DELETE trigger below checks all three (owner, setting, matching
-- tombstone) for each row; UPDATE and TRUNCATE still raise for everyone, and cp_app has no DELETE
-- grant at all.

-- One tombstone per purged entry: enough to keep verifying the chain across the gap (the entry's
-- own hashes) and to find the entry again (the archive object that holds it).
CREATE TABLE ledger_tombstones (
    seq            bigint       PRIMARY KEY,
    log_type       varchar(50)  NOT NULL,
    created_at     timestamptz  NOT NULL,
    previous_hash  char(64)     NOT NULL,
    current_hash   char(64)     NOT NULL,
    archive_key    varchar(512) NOT NULL,
    purged_at      timestamptz  NOT NULL DEFAULT now()
);

-- A tombstone copies a row that exists at that moment; anything else is refused.
CREATE FUNCTION ledger_tombstone_matches_row() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM audit_log a
                   WHERE a.seq = NEW.seq AND a.created_at = NEW.created_at AND a.log_type = NEW.log_type
                     AND a.previous_hash = NEW.previous_hash AND a.current_hash = NEW.current_hash) THEN
        RAISE EXCEPTION 'a tombstone must copy a stored ledger entry (seq %)', NEW.seq
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    RETURN NEW;
END $$;

CREATE TRIGGER ledger_tombstones_match BEFORE INSERT ON ledger_tombstones
    FOR EACH ROW EXECUTE FUNCTION ledger_tombstone_matches_row();
CREATE TRIGGER ledger_tombstones_no_update BEFORE UPDATE OR DELETE ON ledger_tombstones
    FOR EACH ROW EXECUTE FUNCTION ledger_refuse_change();
CREATE TRIGGER ledger_tombstones_no_truncate BEFORE TRUNCATE ON ledger_tombstones
    FOR EACH STATEMENT EXECUTE FUNCTION ledger_refuse_change();

-- DELETE on the ledger: only the owner, only inside a purge transaction, only a tombstoned row.
CREATE FUNCTION ledger_guard_delete() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF current_user = 'cp_owner'
       AND current_setting('compliance.retention_purge', true) = 'on'
       AND EXISTS (SELECT 1 FROM ledger_tombstones t
                   WHERE t.seq = OLD.seq AND t.log_type = OLD.log_type
                     AND t.previous_hash = OLD.previous_hash AND t.current_hash = OLD.current_hash) THEN
        RETURN OLD;
    END IF;
    RAISE EXCEPTION 'the ledger is append-only: % on % is not allowed (only the retention job removes archived, tombstoned entries)',
        TG_OP, TG_TABLE_NAME USING ERRCODE = 'insufficient_privilege';
END $$;

-- Replaces 001's combined UPDATE OR DELETE trigger (on the parent, so every partition follows).
DROP TRIGGER audit_log_no_update ON audit_log;
CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
    FOR EACH ROW EXECUTE FUNCTION ledger_refuse_change();
CREATE TRIGGER audit_log_guard_delete BEFORE DELETE ON audit_log
    FOR EACH ROW EXECUTE FUNCTION ledger_guard_delete();

REVOKE ALL ON ledger_tombstones FROM PUBLIC;
GRANT SELECT ON ledger_tombstones TO cp_app;

-- Legal holds (table made by the EF migration): placed and released by the portal, never deleted.
-- The portal may only set the release columns, and only once.
CREATE FUNCTION legal_hold_release_once() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF OLD."ReleasedAt" IS NOT NULL THEN
        RAISE EXCEPTION 'legal hold % is already released', OLD."Id" USING ERRCODE = 'insufficient_privilege';
    END IF;
    IF NEW."ReleasedAt" IS NULL OR NEW."ReleasedBy" IS NULL OR coalesce(btrim(NEW."ReleaseReason"), '') = '' THEN
        RAISE EXCEPTION 'releasing legal hold % needs who, when and why', OLD."Id" USING ERRCODE = 'check_violation';
    END IF;
    RETURN NEW;
END $$;

CREATE TRIGGER legal_holds_release_once BEFORE UPDATE ON legal_holds
    FOR EACH ROW EXECUTE FUNCTION legal_hold_release_once();
CREATE TRIGGER legal_holds_no_delete BEFORE DELETE ON legal_holds
    FOR EACH ROW EXECUTE FUNCTION ledger_refuse_change();
CREATE TRIGGER legal_holds_no_truncate BEFORE TRUNCATE ON legal_holds
    FOR EACH STATEMENT EXECUTE FUNCTION ledger_refuse_change();

REVOKE ALL ON legal_holds FROM PUBLIC;
GRANT SELECT, INSERT ON legal_holds TO cp_app;
GRANT UPDATE ("ReleasedBy", "ReleasedAt", "ReleaseReason") ON legal_holds TO cp_app;
GRANT USAGE, SELECT ON SEQUENCE "legal_holds_Id_seq" TO cp_app;
