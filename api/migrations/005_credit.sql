-- Credit records, the facts that obligations were met, the policy versions that
-- govern them, repair applications and decisions, notifications (免申即享) and the
-- list of results to pass on to other platforms.

-- Rule sets as data (api/src/credit/policy/types.ts). Loaded at boot from
-- api/src/credit/policy/national.ts when absent; a stored version is never overwritten,
-- so a local authority may edit its copy (e.g. switch on a refusal rule) or add one.
CREATE TABLE credit_policies (
  version        text PRIMARY KEY,
  effective_from date NOT NULL,
  effective_to   date,
  title          text NOT NULL,
  source         text NOT NULL,
  rules          jsonb NOT NULL,
  loaded_at      timestamptz NOT NULL DEFAULT now(),
  CHECK (effective_to IS NULL OR effective_to >= effective_from)
);

-- The credit commitment (信用承诺书) text, versioned; applications store its digest.
CREATE TABLE credit_commitment_texts (
  version    text PRIMARY KEY,
  text       text NOT NULL,
  -- SHA-256 of the UTF-8 text.
  digest     bytea NOT NULL CHECK (octet_length(digest) = 32),
  created_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE credit_records (
  id                   uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  -- The bytes32 record id on chain: SHA-256("onecode:record:" || id).
  chain_id             bytea NOT NULL UNIQUE CHECK (octet_length(chain_id) = 32),
  subject_id           uuid NOT NULL REFERENCES subjects (id),
  kind                 text NOT NULL CHECK (kind IN ('admin_penalty', 'serious_list', 'abnormal_operation', 'other')),
  severity             text NOT NULL CHECK (severity IN ('minor', 'general', 'serious')),
  sector               text,
  deciding_unit        text NOT NULL,
  decision_no          text NOT NULL,
  decision_date        date NOT NULL,
  legal_basis          text NOT NULL,
  -- Further penalties of the same decision [{type, severity}]: the longest period applies.
  penalties            jsonb NOT NULL DEFAULT '[]',
  -- [{type: fine|order, amount?, description}]; facts point at them by index.
  obligations          jsonb NOT NULL DEFAULT '[]',
  correction_required  boolean NOT NULL DEFAULT false,
  repairable           boolean NOT NULL,
  not_repairable_basis text,
  -- Computed from the policy in force at the decision date.
  policy_version       text NOT NULL REFERENCES credit_policies (version),
  decision_mode        text NOT NULL CHECK (decision_mode IN ('automatic', 'officer', 'two_officers')),
  minimum_ends_on      date NOT NULL,
  last_public_day      date NOT NULL,
  -- 00:00 China time of the day after the last public day.
  public_until         timestamptz NOT NULL,
  -- Shown on the public view (minor records normally are not).
  public               boolean NOT NULL,
  status               text NOT NULL DEFAULT 'published' CHECK (status IN ('published', 'repaired', 'expired')),
  status_changed_at    timestamptz,
  -- The canonical JSON document and its SHA-256 (the digest on chain).
  document             text NOT NULL,
  digest               bytea NOT NULL CHECK (octet_length(digest) = 32),
  created_at           timestamptz NOT NULL,
  created_by           text NOT NULL,
  CHECK (repairable OR not_repairable_basis IS NOT NULL),
  -- One record per decision document, subject and kind: a feed sent twice publishes once.
  UNIQUE (deciding_unit, decision_no, subject_id, kind)
);
CREATE INDEX credit_records_subject ON credit_records (subject_id, status);
CREATE INDEX credit_records_open ON credit_records (public_until) WHERE status = 'published';

CREATE TABLE credit_facts (
  id               bigserial PRIMARY KEY,
  record_id        uuid NOT NULL REFERENCES credit_records (id),
  kind             text NOT NULL CHECK (kind IN ('fine_paid', 'order_complied', 'correction_done', 'condition_met')),
  obligation_index integer,
  condition_id     text,
  occurred_on      date NOT NULL,
  note             text,
  created_at       timestamptz NOT NULL,
  created_by       text NOT NULL,
  CHECK ((kind IN ('fine_paid', 'order_complied')) = (obligation_index IS NOT NULL)),
  CHECK ((kind = 'condition_met') = (condition_id IS NOT NULL))
);
CREATE UNIQUE INDEX credit_facts_once ON credit_facts (record_id, kind, coalesce(obligation_index, -1), coalesce(condition_id, ''));

-- 免申即享: records that just became repairable, shown at the kiosk.
CREATE TABLE credit_notifications (
  id          bigserial PRIMARY KEY,
  subject_id  uuid NOT NULL REFERENCES subjects (id),
  record_id   uuid NOT NULL REFERENCES credit_records (id),
  kind        text NOT NULL CHECK (kind IN ('repairable')),
  rule_id     text NOT NULL,
  created_at  timestamptz NOT NULL,
  seen_at     timestamptz,
  UNIQUE (record_id, kind)
);
CREATE INDEX credit_notifications_subject ON credit_notifications (subject_id, created_at);

CREATE TABLE repair_applications (
  id                  uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  chain_id            bytea NOT NULL UNIQUE CHECK (octet_length(chain_id) = 32),
  enterprise_id       uuid NOT NULL REFERENCES subjects (id),
  applicant_person_id uuid NOT NULL REFERENCES subjects (id),
  capacity            text NOT NULL CHECK (capacity IN ('legal_representative', 'authorised_agent')),
  authorisation_ref   text,
  channel             text NOT NULL CHECK (channel IN ('kiosk', 'officer_assisted')),
  commitment_version  text NOT NULL REFERENCES credit_commitment_texts (version),
  commitment_digest   bytea NOT NULL CHECK (octet_length(commitment_digest) = 32),
  commitment_signature text,
  status              text NOT NULL CHECK (status IN ('submitted', 'accepted', 'awaiting_second', 'approved', 'refused')),
  decision_mode       text NOT NULL CHECK (decision_mode IN ('automatic', 'officer', 'two_officers')),
  policy_version      text NOT NULL,
  rule_id             text NOT NULL,
  filed_at            timestamptz NOT NULL,
  filed_on            date NOT NULL,
  accept_due          date,
  accepted_at         timestamptz,
  accepted_by         text,
  decide_due          date,
  extended_at         timestamptz,
  extended_by         text,
  extension_reason    text,
  decided_at          timestamptz,
  created_by          text NOT NULL,
  CHECK (capacity = 'legal_representative' OR authorisation_ref IS NOT NULL)
);
CREATE INDEX repair_applications_open ON repair_applications (filed_at) WHERE status IN ('submitted', 'accepted', 'awaiting_second');
CREATE INDEX repair_applications_enterprise ON repair_applications (enterprise_id, filed_at);

CREATE TABLE repair_application_records (
  application_id uuid NOT NULL REFERENCES repair_applications (id),
  record_id      uuid NOT NULL REFERENCES credit_records (id),
  -- The evaluation at filing (repairable, rule id, policy version, reasons).
  evaluation     jsonb NOT NULL,
  open           boolean NOT NULL DEFAULT true,
  PRIMARY KEY (application_id, record_id)
);
-- At most one open application per record: a double submission fails here at the latest.
CREATE UNIQUE INDEX repair_application_records_one_open ON repair_application_records (record_id) WHERE open;

CREATE TABLE repair_decisions (
  id             bigserial PRIMARY KEY,
  application_id uuid NOT NULL REFERENCES repair_applications (id),
  -- proposal: first officer's approval of a two-officer application; final: the decision.
  step           text NOT NULL CHECK (step IN ('proposal', 'final')),
  outcome        text NOT NULL CHECK (outcome IN ('approved', 'refused')),
  officer        text NOT NULL,
  reason         text,
  policy_version text NOT NULL,
  rule_id        text NOT NULL,
  -- The decision document (canonical JSON) and its SHA-256 (the digest on chain).
  document       text NOT NULL,
  digest         bytea NOT NULL CHECK (octet_length(digest) = 32),
  decided_at     timestamptz NOT NULL,
  -- Each step happens once: a double decision fails here at the latest.
  UNIQUE (application_id, step)
);

-- Results to pass on to other platforms (信用中国 and the provincial platform).
CREATE TABLE sync_outbox (
  id          bigserial PRIMARY KEY,
  kind        text NOT NULL CHECK (kind IN ('repair.approved', 'record.expired')),
  record_id   uuid NOT NULL REFERENCES credit_records (id),
  payload     jsonb NOT NULL,
  created_at  timestamptz NOT NULL,
  due_on      date NOT NULL,
  synced_at   timestamptz,
  synced_by   text,
  UNIQUE (record_id, kind)
);
CREATE INDEX sync_outbox_pending ON sync_outbox (id) WHERE synced_at IS NULL;

-- migrate:down
DROP TABLE sync_outbox;
DROP TABLE repair_decisions;
DROP TABLE repair_application_records;
DROP TABLE repair_applications;
DROP TABLE credit_notifications;
DROP TABLE credit_facts;
DROP TABLE credit_records;
DROP TABLE credit_commitment_texts;
DROP TABLE credit_policies;
