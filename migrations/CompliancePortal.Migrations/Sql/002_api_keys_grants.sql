-- API keys are managed by the portal (create, revoke), so its role may change them.
GRANT SELECT, INSERT, UPDATE ON api_keys TO cp_app;
GRANT USAGE, SELECT ON SEQUENCE api_keys_id_seq TO cp_app;
