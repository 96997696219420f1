-- The chain outbox (writes to the contracts, sent by the outbox worker) and the
-- anchors of the ledger (Merkle roots of entry ranges, sent by the anchor worker).

CREATE TABLE chain_outbox (
  id            bigserial PRIMARY KEY,
  kind          text NOT NULL CHECK (kind IN ('code.issue', 'code.rotate', 'code.suspend', 'code.reinstate', 'code.revoke',
                                              'record.publish', 'repair.decide', 'record.expire')),
  -- Arguments of the write, hex canonical (0x, lower case); see api/src/chain/outbox.ts.
  payload       jsonb NOT NULL,
  -- pending: not sent or to be re-checked; sent: a transaction is in flight;
  -- done: applied on chain (by us or found already applied); failed: permanent revert.
  status        text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'sent', 'done', 'failed')),
  attempts      integer NOT NULL DEFAULT 0,
  next_attempt_at timestamptz NOT NULL DEFAULT now(),
  signer        text,
  nonce         bigint,
  tx_hash       text,
  -- The signed transaction, stored before it is broadcast: after a crash the same bytes are re-sent.
  raw_tx        text,
  block_number  bigint,
  error         text,
  created_at    timestamptz NOT NULL DEFAULT now(),
  sent_at       timestamptz,
  done_at       timestamptz
);
CREATE INDEX chain_outbox_open ON chain_outbox (id) WHERE status IN ('pending', 'sent');

CREATE TABLE anchors (
  -- 1-based, equal to the index in the BatchAnchored event.
  idx           integer PRIMARY KEY CHECK (idx >= 1),
  from_seq      bigint NOT NULL UNIQUE,
  to_seq        bigint NOT NULL UNIQUE CHECK (to_seq >= from_seq),
  -- RFC 6962 root over the entries' hashes (leaf = entry hash).
  root          bytea NOT NULL CHECK (octet_length(root) = 32),
  prev_head     bytea NOT NULL CHECK (octet_length(prev_head) = 32),
  -- keccak256(abi.encode(prev_head, from_seq, to_seq, root)), as CreditLedger computes it.
  head          bytea NOT NULL CHECK (octet_length(head) = 32),
  status        text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'sent', 'confirmed')),
  signer        text,
  nonce         bigint,
  tx_hash       text,
  raw_tx        text,
  block_number  bigint,
  created_at    timestamptz NOT NULL DEFAULT now(),
  sent_at       timestamptz,
  confirmed_at  timestamptz
);
CREATE INDEX anchors_range ON anchors (to_seq);
-- Anchors are gap-free: each starts right after the one before.
CREATE FUNCTION anchors_contiguous() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  last_to bigint;
BEGIN
  SELECT to_seq INTO last_to FROM anchors WHERE idx = NEW.idx - 1;
  IF NEW.idx = 1 AND NEW.from_seq <> 1 THEN
    RAISE EXCEPTION 'the first anchor must start at sequence 1';
  ELSIF NEW.idx > 1 AND (last_to IS NULL OR NEW.from_seq <> last_to + 1) THEN
    RAISE EXCEPTION 'anchor % must start right after anchor %', NEW.idx, NEW.idx - 1;
  END IF;
  RETURN NEW;
END;
$$;
CREATE TRIGGER anchors_contiguous BEFORE INSERT ON anchors FOR EACH ROW EXECUTE FUNCTION anchors_contiguous();

-- migrate:down
DROP TRIGGER anchors_contiguous ON anchors;
DROP FUNCTION anchors_contiguous();
DROP TABLE anchors;
DROP TABLE chain_outbox;
