-- Hangfire keeps its queues and job history in a schema of its own. Its tables are installed and
-- upgraded by the owner role at start-up (DatabaseSetup.MigrateAsync, with Hangfire.PostgreSql's
-- installer) and granted to the portal's role there.
CREATE SCHEMA IF NOT EXISTS hangfire;
