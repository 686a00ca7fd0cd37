-- The full-text indexer's two stages each keep their own position row (issue 16), so they run side by side. Runs as cp_owner.
-- Before: both stages moved a column of fts_state's one row and locked it for their whole batch,
-- so new entries waited for their vectors while the GIN stage moved its batch (40 ms and more under
-- load): the vectors' lag p99 at 10,000 events/s was 190 ms, and ingest waits past
-- Search:MaxUnvectorized (1,000 entries, 100 ms at that rate).
-- Now the first stage locks and moves fts_vectors.vectorized only; the second locks fts_state and
-- reads vectorized in its statement's snapshot, where every row the first stage committed up to it
-- is visible. Readers take both from fts_position in one snapshot.
CREATE TABLE fts_vectors (
    id          smallint  PRIMARY KEY CHECK (id = 1),
    vectorized  bigint    NOT NULL CHECK (vectorized >= 0)   -- every entry with watermark < seq <= vectorized has its row in audit_fts_recent
);
INSERT INTO fts_vectors (id, vectorized) SELECT 1, vectorized FROM fts_state;

-- watermark <= vectorized now holds by the second stage's statement (it moves no further than the
-- vectorized it reads), not by a check across the two rows.
ALTER TABLE fts_state DROP CONSTRAINT fts_state_vectorized_check, DROP COLUMN vectorized;

CREATE VIEW fts_position AS SELECT s.watermark, v.vectorized FROM fts_state s CROSS JOIN fts_vectors v;

GRANT SELECT, UPDATE ON fts_vectors TO cp_app;
GRANT SELECT ON fts_position TO cp_app;
