-- Identity for the whole suite (seed 001 §2.1, seed 004 §1–2, seed 000 users). Times are
-- timestamptz; ids are UUIDv7 made by the service.

CREATE TABLE users (
    id uuid PRIMARY KEY,
    email text NOT NULL,
    email_verified_at timestamptz,
    phone text,
    phone_verified_at timestamptz,
    -- NULL for passwordless accounts (created through a magic link).
    password_hash text,
    password_changed_at timestamptz,
    mfa_enabled boolean NOT NULL DEFAULT false,
    mfa_type text CHECK (mfa_type IN ('sms', 'authenticator', 'email')),
    status text NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'suspended', 'deleted')),
    -- Seed 000 `current_role` (renamed: CURRENT_ROLE is reserved in SQL; the API still says
    -- current_role): what the user mainly is; investor + developer actions make it `both`.
    account_role text NOT NULL DEFAULT 'investor'
        CHECK (account_role IN ('investor', 'developer', 'both', 'admin', 'sponsor')),
    first_auth_source text,
    first_name text,
    last_name text,
    avatar_url text,
    timezone text NOT NULL DEFAULT 'UTC',
    privacy_settings jsonb NOT NULL DEFAULT '{}',
    -- Lockout state, changed only by single atomic UPDATEs (see Lockout.swift).
    failed_login_count integer NOT NULL DEFAULT 0,
    locked_until timestamptz,
    last_login_at timestamptz,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    deleted_at timestamptz
);

CREATE UNIQUE INDEX users_email ON users (email) WHERE deleted_at IS NULL;
CREATE INDEX users_status ON users (status);

-- A signed-in device (seed 004 user_sessions). Revoking it ends every refresh token of its family.
CREATE TABLE sessions (
    id uuid PRIMARY KEY,
    user_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    auth_method text NOT NULL,
    device_type text,
    browser text,
    os text,
    user_agent text,
    ip_address inet,
    created_at timestamptz NOT NULL DEFAULT now(),
    last_active_at timestamptz NOT NULL DEFAULT now(),
    expires_at timestamptz NOT NULL,
    revoked_at timestamptz,
    revoked_reason text
);

CREATE INDEX sessions_active ON sessions (user_id, expires_at) WHERE revoked_at IS NULL;

-- Refresh tokens, one row per rotation; only hashes are stored. A token presented after it was
-- rotated (outside the grace window) reveals theft and revokes its session.
CREATE TABLE refresh_tokens (
    id uuid PRIMARY KEY,
    session_id uuid NOT NULL REFERENCES sessions (id) ON DELETE CASCADE,
    token_hash text NOT NULL UNIQUE,
    parent_id uuid REFERENCES refresh_tokens (id) ON DELETE SET NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    rotated_at timestamptz
);

CREATE INDEX refresh_tokens_session ON refresh_tokens (session_id);

-- Seed 004 login_history: every sign-in, failure, refresh, reuse detection, lockout, password
-- change, with its reason.
CREATE TABLE login_history (
    id uuid PRIMARY KEY,
    user_id uuid REFERENCES users (id) ON DELETE CASCADE,
    email text,
    event_type text NOT NULL,
    auth_method text,
    ip_address inet,
    device_info jsonb,
    success boolean NOT NULL,
    failure_reason text,
    created_at timestamptz NOT NULL DEFAULT now()
);

CREATE INDEX login_history_user ON login_history (user_id, created_at DESC, id DESC);

-- Seed 004 rate_limit_buckets: token buckets shared by every replica, updated by one atomic upsert.
CREATE TABLE rate_limit_buckets (
    action text NOT NULL,
    identifier text NOT NULL,
    tokens double precision NOT NULL,
    allowed boolean NOT NULL,
    updated_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (action, identifier)
);

CREATE INDEX rate_limit_buckets_stale ON rate_limit_buckets (updated_at);

-- Access-token signing keys. The private key is sealed with AES-GCM under a key from the
-- environment; the public JWK is served until every token it signed has expired.
CREATE TABLE signing_keys (
    kid text PRIMARY KEY,
    algorithm text NOT NULL,
    public_jwk jsonb NOT NULL,
    private_key_sealed bytea NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    retired_at timestamptz,
    published_until timestamptz
);

-- Clients of the client-credentials grant (the other services). Secrets are SHA-256 hashed.
CREATE TABLE service_clients (
    client_id text PRIMARY KEY,
    secret_hash text NOT NULL,
    scopes text[] NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now()
);

-- Single-use tokens mailed to users: email verification and password reset (seed 001
-- password_resets, generalised).
CREATE TABLE email_tokens (
    id uuid PRIMARY KEY,
    user_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    purpose text NOT NULL CHECK (purpose IN ('verify_email', 'password_reset')),
    token_hash text NOT NULL UNIQUE,
    expires_at timestamptz NOT NULL,
    used_at timestamptz,
    created_at timestamptz NOT NULL DEFAULT now()
);

-- Seed 004 magic_links, with the six-digit code and its attempt counter.
CREATE TABLE magic_links (
    id uuid PRIMARY KEY,
    email text NOT NULL,
    token_hash text NOT NULL UNIQUE,
    code_hash text NOT NULL,
    code_attempts integer NOT NULL DEFAULT 0,
    source text,
    redirect_url text,
    ip_address inet,
    expires_at timestamptz NOT NULL,
    used_at timestamptz,
    created_at timestamptz NOT NULL DEFAULT now()
);

CREATE INDEX magic_links_email ON magic_links (email, created_at DESC) WHERE used_at IS NULL;

-- Consecutive failed sign-ins per email, whether or not an account exists (see Lockout.swift).
CREATE TABLE sign_in_attempts (
    email text PRIMARY KEY,
    failures integer NOT NULL,
    locked_until timestamptz,
    admitted boolean NOT NULL,
    updated_at timestamptz NOT NULL DEFAULT now()
);
