-- The database itself refuses a head move that does not extend the chain correctly. Runs as the
-- owner role (cp_owner).
--
-- Every append moves ledger_head in the transaction that inserted its rows, so the check runs
-- there, once per batch and set-based (one statement, SHA-256 in C): the rows seq OLD.seq+1 ..
-- NEW.seq must each exist exactly once, each previous_hash must be the entry before's
-- current_hash (the old head's hash for the first), each current_hash must recompute as
-- hex(SHA-256(previous_hash || canonical)), and the new head's hash must be the last one's.
-- A forged row that the portal's role inserts at head+1 with a wrong previous_hash therefore
-- can never join the chain: the head cannot move over it.

CREATE OR REPLACE FUNCTION ledger_head_forward_only() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    rows_seen bigint;
    seqs_seen bigint;
    first_bad bigint;
    last_hash text;
BEGIN
    IF NEW.seq < OLD.seq THEN
        RAISE EXCEPTION 'the ledger head only moves forward (% -> %)', OLD.seq, NEW.seq
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    IF NEW.seq = OLD.seq THEN
        IF NEW.hash <> OLD.hash THEN
            RAISE EXCEPTION 'the ledger head''s hash changes only with new entries'
                USING ERRCODE = 'insufficient_privilege';
        END IF;
        RETURN NEW;
    END IF;

    WITH appended AS (
        SELECT seq, previous_hash, current_hash,
               lag(current_hash) OVER (ORDER BY seq) AS before,
               encode(sha256(convert_to(previous_hash, 'UTF8') || canonical), 'hex') AS recomputed
        FROM audit_log WHERE seq > OLD.seq AND seq <= NEW.seq)
    SELECT count(*), count(DISTINCT seq),
           min(seq) FILTER (WHERE previous_hash <> coalesce(before, OLD.hash) OR current_hash <> recomputed),
           (array_agg(current_hash ORDER BY seq DESC))[1]
      INTO rows_seen, seqs_seen, first_bad, last_hash
      FROM appended;

    IF rows_seen <> NEW.seq - OLD.seq OR seqs_seen <> rows_seen THEN
        RAISE EXCEPTION 'the ledger head may move from % to % only over exactly one entry per seq (found % rows, % seqs)',
            OLD.seq, NEW.seq, rows_seen, seqs_seen USING ERRCODE = 'insufficient_privilege';
    END IF;
    IF first_bad IS NOT NULL THEN
        RAISE EXCEPTION 'entry % does not extend the chain (its previous_hash or current_hash is wrong)', first_bad
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    IF NEW.hash <> last_hash THEN
        RAISE EXCEPTION 'the ledger head''s hash must be entry %''s current_hash', NEW.seq
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    RETURN NEW;
END $$;
