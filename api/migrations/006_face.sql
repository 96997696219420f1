-- Face verification at the kiosk: encrypted reference descriptors, agents' authorisations,
-- kiosk sessions, face-check attempts (for lockout and evidence) and single-use assertions.

-- A person's reference face descriptor, encrypted at rest (compact JWE, dir + A256GCM, the
-- person's id in the authenticated header). Biometric data: never logged, never on chain.
CREATE TABLE face_references (
  person_id   uuid PRIMARY KEY REFERENCES subjects (id),
  reference   text NOT NULL CHECK (reference ~ '^[A-Za-z0-9_-]+\.\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$'),
  kid         text,
  enrolled_at timestamptz NOT NULL,
  enrolled_by text NOT NULL
);

-- 授权委托书: a person authorised by an enterprise to apply on its behalf, registrar-managed.
CREATE TABLE authorisations (
  id            uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  enterprise_id uuid NOT NULL REFERENCES subjects (id),
  agent_id      uuid NOT NULL REFERENCES subjects (id),
  -- Number of the authorisation document (授权委托书编号) as registered.
  reference     text NOT NULL CHECK (length(reference) BETWEEN 1 AND 64),
  -- Scope of the authorisation; the kiosk needs 'credit_repair'.
  scope         text NOT NULL DEFAULT 'credit_repair' CHECK (scope IN ('credit_repair')),
  valid_from    timestamptz NOT NULL,
  valid_until   timestamptz NOT NULL,
  revoked_at    timestamptz,
  revoked_by    text,
  created_at    timestamptz NOT NULL,
  created_by    text NOT NULL,
  CHECK (valid_until > valid_from),
  CHECK (enterprise_id <> agent_id),
  UNIQUE (enterprise_id, reference)
);
CREATE INDEX authorisations_agent ON authorisations (agent_id, enterprise_id);

-- One visit at a kiosk. The nonce changes after every face attempt, so a captured
-- attempt cannot be sent again.
CREATE TABLE kiosk_sessions (
  id            uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  -- The kiosk device (operator subject of its 'kiosk' token).
  device        text NOT NULL,
  nonce         text NOT NULL,
  enterprise_id uuid REFERENCES subjects (id),
  person_id     uuid REFERENCES subjects (id),
  capacity      text CHECK (capacity IN ('legal_representative', 'authorised_agent')),
  authorisation_id uuid REFERENCES authorisations (id),
  created_at    timestamptz NOT NULL,
  expires_at    timestamptz NOT NULL,
  ended_at      timestamptz,
  CHECK ((person_id IS NULL) = (capacity IS NULL)),
  CHECK ((capacity = 'authorised_agent') = (authorisation_id IS NOT NULL))
);
CREATE INDEX kiosk_sessions_created ON kiosk_sessions (created_at);

-- Every face attempt, passed or refused: scores only, never images or descriptors.
CREATE TABLE face_attempts (
  id          bigserial PRIMARY KEY,
  session_id  uuid NOT NULL REFERENCES kiosk_sessions (id),
  person_id   uuid NOT NULL REFERENCES subjects (id),
  verdict     text NOT NULL CHECK (verdict IN ('passed', 'refused')),
  reason      text,
  similarity  real NOT NULL,
  antispoof   real NOT NULL,
  liveness    real NOT NULL,
  frames      integer NOT NULL,
  created_at  timestamptz NOT NULL
);
CREATE INDEX face_attempts_person ON face_attempts (person_id, created_at);
CREATE INDEX face_attempts_session ON face_attempts (session_id);

-- Proof that a face check passed: a random token, stored only as its SHA-256, single use.
CREATE TABLE face_assertions (
  token_hash    bytea PRIMARY KEY CHECK (octet_length(token_hash) = 32),
  session_id    uuid NOT NULL REFERENCES kiosk_sessions (id),
  person_id     uuid NOT NULL REFERENCES subjects (id),
  enterprise_id uuid NOT NULL REFERENCES subjects (id),
  capacity      text NOT NULL CHECK (capacity IN ('legal_representative', 'authorised_agent')),
  authorisation_id uuid REFERENCES authorisations (id),
  -- The session nonce the passing attempt answered.
  nonce         text NOT NULL,
  attempt_id    bigint NOT NULL REFERENCES face_attempts (id),
  issued_at     timestamptz NOT NULL,
  expires_at    timestamptz NOT NULL,
  used_at       timestamptz,
  -- What consumed it, e.g. the repair application id.
  used_for      text
);
CREATE INDEX face_assertions_session ON face_assertions (session_id);

-- migrate:down
DROP TABLE face_assertions;
DROP TABLE face_attempts;
DROP TABLE kiosk_sessions;
DROP TABLE authorisations;
DROP TABLE face_references;
