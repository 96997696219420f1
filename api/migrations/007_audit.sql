-- Audit: the reports auditors publish (`npm run audit -- --publish`, POST /v1/audit/reports).
-- In a table, not a file under DATA_DIR, so every API instance serves the same latest
-- report. A report is a claim by an auditor, not evidence: the console re-runs the audit
-- against the chain itself; the table only keeps what was published, and by whom.

CREATE TABLE audit_reports (
  id            bigserial PRIMARY KEY,
  published_at  timestamptz NOT NULL,
  -- The auditor's operator subject (token `sub`).
  published_by  text NOT NULL,
  ok            boolean NOT NULL,
  entries       bigint NOT NULL CHECK (entries >= 0),
  findings      integer NOT NULL CHECK (findings >= 0),
  -- The report as published (JSON text, kept byte for byte).
  report        text NOT NULL
);
-- The latest report is the one with the highest id (the last one stored, whatever the
-- instances' clocks say about published_at).

-- migrate:down
DROP TABLE audit_reports;
