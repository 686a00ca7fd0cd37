-- The full-text index in two stages (issue 16, item 5): each entry's vector is stored first, the
-- GIN index is filled from the stored vectors after. Runs as cp_owner.
-- Before: every full-text search computed the vector of each entry the indexer had not reached
-- (about 10 us each), so with the 200,000 entries Search:MaxUnindexed allows a search took 1.4-2.5 s.
-- Now the indexer's first stage computes the vectors into audit_fts_recent (no GIN index: matched
-- by a scan, about 0.2 us an entry, 40 ms for 200,000) and moves fts_state.vectorized; its second
-- stage moves those rows into audit_fts and moves fts_state.watermark. A search reads both
-- watermarks and its statements in one snapshot, so every entry is found in exactly one part:
-- audit_fts up to watermark, audit_fts_recent up to vectorized, computed after it (bounded by
-- Search:MaxUnvectorized, 2,000 by default).
CREATE TABLE audit_fts_recent (
    seq          bigint        PRIMARY KEY,   -- as in audit_fts: an entry's row is in one of the two
    created_at   timestamptz   NOT NULL,
    "timestamp"  timestamptz   NOT NULL,
    log_type     varchar(50)   NOT NULL,
    event        varchar(100)  NOT NULL,
    user_id      varchar(100),
    vector       tsvector      NOT NULL       -- exactly AuditSql.FullTextVector of the entry
)
-- Its rows live for about one indexer interval: vacuumed after every 20,000 moved, not after a
-- fifth of the table, so the scan every search makes of it does not read dead rows.
WITH (autovacuum_vacuum_scale_factor = 0, autovacuum_vacuum_threshold = 20000,
      autovacuum_analyze_scale_factor = 0, autovacuum_analyze_threshold = 20000);

-- Where the first stage stands: every entry with watermark < seq <= vectorized has its row in
-- audit_fts_recent (and none other is there).
ALTER TABLE fts_state ADD COLUMN vectorized bigint;
UPDATE fts_state SET vectorized = watermark;
ALTER TABLE fts_state ALTER COLUMN vectorized SET NOT NULL,
    ADD CONSTRAINT fts_state_vectorized_check CHECK (vectorized >= watermark);

-- The portal adds rows and moves them on to audit_fts; the retention purge, as the owner, removes
-- the rows of the entries it removes.
GRANT SELECT, INSERT, DELETE ON audit_fts_recent TO cp_app;
