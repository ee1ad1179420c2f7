-- OAuth / OIDC sign-in (issue 15): the server-side half of each authorization-code flow, and the
-- one-time results a finished flow hands to the app. Both are short-lived and single-use; the
-- retention purge deletes them a day after they expire.

-- One authorization request in flight. The `state` sent to the provider is stored only as its
-- SHA-256; the PKCE verifier is not stored at all (it is an HMAC of the state under a key derived
-- from SIGNING_KEY_ENCRYPTION_KEY, so it exists only while the state is presented back). The
-- nonce is public (it travels in the authorization URL) and is kept to compare with the ID token.
-- A row is consumed by the DELETE that reads it, so a state works once.
CREATE TABLE oauth_flows (
    id uuid PRIMARY KEY,
    state_hash text NOT NULL UNIQUE,
    provider text NOT NULL CHECK (char_length(provider) BETWEEN 1 AND 50),
    intent text NOT NULL CHECK (intent IN ('sign_in', 'link')),
    -- The signed-in user who asked to link a provider; null for sign-in flows.
    user_id uuid REFERENCES users (id) ON DELETE CASCADE,
    nonce text NOT NULL,
    redirect_uri text CHECK (char_length(redirect_uri) <= 2000),
    source text,
    -- The app's own PKCE challenge (S256, optional): the sign-in code this flow ends in is
    -- exchanged only with its verifier, so a code leaked from the redirect URL is useless.
    app_code_challenge text CHECK (char_length(app_code_challenge) = 43),
    ip_address inet,
    created_at timestamptz NOT NULL DEFAULT now(),
    expires_at timestamptz NOT NULL,
    CHECK ((intent = 'link') = (user_id IS NOT NULL))
);

CREATE INDEX oauth_flows_expiry ON oauth_flows (expires_at);

-- What a finished flow leaves for the app, each a bearer secret stored as its SHA-256:
--   sign_in_code  the browser was sent back to the app with it; `POST /v1/auth/token` with
--                 grant_type urn:tract:params:oauth:grant-type:sign-in-code signs `user_id` in.
--   link_ticket   a provider identity waiting to be linked to `user_id`, which happens only when
--                 that user, signed in, redeems it (`POST /v1/auth/oauth/links`): an identity whose
--                 verified email matches an account is never linked without proof of the account.
CREATE TABLE oauth_grants (
    id uuid PRIMARY KEY,
    kind text NOT NULL CHECK (kind IN ('sign_in_code', 'link_ticket')),
    secret_hash text NOT NULL UNIQUE,
    user_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    provider text NOT NULL CHECK (char_length(provider) BETWEEN 1 AND 50),
    provider_user_id text CHECK (char_length(provider_user_id) BETWEEN 1 AND 255),
    provider_email text,
    provider_email_verified boolean NOT NULL DEFAULT false,
    provider_name text,
    provider_avatar_url text,
    source text,
    app_code_challenge text,
    created_at timestamptz NOT NULL DEFAULT now(),
    expires_at timestamptz NOT NULL,
    used_at timestamptz,
    CHECK (kind = 'sign_in_code' OR provider_user_id IS NOT NULL)
);

CREATE INDEX oauth_grants_expiry ON oauth_grants (expires_at);
