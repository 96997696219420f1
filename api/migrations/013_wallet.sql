-- The holder's wallet (api/src/wallet): one-time binding offers (after a face check at a kiosk,
-- or at a registrar's window), the phones bound to a subject (a passkey for signing in and a
-- device key for presenting codes), passkey sign-in challenges and holder sessions.
-- Tokens are stored only as their SHA-256. An enterprise's phone belongs to the person who acts
-- for it (holder_id): its legal representative or an authorised agent.

CREATE TABLE wallet_binding_offers (
  token_hash       bytea PRIMARY KEY CHECK (octet_length(token_hash) = 32),
  -- The subject whose code the phone will show, and the person who holds the phone.
  subject_id       uuid NOT NULL REFERENCES subjects (id),
  holder_id        uuid NOT NULL REFERENCES subjects (id),
  capacity         text NOT NULL CHECK (capacity IN ('self', 'legal_representative', 'authorised_agent')),
  -- Where the holder was identified: a kiosk session with a passed face check, or a registrar.
  kiosk_session_id uuid REFERENCES kiosk_sessions (id),
  issued_by        text NOT NULL,
  issued_at        timestamptz NOT NULL,
  expires_at       timestamptz NOT NULL,
  -- Set when the phone asks for the passkey options: the WebAuthn challenge and the device id to be.
  challenge        text,
  device_id        uuid,
  used_at          timestamptz,
  CHECK (expires_at > issued_at),
  CHECK ((capacity = 'self') = (subject_id = holder_id))
);
CREATE INDEX wallet_binding_offers_session ON wallet_binding_offers (kiosk_session_id);

CREATE TABLE wallet_devices (
  id             uuid PRIMARY KEY,
  subject_id     uuid NOT NULL REFERENCES subjects (id),
  holder_id      uuid NOT NULL REFERENCES subjects (id),
  capacity       text NOT NULL CHECK (capacity IN ('self', 'legal_representative', 'authorised_agent')),
  -- A name the holder chose ("我的手机"), shown in the list of bound devices.
  name           text NOT NULL CHECK (length(name) BETWEEN 1 AND 40),
  -- The passkey: credential id (base64url), COSE public key, signature counter, transports.
  credential_id  text NOT NULL UNIQUE,
  credential_key bytea NOT NULL,
  sign_count     bigint NOT NULL DEFAULT 0,
  transports     text[] NOT NULL DEFAULT '{}',
  -- The device key (P-256 public jwk) that codes carry in cnf, and its RFC 7638 thumbprint.
  device_jwk     jsonb NOT NULL,
  device_jkt     text NOT NULL UNIQUE,
  bound_at       timestamptz NOT NULL,
  bound_via      text NOT NULL,
  last_seen_at   timestamptz,
  -- The latest expiry of a bound code issued to this device: a removal while one may still be
  -- valid rotates the subject's code, so that offline verifiers learn it from the status list.
  last_code_expires timestamptz,
  removed_at     timestamptz,
  removed_by     text,
  removed_reason text,
  CHECK ((capacity = 'self') = (subject_id = holder_id))
);
CREATE INDEX wallet_devices_subject ON wallet_devices (subject_id) WHERE removed_at IS NULL;
CREATE INDEX wallet_devices_holder ON wallet_devices (holder_id) WHERE removed_at IS NULL;

CREATE TABLE wallet_challenges (
  id         uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  challenge  text NOT NULL,
  created_at timestamptz NOT NULL,
  expires_at timestamptz NOT NULL,
  used_at    timestamptz
);
CREATE INDEX wallet_challenges_created ON wallet_challenges (created_at);

CREATE TABLE wallet_sessions (
  token_hash bytea PRIMARY KEY CHECK (octet_length(token_hash) = 32),
  device_id  uuid NOT NULL REFERENCES wallet_devices (id),
  created_at timestamptz NOT NULL,
  expires_at timestamptz NOT NULL,
  ended_at   timestamptz
);
CREATE INDEX wallet_sessions_device ON wallet_sessions (device_id);

-- migrate:down
DROP TABLE wallet_sessions;
DROP TABLE wallet_challenges;
DROP TABLE wallet_devices;
DROP TABLE wallet_binding_offers;
