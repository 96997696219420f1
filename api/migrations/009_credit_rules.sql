-- Credit rules (issue 19): records handed to an officer at the maximum period, the holiday
-- arrangements as data, provisional deadlines, structured reasons, extension reason codes,
-- and persons applying for themselves (capacity 'self').

-- At the maximum publicity period a record whose duties are unmet (Order 36) or whose kind
-- follows its own rules (serious lists under 527号 and Order 58, the abnormal-operation list)
-- does not end by itself: a case for the deciding unit's officers, with the reasons.
CREATE TABLE credit_max_period_cases (
  record_id      uuid PRIMARY KEY REFERENCES credit_records (id),
  opened_at      timestamptz NOT NULL,
  deciding_unit  text NOT NULL,
  policy_version text NOT NULL,
  rule_id        text NOT NULL,
  -- ends_if_met: the scheduler closes it once the feed shows the duties met; officer: only an officer.
  at_maximum     text NOT NULL CHECK (at_maximum IN ('ends_if_met', 'officer')),
  -- Structured reasons (api/src/credit/policy/reasons.ts): rule, policy version, basis, parameters.
  reasons        jsonb NOT NULL,
  closed_at      timestamptz,
  closed_by      text,
  outcome        text CHECK (outcome IN ('ended', 'kept')),
  CHECK ((closed_at IS NULL) = (outcome IS NULL) AND (closed_at IS NULL) = (closed_by IS NULL))
);
CREATE INDEX credit_max_period_cases_open ON credit_max_period_cases (deciding_unit, opened_at) WHERE closed_at IS NULL;

-- The State Council's yearly holiday arrangement (format onecode.holiday-arrangement/1, see
-- api/src/credit/calendar/arrangement.ts). Shipped years are inserted at boot when absent; an
-- administrator imports the next year's notice. An official year is replaced only explicitly.
CREATE TABLE holiday_arrangements (
  year        integer PRIMARY KEY CHECK (year BETWEEN 2000 AND 2100),
  status      text NOT NULL CHECK (status IN ('official', 'provisional')),
  arrangement jsonb NOT NULL,
  -- SHA-256 of the canonical JSON of the arrangement (the ledger entry of an import names it).
  digest      bytea NOT NULL CHECK (octet_length(digest) = 32),
  imported_at timestamptz NOT NULL,
  imported_by text NOT NULL
);

-- Persons apply too (Order 36 art. 2: every credit subject): the application names its subject,
-- an enterprise or the person themself.
ALTER TABLE repair_applications RENAME COLUMN enterprise_id TO subject_id;
ALTER INDEX repair_applications_enterprise RENAME TO repair_applications_subject;
ALTER TABLE repair_applications DROP CONSTRAINT repair_applications_capacity_check;
ALTER TABLE repair_applications ADD CONSTRAINT repair_applications_capacity_check
  CHECK (capacity IN ('legal_representative', 'authorised_agent', 'self'));
ALTER TABLE repair_applications ADD CONSTRAINT repair_applications_self_check
  CHECK (capacity <> 'self' OR applicant_person_id = subject_id);
-- Only an agent carries an authorisation reference (was: everyone but the legal representative).
ALTER TABLE repair_applications DROP CONSTRAINT repair_applications_check;
ALTER TABLE repair_applications ADD CONSTRAINT repair_applications_authorisation_check
  CHECK (capacity <> 'authorised_agent' OR authorisation_ref IS NOT NULL);
-- A due date counted over a year without the official arrangement: recomputed on import.
ALTER TABLE repair_applications ADD COLUMN accept_due_provisional boolean NOT NULL DEFAULT false;
ALTER TABLE repair_applications ADD COLUMN decide_due_provisional boolean NOT NULL DEFAULT false;
-- The extension reason is a code of api/src/repair/extension-reasons.ts, never free text.
ALTER TABLE repair_applications RENAME COLUMN extension_reason TO extension_reason_code;

ALTER TABLE sync_outbox ADD COLUMN due_provisional boolean NOT NULL DEFAULT false;

-- Structured reasons of a decision (the policy's refusal or 秒批; an officer's decision rule).
ALTER TABLE repair_decisions ADD COLUMN reasons jsonb NOT NULL DEFAULT '[]';

-- The kiosk's face check for a person applying for themself: the session's and the
-- assertion's enterprise_id then holds the person's own subject id (the subject applied for).
ALTER TABLE kiosk_sessions DROP CONSTRAINT kiosk_sessions_capacity_check;
ALTER TABLE kiosk_sessions ADD CONSTRAINT kiosk_sessions_capacity_check
  CHECK (capacity IN ('legal_representative', 'authorised_agent', 'self'));
ALTER TABLE kiosk_sessions ADD CONSTRAINT kiosk_sessions_self_check
  CHECK (capacity IS DISTINCT FROM 'self' OR enterprise_id = person_id);
ALTER TABLE face_assertions DROP CONSTRAINT face_assertions_capacity_check;
ALTER TABLE face_assertions ADD CONSTRAINT face_assertions_capacity_check
  CHECK (capacity IN ('legal_representative', 'authorised_agent', 'self'));
ALTER TABLE face_assertions ADD CONSTRAINT face_assertions_self_check
  CHECK (capacity <> 'self' OR enterprise_id = person_id);

-- The public credit page finds enterprises by name.
CREATE INDEX subjects_enterprise_name ON subjects (lower(name) text_pattern_ops) WHERE kind = 'enterprise';

-- migrate:down
DROP INDEX subjects_enterprise_name;
ALTER TABLE face_assertions DROP CONSTRAINT face_assertions_self_check;
ALTER TABLE face_assertions DROP CONSTRAINT face_assertions_capacity_check;
ALTER TABLE face_assertions ADD CONSTRAINT face_assertions_capacity_check CHECK (capacity IN ('legal_representative', 'authorised_agent'));
ALTER TABLE kiosk_sessions DROP CONSTRAINT kiosk_sessions_self_check;
ALTER TABLE kiosk_sessions DROP CONSTRAINT kiosk_sessions_capacity_check;
ALTER TABLE kiosk_sessions ADD CONSTRAINT kiosk_sessions_capacity_check CHECK (capacity IN ('legal_representative', 'authorised_agent'));
ALTER TABLE repair_decisions DROP COLUMN reasons;
ALTER TABLE sync_outbox DROP COLUMN due_provisional;
ALTER TABLE repair_applications RENAME COLUMN extension_reason_code TO extension_reason;
ALTER TABLE repair_applications DROP COLUMN decide_due_provisional;
ALTER TABLE repair_applications DROP COLUMN accept_due_provisional;
ALTER TABLE repair_applications DROP CONSTRAINT repair_applications_authorisation_check;
ALTER TABLE repair_applications ADD CONSTRAINT repair_applications_check CHECK (capacity = 'legal_representative' OR authorisation_ref IS NOT NULL);
ALTER TABLE repair_applications DROP CONSTRAINT repair_applications_self_check;
ALTER TABLE repair_applications DROP CONSTRAINT repair_applications_capacity_check;
ALTER TABLE repair_applications ADD CONSTRAINT repair_applications_capacity_check CHECK (capacity IN ('legal_representative', 'authorised_agent'));
ALTER INDEX repair_applications_subject RENAME TO repair_applications_enterprise;
ALTER TABLE repair_applications RENAME COLUMN subject_id TO enterprise_id;
DROP TABLE holiday_arrangements;
DROP TABLE credit_max_period_cases;
