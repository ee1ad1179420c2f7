-- A new signing key is published before it signs (issue 11, item 7): `activates_at` is when it
-- may start signing, one verifier cache lifetime after it first appears in the JWKS, so no
-- verifier ever meets a token whose key its cached key set lacks. Existing keys were active
-- from their creation.
ALTER TABLE signing_keys ADD COLUMN activates_at timestamptz;
UPDATE signing_keys SET activates_at = created_at;
ALTER TABLE signing_keys ALTER COLUMN activates_at SET NOT NULL, ALTER COLUMN activates_at SET DEFAULT now();
