-- End-of-day positions and compliance packages.
-- Submissions, snapshots and missed days are records: the portal may add and read them, and
-- UPDATE, DELETE and TRUNCATE raise an error for every role (the ledger's trigger function).
REVOKE ALL ON position_submissions, position_snapshots, position_snapshot_misses FROM PUBLIC;
GRANT SELECT, INSERT ON position_submissions, position_snapshots, position_snapshot_misses TO cp_app;
GRANT USAGE, SELECT ON SEQUENCE position_submissions_id_seq TO cp_app;

CREATE TRIGGER position_submissions_no_update BEFORE UPDATE OR DELETE ON position_submissions
    FOR EACH ROW EXECUTE FUNCTION ledger_refuse_change();
CREATE TRIGGER position_submissions_no_truncate BEFORE TRUNCATE ON position_submissions
    FOR EACH STATEMENT EXECUTE FUNCTION ledger_refuse_change();
CREATE TRIGGER position_snapshots_no_update BEFORE UPDATE OR DELETE ON position_snapshots
    FOR EACH ROW EXECUTE FUNCTION ledger_refuse_change();
CREATE TRIGGER position_snapshots_no_truncate BEFORE TRUNCATE ON position_snapshots
    FOR EACH STATEMENT EXECUTE FUNCTION ledger_refuse_change();
CREATE TRIGGER position_snapshot_misses_no_update BEFORE UPDATE OR DELETE ON position_snapshot_misses
    FOR EACH ROW EXECUTE FUNCTION ledger_refuse_change();
CREATE TRIGGER position_snapshot_misses_no_truncate BEFORE TRUNCATE ON position_snapshot_misses
    FOR EACH STATEMENT EXECUTE FUNCTION ledger_refuse_change();

-- A package's row is the build's current state (status, progress, expiry), so the portal updates
-- it; what happened to it is in the ledger (requested, built, downloaded, expired). Never deleted.
REVOKE ALL ON compliance_packages FROM PUBLIC;
GRANT SELECT, INSERT, UPDATE ON compliance_packages TO cp_app;
CREATE TRIGGER compliance_packages_no_delete BEFORE DELETE ON compliance_packages
    FOR EACH ROW EXECUTE FUNCTION ledger_refuse_change();
