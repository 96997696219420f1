-- Operators as people (issue 16): accounts with a unit and roles, their passkeys and TOTP
-- fallback, browser sessions, the machine tokens of batch feeds and kiosks (named, limited in
-- lifetime, revocable), and the access log of who read or changed what, for which purpose.
-- An account is known everywhere else (ledger actor, created_by columns, access log) by its
-- opaque id only: the name lives in this erasable row.

CREATE TABLE operator_accounts (
  id                 text PRIMARY KEY CHECK (id ~ '^op_[0-9a-f]{20}$'),
  -- What the person types at sign-in (or the single sign-on's user name claim).
  login              text NOT NULL UNIQUE CHECK (login ~ '^[a-z0-9][a-z0-9._-]{1,39}$'),
  name               text NOT NULL CHECK (length(name) BETWEEN 1 AND 100),
  -- The department the person works for; the supervisor's dashboard counts per unit.
  unit               text NOT NULL CHECK (length(unit) BETWEEN 1 AND 100),
  roles              text[] NOT NULL CHECK (
    cardinality(roles) >= 1
    AND roles <@ ARRAY['registrar', 'credit_agency', 'repair_officer', 'auditor', 'admin', 'supervisor']::text[]
  ),
  status             text NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'disabled')),
  -- TOTP fallback: a password (scrypt) and the TOTP secret (AES-256-GCM under a key derived
  -- from OPERATOR_TOKEN_SECRET); the last accepted time step, so a code works once.
  password_hash      text,
  totp_secret        bytea,
  totp_last_step     bigint,
  -- The single sign-on's `sub`, bound at the first OIDC sign-in (or set by an admin).
  oidc_subject       text UNIQUE,
  -- One-time enrolment code (SHA-256) an admin hands over; the person sets up a passkey or TOTP with it.
  enrolment_hash     bytea CHECK (octet_length(enrolment_hash) = 32),
  enrolment_expires  timestamptz,
  -- Wrong second factors in a row; the account waits until locked_until after too many.
  failed_attempts    integer NOT NULL DEFAULT 0,
  locked_until       timestamptz,
  created_at         timestamptz NOT NULL,
  created_by         text NOT NULL,
  changed_at         timestamptz NOT NULL,
  changed_by         text NOT NULL,
  CHECK ((password_hash IS NULL) = (totp_secret IS NULL))
);

CREATE TABLE operator_passkeys (
  -- base64url of the credential id.
  credential_id  text PRIMARY KEY,
  account_id     text NOT NULL REFERENCES operator_accounts (id),
  -- COSE public key as the authenticator gave it.
  public_key     bytea NOT NULL,
  -- The authenticator's signature counter (0 for passkeys that do not count).
  counter        bigint NOT NULL DEFAULT 0,
  transports     text[] NOT NULL DEFAULT '{}',
  label          text NOT NULL DEFAULT '',
  created_at     timestamptz NOT NULL,
  last_used_at   timestamptz,
  revoked_at     timestamptz
);
CREATE INDEX operator_passkeys_account ON operator_passkeys (account_id);

-- WebAuthn challenges and OIDC logins in flight: single use, short-lived. A replayed
-- assertion names a challenge that is used (or gone) and is refused.
CREATE TABLE operator_challenges (
  id          uuid PRIMARY KEY,
  purpose     text NOT NULL CHECK (purpose IN ('sign_in', 'register', 'oidc')),
  account_id  text REFERENCES operator_accounts (id),
  -- base64url WebAuthn challenge, or the OIDC state.
  challenge   text NOT NULL,
  -- OIDC: nonce and PKCE verifier.
  extra       jsonb NOT NULL DEFAULT '{}',
  created_at  timestamptz NOT NULL,
  expires_at  timestamptz NOT NULL,
  used_at     timestamptz
);
CREATE INDEX operator_challenges_expires ON operator_challenges (expires_at);

CREATE TABLE operator_sessions (
  -- SHA-256 of the cookie's random value: a database reader cannot take a session over.
  id_hash       bytea PRIMARY KEY CHECK (octet_length(id_hash) = 32),
  account_id    text NOT NULL REFERENCES operator_accounts (id),
  method        text NOT NULL CHECK (method IN ('passkey', 'totp', 'oidc')),
  created_at    timestamptz NOT NULL,
  last_seen_at  timestamptz NOT NULL,
  expires_at    timestamptz NOT NULL,
  ended_at      timestamptz,
  ended_reason  text CHECK (ended_reason IN ('signed_out', 'signed_out_everywhere', 'idle', 'expired', 'disabled', 're_roled')),
  CHECK ((ended_at IS NULL) = (ended_reason IS NULL))
);
CREATE INDEX operator_sessions_account ON operator_sessions (account_id) WHERE ended_at IS NULL;

-- Machine bearer tokens (a credit agency's batch system, kiosk devices): every token carries
-- a jti; a row appears when an admin issues one or when the API first sees one minted with
-- `npm run token`, so an admin can list and revoke every token in use.
CREATE TABLE machine_tokens (
  jti            text PRIMARY KEY CHECK (jti ~ '^[0-9a-f]{32}$'),
  name           text NOT NULL,
  role           text NOT NULL,
  sub            text NOT NULL,
  issued_at      timestamptz NOT NULL,
  expires_at     timestamptz NOT NULL,
  issued_by      text,
  first_seen_at  timestamptz,
  revoked_at     timestamptz,
  revoked_by     text,
  CHECK ((revoked_at IS NULL) = (revoked_by IS NULL))
);

-- Who read personal data (unmasked identifiers, face references, a subject's file) and who
-- changed anything, with the purpose they gave: MLPS level 3 and the personal-information law.
-- Append-only for the API (no UPDATE or DELETE is ever issued); auditors read it.
CREATE TABLE access_log (
  id          bigserial PRIMARY KEY,
  at          timestamptz NOT NULL,
  -- "role:opaque id" as in the ledger; null for a refused sign-in of nobody known.
  actor       text,
  account_id  text,
  action      text NOT NULL,
  subject_id  uuid,
  purpose     text,
  status      integer,
  detail      jsonb NOT NULL DEFAULT '{}',
  ip          text
);
CREATE INDEX access_log_at ON access_log (at DESC);
CREATE INDEX access_log_subject ON access_log (subject_id, at DESC) WHERE subject_id IS NOT NULL;
CREATE INDEX access_log_account ON access_log (account_id, at DESC) WHERE account_id IS NOT NULL;

-- migrate:down
DROP TABLE access_log;
DROP TABLE machine_tokens;
DROP TABLE operator_sessions;
DROP TABLE operator_challenges;
DROP TABLE operator_passkeys;
DROP TABLE operator_accounts;
