-- Officers sign repair decisions with their own passkeys (issue 14). The API stores the
-- officers' public keys and every signed decision it relays; it holds no key that can decide.

-- A repair officer's opaque id on chain: 32 random bytes, no name or identity number.
CREATE TABLE officers (
  operator    text PRIMARY KEY,          -- the operator id (token sub), e.g. officer-li
  officer_id  bytea NOT NULL UNIQUE CHECK (octet_length(officer_id) = 32),
  created_at  timestamptz NOT NULL
);

-- An officer's passkey (WebAuthn, P-256). What the chain says about it (validFrom after the
-- admin delay, revocation) is read from the chain; `state` is what this API did about it.
CREATE TABLE officer_keys (
  key_id        bytea PRIMARY KEY CHECK (octet_length(key_id) = 32),  -- keccak256(abi.encode(x, y)), as the ledger names it
  operator      text NOT NULL REFERENCES officers (operator),
  credential_id text NOT NULL UNIQUE,                                 -- base64url PublicKeyCredential.rawId
  x             bytea NOT NULL CHECK (octet_length(x) = 32),
  y             bytea NOT NULL CHECK (octet_length(y) = 32),
  label         text,
  -- requested: submitted by the officer; registering: registerOfficerKey queued (or handed to the
  -- admin); revoking: revokeOfficerKey queued (or handed to the admin).
  state         text NOT NULL CHECK (state IN ('requested', 'registering', 'revoking')),
  requested_at  timestamptz NOT NULL,
  requested_by  text NOT NULL,
  registered_at timestamptz,
  registered_by text,
  revoked_at    timestamptz,
  revoked_by    text,
  -- The outbox row of the last key write (null: none queued, or sent by the admin's own wallet).
  outbox_id     bigint REFERENCES chain_outbox (id)
);
CREATE INDEX officer_keys_operator ON officer_keys (operator);

-- The chain writes of a repair decision, one per record: an officer's signed decision (the
-- assertion as posted, kept for the audit) or a rule's decision. A write the chain refused can
-- be signed again: the newest row of (application, step, record) is the one that counts.
CREATE TABLE repair_decision_writes (
  id              bigserial PRIMARY KEY,
  application_id  uuid NOT NULL REFERENCES repair_applications (id),
  step            text NOT NULL CHECK (step IN ('proposal', 'final')),
  record_id       uuid NOT NULL REFERENCES credit_records (id),
  officer         text NOT NULL,          -- operator id, or 'system' (a rule's decision)
  officer_id      bytea CHECK (octet_length(officer_id) = 32),
  key_id          bytea CHECK (octet_length(key_id) = 32),
  nonce           text,
  deadline        timestamptz,
  -- The EIP-712 digest the passkey signed; each is used once (the chain refuses a replay too).
  signed_digest   bytea UNIQUE CHECK (octet_length(signed_digest) = 32),
  assertion       jsonb,
  outbox_id       bigint NOT NULL REFERENCES chain_outbox (id),
  created_at      timestamptz NOT NULL,
  CHECK ((officer = 'system') = (signed_digest IS NULL)),
  CHECK ((signed_digest IS NULL) = (key_id IS NULL) AND (key_id IS NULL) = (officer_id IS NULL))
);
CREATE INDEX repair_decision_writes_application ON repair_decision_writes (application_id, step, record_id, id);

ALTER TABLE chain_outbox DROP CONSTRAINT chain_outbox_kind_check;
ALTER TABLE chain_outbox ADD CONSTRAINT chain_outbox_kind_check
  CHECK (kind IN ('code.issue', 'code.rotate', 'code.suspend', 'code.reinstate', 'code.revoke',
                  'record.publish', 'repair.decide', 'record.expire', 'officer.register', 'officer.revoke'));
-- /readyz and /metrics count the refused writes.
CREATE INDEX chain_outbox_failed ON chain_outbox (kind) WHERE status = 'failed';

-- migrate:down
DROP INDEX chain_outbox_failed;
ALTER TABLE chain_outbox DROP CONSTRAINT chain_outbox_kind_check;
ALTER TABLE chain_outbox ADD CONSTRAINT chain_outbox_kind_check
  CHECK (kind IN ('code.issue', 'code.rotate', 'code.suspend', 'code.reinstate', 'code.revoke',
                  'record.publish', 'repair.decide', 'record.expire'));
DROP TABLE repair_decision_writes;
DROP TABLE officer_keys;
DROP TABLE officers;
