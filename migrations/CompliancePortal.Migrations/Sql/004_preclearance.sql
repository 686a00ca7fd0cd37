-- Preclearance: the workflow's current state is the portal's to change; its history is the
-- ledger (each change is a COMPLIANCE entry written in the same transaction).
GRANT SELECT, INSERT, UPDATE ON preclearance_requests TO cp_app;
-- The restricted list is never edited in place or deleted: an entry is added, and ended by
-- setting effective_to (the portal updates only that column).
GRANT SELECT, INSERT ON restricted_list TO cp_app;
GRANT UPDATE ("EffectiveTo") ON restricted_list TO cp_app;
GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO cp_app;

-- Request ids PCT-YYYY-NNNN are numbered per year without gaps from one row per year.
CREATE TABLE preclearance_counters (
    year  int PRIMARY KEY,
    last  int NOT NULL
);
GRANT SELECT, INSERT, UPDATE ON preclearance_counters TO cp_app;
