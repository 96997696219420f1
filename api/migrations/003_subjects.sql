-- Bulk import jobs (`npm run import -- FILE`): one row per file content, so a re-run
-- of the same file resumes after the last committed line.
CREATE TABLE import_jobs (
  file_hash   bytea PRIMARY KEY CHECK (octet_length(file_hash) = 32),
  file_name   text NOT NULL,
  last_line   integer NOT NULL DEFAULT 0,
  accepted    integer NOT NULL DEFAULT 0,
  rejected    integer NOT NULL DEFAULT 0,
  started_at  timestamptz NOT NULL DEFAULT now(),
  updated_at  timestamptz NOT NULL DEFAULT now(),
  finished_at timestamptz
);

-- migrate:down
DROP TABLE import_jobs;
