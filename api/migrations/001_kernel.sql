-- The kernel: subjects, their codes, and the append-only, hash-chained ledger.
-- Feature tables live in later migrations next to the features' numbers.

CREATE TABLE subjects (
  id            uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  kind          text NOT NULL CHECK (kind IN ('person', 'enterprise')),
  -- Resident ID number (GB 11643) or Unified Social Credit Code (GB 32100).
  -- Personal data: never leaves the database unmasked except to its owner, never on chain.
  identifier    text NOT NULL UNIQUE,
  name          text NOT NULL,
  -- Masked display name shown on codes and to officials (张*三, 佛山市**有限公司).
  display_name  text NOT NULL,
  -- HMAC-SHA256(subject key, kind ":" identifier): how the chain knows this subject.
  commitment    bytea NOT NULL UNIQUE CHECK (octet_length(commitment) = 32),
  -- Enterprises: the enrolled person who is the legal representative (法定代表人).
  legal_rep_id  uuid REFERENCES subjects (id),
  -- Follows from the active dishonesty records: good | dishonest | serious (serious-dishonesty list).
  credit_status text NOT NULL DEFAULT 'good' CHECK (credit_status IN ('good', 'dishonest', 'serious')),
  created_at    timestamptz NOT NULL DEFAULT now(),
  created_by    text NOT NULL,
  CHECK (kind = 'enterprise' OR legal_rep_id IS NULL)
);
CREATE INDEX subjects_legal_rep ON subjects (legal_rep_id) WHERE legal_rep_id IS NOT NULL;

CREATE SEQUENCE code_status_index START 0 MINVALUE 0;

CREATE TABLE codes (
  -- Opaque random 16-byte id, hex; the same bytes16 on chain.
  code_id       text PRIMARY KEY CHECK (code_id ~ '^[0-9a-f]{32}$'),
  subject_id    uuid NOT NULL REFERENCES subjects (id),
  status        text NOT NULL CHECK (status IN ('active', 'suspended', 'revoked')),
  -- Position of this code in the signed status list (IETF OAuth Token Status List).
  status_index  integer NOT NULL UNIQUE DEFAULT nextval('code_status_index'),
  -- SHA-256 digest of the off-chain record the code attests (kind, commitment, issue time, key id).
  attestation   bytea NOT NULL CHECK (octet_length(attestation) = 32),
  issued_at     timestamptz NOT NULL,
  changed_at    timestamptz NOT NULL,
  replaces      text REFERENCES codes (code_id),
  -- Set by the outbox worker once the chain confirmed the issue.
  chain_tx      text,
  chain_block   bigint
);
-- One active (or suspended) code per subject; the contract enforces the same on chain.
CREATE UNIQUE INDEX codes_one_current_per_subject ON codes (subject_id) WHERE status <> 'revoked';

CREATE TABLE ledger (
  seq         bigint PRIMARY KEY CHECK (seq >= 1),
  type        text NOT NULL,
  -- Canonical JSON (sorted keys, no white space) exactly as hashed.
  payload     text NOT NULL,
  -- What the entry is about, for search: a code id, a subject commitment (hex), a record id.
  subject_ref text,
  actor       text NOT NULL,
  created_at  timestamptz NOT NULL,
  prev_hash   bytea NOT NULL CHECK (octet_length(prev_hash) = 32),
  -- SHA-256(prev_hash || canonical entry): see api/src/ledger/entry.ts.
  hash        bytea NOT NULL UNIQUE CHECK (octet_length(hash) = 32)
);
CREATE INDEX ledger_type ON ledger (type, seq);
CREATE INDEX ledger_subject_ref ON ledger (subject_ref, seq) WHERE subject_ref IS NOT NULL;
CREATE INDEX ledger_created_at ON ledger (created_at);

-- The tip of the hash chain: appenders lock this row, so sequence numbers have no gaps
-- and every entry links to the one before it.
CREATE TABLE ledger_head (
  singleton boolean PRIMARY KEY DEFAULT true CHECK (singleton),
  seq       bigint NOT NULL,
  hash      bytea NOT NULL
);
INSERT INTO ledger_head (seq, hash) VALUES (0, '\x0000000000000000000000000000000000000000000000000000000000000000');

-- The database itself refuses to change history, not only the code.
CREATE FUNCTION ledger_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'ledger entries are append-only (% refused)', TG_OP USING ERRCODE = 'insufficient_privilege';
END;
$$;
CREATE TRIGGER ledger_no_update BEFORE UPDATE OR DELETE ON ledger FOR EACH ROW EXECUTE FUNCTION ledger_refuse_change();
CREATE TRIGGER ledger_no_truncate BEFORE TRUNCATE ON ledger FOR EACH STATEMENT EXECUTE FUNCTION ledger_refuse_change();

-- migrate:down
DROP TRIGGER ledger_no_truncate ON ledger;
DROP TRIGGER ledger_no_update ON ledger;
DROP FUNCTION ledger_refuse_change();
DROP TABLE ledger_head;
DROP TABLE ledger;
DROP TABLE codes;
DROP SEQUENCE code_status_index;
DROP TABLE subjects;
