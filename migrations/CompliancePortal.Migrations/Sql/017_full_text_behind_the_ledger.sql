-- The full-text index moves behind the ledger (issue 16). Runs as cp_owner.
-- Before: a GIN index on audit_log's full-text expression, so every append paid for parsing and
-- GIN insertion before its acknowledgement (about a third of the ingest CPU). Now the ledger commit
-- is all an acknowledgement waits for; the indexer (one per cluster, FullTextIndexer) copies each
-- entry's vector here in large batches, in seq order, and moves fts_state.watermark in the same
-- transaction. Search reads this index for entries up to the watermark and computes the same
-- expression for the entries above it, so an acknowledged event is found at once either way.

CREATE TABLE audit_fts (
    seq         bigint       PRIMARY KEY,     -- the ledger entry's seq: indexed at most once
    created_at  timestamptz  NOT NULL,        -- its partition key, to reach the entry by its primary key
    vector      tsvector     NOT NULL         -- exactly AuditSql.FullTextVector of the entry
);
CREATE INDEX audit_fts_vector_idx ON audit_fts USING gin (vector);

-- Where the indexer stands: every entry with seq <= watermark has its row in audit_fts.
CREATE TABLE fts_state (
    id          smallint     PRIMARY KEY CHECK (id = 1),
    watermark   bigint       NOT NULL CHECK (watermark >= 0),
    indexed_at  timestamptz  NOT NULL DEFAULT now()
);

-- Existing entries are indexed here, once (ledger commits are in seq order, so what this
-- statement sees is a prefix of the chain and its last seq is the watermark).
INSERT INTO audit_fts (seq, created_at, vector)
SELECT seq, created_at,
       to_tsvector('simple'::regconfig, event::text) || jsonb_to_tsvector('simple'::regconfig, event_data, '["string"]'::jsonb)
FROM audit_log;
INSERT INTO fts_state (id, watermark) VALUES (1, coalesce((SELECT max(seq) FROM audit_fts), 0));

DROP INDEX audit_log_fts_idx;

-- The portal adds rows and moves the watermark; it never changes or removes a row (only the
-- retention purge, as the owner, removes the rows of the entries it removes).
GRANT SELECT, INSERT ON audit_fts TO cp_app;
GRANT SELECT, UPDATE ON fts_state TO cp_app;
