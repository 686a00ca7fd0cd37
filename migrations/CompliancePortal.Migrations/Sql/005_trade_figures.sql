-- The seed's "total premium collected since a date" sums a JSON number over ~80k trades a year.
-- An expression index cannot answer it without reading every wide ledger row (no index-only
-- scans over event_data expressions), so the two figures it needs are stored beside the data as
-- generated columns. They are computed by PostgreSQL from event_data (they cannot drift from
-- it), and only from values of the right JSON type, so no event can ever fail to insert because
-- of them: a string "premium" simply leaves the column null.
ALTER TABLE audit_log
    ADD COLUMN trade_action varchar(50) GENERATED ALWAYS AS (
        CASE WHEN jsonb_typeof(event_data -> 'action') = 'string' THEN left(event_data ->> 'action', 50) END) STORED,
    ADD COLUMN premium_collected numeric GENERATED ALWAYS AS (
        CASE WHEN jsonb_typeof(event_data -> 'premium_collected') = 'number' THEN (event_data ->> 'premium_collected')::numeric END) STORED;

-- Covering index: the sum is answered from the index alone (index-only scan).
CREATE INDEX audit_log_premium_idx ON audit_log (trade_action, "timestamp") INCLUDE (premium_collected)
    WHERE premium_collected IS NOT NULL;
