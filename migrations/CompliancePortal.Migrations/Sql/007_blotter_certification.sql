-- Daily trade blotters and log certifications are records: the portal adds them and reads them,
-- never changes or removes them. One row per day is enforced by each table's primary key (a
-- second certification of a day fails on it, inside the transaction that would also have
-- written its ledger entry, so nothing of it is kept).
GRANT SELECT, INSERT ON trade_blotters, log_certifications TO cp_app;

CREATE TRIGGER trade_blotters_no_update BEFORE UPDATE OR DELETE ON trade_blotters
    FOR EACH ROW EXECUTE FUNCTION ledger_refuse_change();
CREATE TRIGGER trade_blotters_no_truncate BEFORE TRUNCATE ON trade_blotters
    FOR EACH STATEMENT EXECUTE FUNCTION ledger_refuse_change();
CREATE TRIGGER log_certifications_no_update BEFORE UPDATE OR DELETE ON log_certifications
    FOR EACH ROW EXECUTE FUNCTION ledger_refuse_change();
CREATE TRIGGER log_certifications_no_truncate BEFORE TRUNCATE ON log_certifications
    FOR EACH STATEMENT EXECUTE FUNCTION ledger_refuse_change();
