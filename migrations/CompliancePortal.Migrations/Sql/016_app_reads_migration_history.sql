-- The web process holds only the portal role (cp_app) and never migrates: it reads the migration
-- history to refuse a schema the maintenance verb has not brought up to date. Runs as cp_owner.
GRANT SELECT ON "__EFMigrationsHistory" TO cp_app;
