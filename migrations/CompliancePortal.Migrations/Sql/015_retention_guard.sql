-- The retention path enforces the retention policy inside the database. Runs as the owner role
-- (cp_owner). Before this, the DELETE trigger let the owner remove any tombstoned row inside a
-- purge transaction; now each removed row must also be:
--   * not COMPLIANCE (compliance records are permanent);
--   * of a log type the recorded retention policy removes, and past its hot window (by receive
--     day, UTC, as the retention job counts it);
--   * archived: a recorded day manifest (archive_manifests) lists the object its tombstone names,
--     for its receive day and log type, with its seq inside the object's range;
--   * not covered by an active legal hold (same rule as the retention job: log type, receive day
--     or event day in range, asset and user when the hold names them).
-- The check is per row, so it also holds for a DELETE aimed at a partition directly.

-- The policy as the retention job last recorded it, one row per change (never updated or
-- deleted): the latest row of a log type is in force; hot_days NULL means kept forever.
CREATE TABLE retention_policy (
    id          bigserial    PRIMARY KEY,
    log_type    varchar(50)  NOT NULL CHECK (log_type <> 'COMPLIANCE'),
    hot_days    integer      CHECK (hot_days IS NULL OR hot_days >= 1),
    set_at      timestamptz  NOT NULL DEFAULT now(),
    set_by      text         NOT NULL DEFAULT current_user
);
CREATE INDEX retention_policy_latest ON retention_policy (log_type, id DESC);

-- Every day manifest the daily archive wrote, one row per archived object (never changed).
CREATE TABLE archive_manifests (
    day           date         NOT NULL,
    log_type      varchar(50)  NOT NULL,
    object_key    varchar(512) NOT NULL,
    sha256        char(64)     NOT NULL,
    entries       bigint       NOT NULL,
    first_seq     bigint       NOT NULL,
    last_seq      bigint       NOT NULL,
    manifest_key  varchar(512) NOT NULL,
    recorded_at   timestamptz  NOT NULL DEFAULT now(),
    PRIMARY KEY (day, log_type)
);

CREATE TRIGGER retention_policy_no_change BEFORE UPDATE OR DELETE ON retention_policy
    FOR EACH ROW EXECUTE FUNCTION ledger_refuse_change();
CREATE TRIGGER retention_policy_no_truncate BEFORE TRUNCATE ON retention_policy
    FOR EACH STATEMENT EXECUTE FUNCTION ledger_refuse_change();
CREATE TRIGGER archive_manifests_no_change BEFORE UPDATE OR DELETE ON archive_manifests
    FOR EACH ROW EXECUTE FUNCTION ledger_refuse_change();
CREATE TRIGGER archive_manifests_no_truncate BEFORE TRUNCATE ON archive_manifests
    FOR EACH STATEMENT EXECUTE FUNCTION ledger_refuse_change();

CREATE OR REPLACE FUNCTION ledger_guard_delete() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    tomb_key text;
    hot integer;
    receive_day date := (OLD.created_at AT TIME ZONE 'UTC')::date;
    why text;
BEGIN
    IF current_user <> 'cp_owner' OR coalesce(current_setting('compliance.retention_purge', true), '') <> 'on' THEN
        why := 'only the retention job removes archived, tombstoned entries';
    ELSE
        SELECT t.archive_key INTO tomb_key FROM ledger_tombstones t
         WHERE t.seq = OLD.seq AND t.log_type = OLD.log_type
           AND t.previous_hash = OLD.previous_hash AND t.current_hash = OLD.current_hash;
        SELECT p.hot_days INTO hot FROM retention_policy p WHERE p.log_type = OLD.log_type ORDER BY p.id DESC LIMIT 1;
        IF tomb_key IS NULL THEN
            why := 'it has no tombstone';
        ELSIF OLD.log_type = 'COMPLIANCE' THEN
            why := 'COMPLIANCE entries are kept permanently';
        ELSIF hot IS NULL THEN
            why := format('the retention policy keeps %s entries', OLD.log_type);
        ELSIF receive_day >= (now() AT TIME ZONE 'UTC')::date - hot THEN
            why := format('received %s, it is inside the %s-day hot window of %s', receive_day, hot, OLD.log_type);
        ELSIF NOT EXISTS (SELECT 1 FROM archive_manifests m
                          WHERE m.day = receive_day AND m.log_type = OLD.log_type AND m.object_key = tomb_key
                            AND OLD.seq BETWEEN m.first_seq AND m.last_seq) THEN
            why := format('no recorded archive manifest of %s lists it in %s', receive_day, tomb_key);
        ELSIF EXISTS (SELECT 1 FROM legal_holds h
                      WHERE h."ReleasedAt" IS NULL AND (h."LogType" IS NULL OR h."LogType" = OLD.log_type)
                        AND (receive_day BETWEEN h."FromDay" AND h."ToDay"
                             OR (OLD."timestamp" AT TIME ZONE 'UTC')::date BETWEEN h."FromDay" AND h."ToDay")
                        AND (h."Asset" IS NULL OR OLD.event_data ->> 'asset' = h."Asset")
                        AND (h."UserId" IS NULL OR OLD.user_id = h."UserId")) THEN
            why := 'a legal hold covers it';
        ELSE
            RETURN OLD;
        END IF;
    END IF;
    RAISE EXCEPTION 'the ledger is append-only: entry % may not be removed: %', OLD.seq, why
        USING ERRCODE = 'insufficient_privilege';
END $$;

REVOKE ALL ON retention_policy, archive_manifests FROM PUBLIC;
GRANT SELECT ON retention_policy TO cp_app;
GRANT SELECT, INSERT ON archive_manifests TO cp_app;
