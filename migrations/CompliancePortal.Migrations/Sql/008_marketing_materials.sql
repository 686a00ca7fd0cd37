-- Marketing material review (Rule 206(4)-1). The material row is the workflow's current state
-- (current version, its review outcome) and is the portal's to update; the versions and the
-- decisions are records: the portal may only add and read them, and nobody may change or remove
-- one (the same refusing trigger as the ledger's, so an attempt is an error, not a silent no-op).
GRANT SELECT, INSERT, UPDATE ON marketing_materials TO cp_app;
GRANT SELECT, INSERT ON marketing_material_versions, marketing_material_reviews TO cp_app;
GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO cp_app;

CREATE TRIGGER marketing_material_versions_no_change BEFORE UPDATE OR DELETE ON marketing_material_versions
    FOR EACH ROW EXECUTE FUNCTION ledger_refuse_change();
CREATE TRIGGER marketing_material_versions_no_truncate BEFORE TRUNCATE ON marketing_material_versions
    FOR EACH STATEMENT EXECUTE FUNCTION ledger_refuse_change();
CREATE TRIGGER marketing_material_reviews_no_change BEFORE UPDATE OR DELETE ON marketing_material_reviews
    FOR EACH ROW EXECUTE FUNCTION ledger_refuse_change();
CREATE TRIGGER marketing_material_reviews_no_truncate BEFORE TRUNCATE ON marketing_material_reviews
    FOR EACH STATEMENT EXECUTE FUNCTION ledger_refuse_change();

-- Material ids are taken before the file is stored (the archive key names the id); a failed
-- submission leaves a gap and an unreferenced object, never a row naming a missing object.
CREATE SEQUENCE marketing_material_ids AS bigint;
GRANT USAGE, SELECT ON SEQUENCE marketing_material_ids TO cp_app;
