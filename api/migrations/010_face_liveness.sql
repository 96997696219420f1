-- Active liveness for the kiosk face check (issue 13): the challenge the server drew for the
-- session's current nonce, what each attempt answered and measured, and which recognition model
-- made each reference (references of the previous model cannot be compared: enrol again).

-- One challenge per nonce; a new nonce (after a recorded attempt) gets a new challenge.
ALTER TABLE kiosk_sessions
  ADD COLUMN challenge text CHECK (challenge IN ('left', 'right')),
  ADD COLUMN challenge_nonce text,
  ADD COLUMN challenge_issued_at timestamptz,
  ADD COLUMN challenge_expires_at timestamptz,
  ADD CONSTRAINT kiosk_sessions_challenge_whole CHECK (
    (challenge IS NULL) = (challenge_nonce IS NULL)
    AND (challenge IS NULL) = (challenge_issued_at IS NULL)
    AND (challenge IS NULL) = (challenge_expires_at IS NULL)
  );

-- Attempts keep the challenge and the median descriptor distance (the new model is compared by
-- distance, not similarity); scores an attempt never reached (a still refused before identity,
-- a challenge that expired) stay empty.
ALTER TABLE face_attempts
  ADD COLUMN challenge text CHECK (challenge IN ('left', 'right')),
  ADD COLUMN distance real,
  ALTER COLUMN similarity DROP NOT NULL,
  ALTER COLUMN antispoof DROP NOT NULL,
  ALTER COLUMN liveness DROP NOT NULL;

-- The model behind each reference (also in the JWE's authenticated header): references enrolled
-- before this migration used Human's faceres descriptor and must be enrolled again.
ALTER TABLE face_references ADD COLUMN model text NOT NULL DEFAULT 'human-faceres-1024';
ALTER TABLE face_references ALTER COLUMN model DROP DEFAULT;

-- migrate:down
ALTER TABLE face_references DROP COLUMN model;
UPDATE face_attempts SET similarity = 0 WHERE similarity IS NULL;
UPDATE face_attempts SET antispoof = 0 WHERE antispoof IS NULL;
UPDATE face_attempts SET liveness = 0 WHERE liveness IS NULL;
ALTER TABLE face_attempts
  DROP COLUMN challenge,
  DROP COLUMN distance,
  ALTER COLUMN similarity SET NOT NULL,
  ALTER COLUMN antispoof SET NOT NULL,
  ALTER COLUMN liveness SET NOT NULL;
ALTER TABLE kiosk_sessions
  DROP CONSTRAINT kiosk_sessions_challenge_whole,
  DROP COLUMN challenge,
  DROP COLUMN challenge_nonce,
  DROP COLUMN challenge_issued_at,
  DROP COLUMN challenge_expires_at;
