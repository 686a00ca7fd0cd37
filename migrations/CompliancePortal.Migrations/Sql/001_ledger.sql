-- The ledger: append-only, hash-chained, partitioned by month on the server's receive time.
-- Runs as the owner role (cp_owner). The portal connects as cp_app, which may only INSERT and
-- SELECT here; UPDATE, DELETE and TRUNCATE raise an error for everyone, owner included,
-- instead of the seed's silent DO INSTEAD NOTHING rules (a silent no-op hides tampering attempts).

DO $$ BEGIN
  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'cp_app') THEN
    RAISE EXCEPTION 'role cp_app must exist before the ledger migration (see README, Configuration)';
  END IF;
END $$;

CREATE TABLE audit_log (
    seq            bigint       NOT NULL,
    created_at     timestamptz  NOT NULL,            -- server receive time; the partition key
    "timestamp"    timestamptz  NOT NULL,            -- event time from the source (receive time if absent)
    log_type       varchar(50)  NOT NULL,
    event          varchar(100) NOT NULL,
    event_data     jsonb        NOT NULL,            -- the event's own fields; verification compares it with canonical
    user_id        varchar(100),
    ip_address     varchar(45),
    session_id     varchar(100),
    source         varchar(200) NOT NULL,            -- key:<api key name> or user:<portal user>
    event_id       varchar(200),                     -- the client's idempotency id, unique per source
    canonical      bytea        NOT NULL,            -- the exact bytes that were hashed
    previous_hash  char(64)     NOT NULL,
    current_hash   char(64)     NOT NULL,
    PRIMARY KEY (seq, created_at)
) PARTITION BY RANGE (created_at);

-- An insert never fails for lack of a partition.
CREATE TABLE audit_log_default PARTITION OF audit_log DEFAULT;

-- Indexes for the seed's queries. Time ranges, event names and the trade fields use btrees;
-- the JSON field indexes are partial so events without the field cost nothing.
CREATE INDEX audit_log_timestamp_idx ON audit_log ("timestamp", seq);
CREATE INDEX audit_log_type_time_idx ON audit_log (log_type, "timestamp");
CREATE INDEX audit_log_event_time_idx ON audit_log (event, "timestamp");
CREATE INDEX audit_log_user_idx ON audit_log (user_id, "timestamp") WHERE user_id IS NOT NULL;
CREATE INDEX audit_log_asset_idx ON audit_log ((event_data ->> 'asset'), "timestamp") WHERE event_data ? 'asset';
CREATE INDEX audit_log_action_idx ON audit_log ((event_data ->> 'action'), "timestamp") WHERE event_data ? 'action';
CREATE INDEX audit_log_trade_id_idx ON audit_log ((event_data ->> 'trade_id')) WHERE event_data ? 'trade_id';
-- Full text covers the event name and every string value of the data (not keys, not numbers)
-- with the 'simple' configuration: tickers, ids and names match exactly, no stemming cost.
-- Numbers are found through field filters instead.
CREATE INDEX audit_log_fts_idx ON audit_log USING gin (
    (to_tsvector('simple'::regconfig, event::text) || jsonb_to_tsvector('simple'::regconfig, event_data, '["string"]'::jsonb)));

-- The chain head: one row, locked by every appending transaction so that all writers, in all
-- portal processes, extend one gapless chain.
CREATE TABLE ledger_head (
    id    smallint PRIMARY KEY CHECK (id = 1),
    seq   bigint   NOT NULL,
    hash  char(64) NOT NULL
);
INSERT INTO ledger_head VALUES (1, 0, repeat('0', 64));

-- Idempotency: a client's event id maps to the entry it produced, so a retry gets the original receipt.
CREATE TABLE ledger_event_ids (
    source        varchar(200) NOT NULL,
    event_id      varchar(200) NOT NULL,
    seq           bigint       NOT NULL,
    current_hash  char(64)     NOT NULL,
    PRIMARY KEY (source, event_id)
);

CREATE FUNCTION ledger_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'the ledger is append-only: % on % is not allowed', TG_OP, TG_TABLE_NAME
        USING ERRCODE = 'insufficient_privilege';
END $$;

CREATE FUNCTION ledger_head_forward_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.seq < OLD.seq THEN
        RAISE EXCEPTION 'the ledger head only moves forward (% -> %)', OLD.seq, NEW.seq
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    RETURN NEW;
END $$;

CREATE TRIGGER audit_log_no_update BEFORE UPDATE OR DELETE ON audit_log
    FOR EACH ROW EXECUTE FUNCTION ledger_refuse_change();
CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log
    FOR EACH STATEMENT EXECUTE FUNCTION ledger_refuse_change();
CREATE TRIGGER audit_log_default_no_truncate BEFORE TRUNCATE ON audit_log_default
    FOR EACH STATEMENT EXECUTE FUNCTION ledger_refuse_change();
CREATE TRIGGER ledger_event_ids_no_update BEFORE UPDATE OR DELETE ON ledger_event_ids
    FOR EACH ROW EXECUTE FUNCTION ledger_refuse_change();
CREATE TRIGGER ledger_event_ids_no_truncate BEFORE TRUNCATE ON ledger_event_ids
    FOR EACH STATEMENT EXECUTE FUNCTION ledger_refuse_change();
CREATE TRIGGER ledger_head_no_delete BEFORE DELETE ON ledger_head
    FOR EACH ROW EXECUTE FUNCTION ledger_refuse_change();
CREATE TRIGGER ledger_head_no_truncate BEFORE TRUNCATE ON ledger_head
    FOR EACH STATEMENT EXECUTE FUNCTION ledger_refuse_change();
CREATE TRIGGER ledger_head_forward BEFORE UPDATE ON ledger_head
    FOR EACH ROW EXECUTE FUNCTION ledger_head_forward_only();

-- Monthly partitions, made ahead of time by the owner (at start-up and by the maintenance job).
-- A month that already has rows in the default partition is skipped: moving them would need
-- a DELETE, which the ledger refuses.
CREATE FUNCTION ledger_ensure_partitions(months_back int DEFAULT 1, months_ahead int DEFAULT 3)
RETURNS int LANGUAGE plpgsql AS $$
DECLARE
    month_start date;
    name text;
    created int := 0;
BEGIN
    FOR i IN -months_back..months_ahead LOOP
        month_start := (date_trunc('month', now() AT TIME ZONE 'UTC') + make_interval(months => i))::date;
        name := format('audit_log_y%sm%s', to_char(month_start, 'YYYY'), to_char(month_start, 'MM'));
        CONTINUE WHEN to_regclass(name) IS NOT NULL;
        CONTINUE WHEN EXISTS (SELECT 1 FROM audit_log_default
                              WHERE created_at >= (month_start::timestamp AT TIME ZONE 'UTC')
                                AND created_at < ((month_start + interval '1 month')::timestamp AT TIME ZONE 'UTC'));
        EXECUTE format('CREATE TABLE %I PARTITION OF audit_log FOR VALUES FROM (%L) TO (%L)', name,
                       month_start::timestamp AT TIME ZONE 'UTC',
                       (month_start + interval '1 month')::timestamp AT TIME ZONE 'UTC');
        EXECUTE format('CREATE TRIGGER %I BEFORE TRUNCATE ON %I FOR EACH STATEMENT EXECUTE FUNCTION ledger_refuse_change()',
                       name || '_no_truncate', name);
        created := created + 1;
    END LOOP;
    RETURN created;
END $$;

SELECT ledger_ensure_partitions();

-- The portal's role: read and append the ledger, move the head, nothing else.
REVOKE ALL ON audit_log, audit_log_default, ledger_head, ledger_event_ids FROM PUBLIC;
GRANT SELECT, INSERT ON audit_log, ledger_event_ids TO cp_app;
GRANT SELECT, UPDATE ON ledger_head TO cp_app;
REVOKE ALL ON FUNCTION ledger_ensure_partitions(int, int) FROM PUBLIC;
