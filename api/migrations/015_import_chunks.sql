-- Bulk import through the API (issue 15): an import job is a file, named by its SHA-256, sent
-- in chunks of lines. Each committed chunk keeps what happened to each of its lines (enrolled
-- with the subject's id and code, or refused with a code and a reason) and a digest of each
-- line, so a chunk sent again answers the same results instead of enrolling twice, and a
-- different line under the same file and number is refused rather than silently ignored.
ALTER TABLE import_jobs
  ADD COLUMN format      text CHECK (format IN ('csv', 'ndjson')),
  ADD COLUMN header      jsonb,
  ADD COLUMN total_lines integer CHECK (total_lines >= 0),
  ADD COLUMN created_by  text;

CREATE TABLE import_chunks (
  file_hash  bytea NOT NULL REFERENCES import_jobs (file_hash) ON DELETE CASCADE,
  first_line integer NOT NULL CHECK (first_line >= 1),
  last_line  integer NOT NULL CHECK (last_line >= first_line),
  -- [{line, digest, status: enrolled|refused|blank, kind?, subjectId?, codeId?, code?, reason?}], in line order
  results    jsonb NOT NULL,
  at         timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (file_hash, first_line)
);
COMMENT ON TABLE import_chunks IS 'Per-line outcome of each committed chunk of a bulk import; never personal data beyond ids and refusal codes';

-- migrate:down
DROP TABLE import_chunks;
ALTER TABLE import_jobs DROP COLUMN format, DROP COLUMN header, DROP COLUMN total_lines, DROP COLUMN created_by;
