-- Cosignatures of the ledger's checkpoints by C2SP tlog-witness servers (Checkpoints:Witnesses).
-- Runs as the owner role (cp_owner). Each row is one witness's tlog-cosignature/v1 signature
-- line over the checkpoint of tree_size, checked with the witness's key before it is stored.
-- The newest row of a witness is the size it last cosigned: the "old" size of the next request.

CREATE TABLE ledger_cosignatures (
    tree_size       bigint       NOT NULL REFERENCES ledger_checkpoints (tree_size),
    witness         varchar(200) NOT NULL,           -- the witness key's name
    signature_line  text         NOT NULL,           -- "— <name> <base64(key ID ‖ time ‖ signature)>\n"
    cosigned_at     timestamptz  NOT NULL,           -- the time in the cosignature
    recorded_at     timestamptz  NOT NULL DEFAULT now(),
    PRIMARY KEY (tree_size, witness)
);
CREATE INDEX ledger_cosignatures_by_witness ON ledger_cosignatures (witness, tree_size DESC);

CREATE TRIGGER ledger_cosignatures_no_change BEFORE UPDATE OR DELETE ON ledger_cosignatures
    FOR EACH ROW EXECUTE FUNCTION ledger_refuse_change();
CREATE TRIGGER ledger_cosignatures_no_truncate BEFORE TRUNCATE ON ledger_cosignatures
    FOR EACH STATEMENT EXECUTE FUNCTION ledger_refuse_change();

REVOKE ALL ON ledger_cosignatures FROM PUBLIC;
GRANT SELECT, INSERT ON ledger_cosignatures TO cp_app;
