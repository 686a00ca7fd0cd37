-- The full-text index moves behind the ledger (issue 16). Runs as cp_owner.
-- Before: a GIN index on audit_log's full-text expression, so every append paid for parsing and
-- GIN insertion before its acknowledgement (about a third of the ingest CPU). Now the ledger commit
-- is all an acknowledgement waits for; the indexer (one per cluster, FullTextIndexer) copies each
-- entry's vector here in large batches, in seq order, and moves fts_state.watermark in the same
-- transaction. Search reads this index for entries up to the watermark and computes the same
-- expression for the entries above it, so an acknowledged event is found at once either way.

-- Besides the vector, each row carries the entry's columns that a search filters and orders by,
-- so a page of a full-text search is chosen here alone (walking the time index with the stored
-- vector for a common term, the GIN index for a rare one) and only the rows shown are read from
-- audit_log. Joining every match to audit_log first cost 2.2 s for a term in 9% of 1,000,000
-- entries (docs/benchmarks.md).
CREATE TABLE audit_fts (
    seq          bigint        PRIMARY KEY,   -- the ledger entry's seq: indexed at most once
    created_at   timestamptz   NOT NULL,      -- its partition key, to reach the entry by its primary key
    "timestamp"  timestamptz   NOT NULL,      -- copied from the entry, as are the next three
    log_type     varchar(50)   NOT NULL,
    event        varchar(100)  NOT NULL,
    user_id      varchar(100),
    vector       tsvector      NOT NULL       -- exactly AuditSql.FullTextVector of the entry
);
CREATE INDEX audit_fts_vector_idx ON audit_fts USING gin (vector);
CREATE INDEX audit_fts_timestamp_idx ON audit_fts ("timestamp", seq);

-- Where the indexer stands: every entry with seq <= watermark has its row in audit_fts.
CREATE TABLE fts_state (
    id          smallint     PRIMARY KEY CHECK (id = 1),
    watermark   bigint       NOT NULL CHECK (watermark >= 0),
    indexed_at  timestamptz  NOT NULL DEFAULT now()
);

-- Existing entries are indexed here, once (ledger commits are in seq order, so what this
-- statement sees is a prefix of the chain and its last seq is the watermark).
INSERT INTO audit_fts (seq, created_at, "timestamp", log_type, event, user_id, vector)
SELECT seq, created_at, "timestamp", log_type, event, user_id,
       to_tsvector('simple'::regconfig, event::text) || jsonb_to_tsvector('simple'::regconfig, event_data, '["string"]'::jsonb)
FROM audit_log;
INSERT INTO fts_state (id, watermark) VALUES (1, coalesce((SELECT max(seq) FROM audit_fts), 0));

DROP INDEX audit_log_fts_idx;

-- The portal adds rows and moves the watermark; it never changes or removes a row (only the
-- retention purge, as the owner, removes the rows of the entries it removes).
GRANT SELECT, INSERT ON audit_fts TO cp_app;
GRANT SELECT, UPDATE ON fts_state TO cp_app;
