-- Personal API tokens (issue 16, seed 004 §1.5; GitHub fine-grained tokens as the model):
-- `tract_<lookup_prefix>_<secret>`, shown once. The 8-character lookup prefix is kept in clear so
-- the row is found by an index and the user can tell tokens apart; only the SHA-256 of the whole
-- token is stored (256 random bits: nothing to guess, so a slow hash would add cost, not safety).
-- `organization_id` is for organisation-owned tokens once organisations exist (issue 16 part A); it
-- has no foreign key yet because that table is not this migration's.
CREATE TABLE api_tokens (
    id uuid PRIMARY KEY,
    user_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    organization_id uuid,
    name text NOT NULL CHECK (name <> ''),
    lookup_prefix text NOT NULL UNIQUE CHECK (lookup_prefix ~ '^[a-z0-9]{8}$'),
    token_hash text NOT NULL UNIQUE,
    scopes text[] NOT NULL CHECK (cardinality(scopes) > 0),
    expires_at timestamptz NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    last_used_at timestamptz,
    last_used_ip inet,
    revoked_at timestamptz,
    -- A year at most (API_TOKEN_MAX_TTL_DAYS may only shorten it): a forgotten token dies.
    CHECK (expires_at <= created_at + interval '366 days')
);

-- The owner's list, newest first; and the count of live tokens the per-user limit reads.
CREATE INDEX api_tokens_user ON api_tokens (user_id, created_at DESC, id DESC);
