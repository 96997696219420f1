-- Codes: a change counter for the signed status list. Every statement that adds
-- codes or changes a code's status bumps it in the same transaction, so an API
-- instance knows (with one primary-key read) whether its cached status list is
-- still current, whoever made the change (enrolment, lifecycle routes, imports).
-- Writers of codes already serialize on ledger_head, so this row adds no contention.

CREATE TABLE code_status_version (
  singleton boolean PRIMARY KEY DEFAULT true CHECK (singleton),
  version   bigint NOT NULL
);
INSERT INTO code_status_version (version) VALUES (0);

CREATE FUNCTION code_status_bump() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  UPDATE code_status_version SET version = version + 1;
  RETURN NULL;
END;
$$;
CREATE TRIGGER codes_status_changed AFTER INSERT OR DELETE OR UPDATE OF status ON codes
  FOR EACH STATEMENT EXECUTE FUNCTION code_status_bump();

-- migrate:down
DROP TRIGGER codes_status_changed ON codes;
DROP FUNCTION code_status_bump();
DROP TABLE code_status_version;
