-- Where the journal mailbox capture has reached in each mailbox: the folder's UIDVALIDITY and the
-- last UID whose message is archived (or its refusal recorded), so a restart neither skips nor repeats.
CREATE TABLE mailbox_capture (
    mailbox      text PRIMARY KEY,
    uid_validity bigint NOT NULL,
    last_uid     bigint NOT NULL,
    updated_at   timestamptz NOT NULL
);
GRANT SELECT, INSERT, UPDATE ON mailbox_capture TO cp_app;
