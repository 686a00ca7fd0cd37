-- Alerts raised by the alert rules, and their notifications (one row per channel, written in
-- the alert's transaction: an outbox the notifier sends from). The rows are current state
-- (open or acknowledged; pending, sent or failed) and the portal's to update; the history
-- (alert_raised, alert_acknowledged, alert_notification_sent/failed) is in the ledger.
GRANT SELECT, INSERT, UPDATE ON alerts, alert_deliveries TO cp_app;
GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO cp_app;

-- How far the alert rules have judged the ledger. It moves in the same transaction as the
-- alerts it raised, so an entry is judged once by all portal instances together. It starts at
-- the chain head: rules judge what is committed from now on, not years of history.
CREATE TABLE alert_cursor (
    id   smallint PRIMARY KEY CHECK (id = 1),
    seq  bigint   NOT NULL
);
INSERT INTO alert_cursor SELECT 1, seq FROM ledger_head WHERE id = 1;
REVOKE ALL ON alert_cursor FROM PUBLIC;
GRANT SELECT, UPDATE ON alert_cursor TO cp_app;
