-- Writer-signed ledger: the last entry of every append carries the API's signature over its
-- hash (a detached JWS, protocol/audit/ledger-signatures.ts), made with a key kept outside
-- the database. The signature is not part of the entry hash: it vouches for the hash, and
-- through the chain for every entry before it. NULL on the other entries of an append.
ALTER TABLE ledger ADD COLUMN signature text CHECK (signature IS NULL OR length(signature) BETWEEN 100 AND 400);
-- The anchoring worker and the audit look for the signed entries.
CREATE INDEX ledger_signed ON ledger (seq) WHERE signature IS NOT NULL;

-- What the anchoring worker refused to anchor and why (an entry no valid signature covers, a
-- broken link, content that does not hash): raised on /readyz and /metrics until the worker
-- finds the ledger clean again. One row per problem, however often it is met.
CREATE TABLE ledger_alerts (
  id           bigserial PRIMARY KEY,
  seq          bigint NOT NULL,
  kind         text NOT NULL CHECK (kind IN ('unsigned', 'bad_signature', 'broken_chain', 'edited')),
  detail       text NOT NULL,
  detected_at  timestamptz NOT NULL DEFAULT now(),
  resolved_at  timestamptz
);
CREATE UNIQUE INDEX ledger_alerts_open ON ledger_alerts (seq, kind) WHERE resolved_at IS NULL;

-- migrate:down
DROP TABLE ledger_alerts;
DROP INDEX ledger_signed;
ALTER TABLE ledger DROP COLUMN signature;
