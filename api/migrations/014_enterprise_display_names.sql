-- Enterprise names are public (the national enterprise credit publicity system shows them),
-- and an official must be able to tell which company a code belongs to: an enterprise's
-- display name is its registered name in full from now on; only natural persons' names stay
-- masked (张*三). Enterprises enrolled before kept a masked display name (佛山市**有限公司)
-- beside the full registered name in `name`, so their display name is re-derived from it.
UPDATE subjects SET display_name = name WHERE kind = 'enterprise' AND display_name <> name;
COMMENT ON COLUMN subjects.display_name IS
  'Shown on codes, to officials, at the kiosk and on receipts: a person''s name masked (张*三), an enterprise''s registered name in full (public)';

-- migrate:down
-- The masked enterprise names are not restored: they were only a presentation of `name`,
-- and the code before this migration shows display_name as any text. Masking public names
-- again would hide nothing.
COMMENT ON COLUMN subjects.display_name IS NULL;
