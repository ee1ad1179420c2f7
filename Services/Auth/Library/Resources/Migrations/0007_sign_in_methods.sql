-- Sign-in methods beyond the password (issue 15): passkeys (seed 004 §2.1) and identities at
-- OAuth/OIDC providers (seed 004 §2.3). Ceremony state (challenges, flows, MFA) lives in the
-- migrations after this one; these two tables are what SignInMethods counts.

-- A WebAuthn credential. `public_key` is the COSE_Key exactly as the authenticator sent it;
-- `sign_count` is the seed's `counter` (bigint: the counter is an unsigned 32-bit value).
CREATE TABLE passkeys (
    id uuid PRIMARY KEY,
    user_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    credential_id bytea NOT NULL UNIQUE CHECK (octet_length(credential_id) BETWEEN 1 AND 1023),
    public_key bytea NOT NULL,
    -- COSE algorithm: -7 ES256, -8 EdDSA, -257 RS256.
    algorithm integer NOT NULL CHECK (algorithm IN (-7, -8, -257)),
    sign_count bigint NOT NULL DEFAULT 0 CHECK (sign_count BETWEEN 0 AND 4294967295),
    device_name text NOT NULL CHECK (char_length(device_name) BETWEEN 1 AND 100),
    transports jsonb NOT NULL DEFAULT '[]',
    aaguid uuid,
    attestation_format text NOT NULL,
    backup_eligible boolean NOT NULL,
    backed_up boolean NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    last_used_at timestamptz
);

CREATE INDEX passkeys_user ON passkeys (user_id, created_at, id);

-- An identity at an external provider linked to an account. Provider tokens, when kept, are
-- AES-GCM sealed boxes (key from the environment), never plain text.
CREATE TABLE oauth_accounts (
    id uuid PRIMARY KEY,
    user_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    provider text NOT NULL CHECK (char_length(provider) BETWEEN 1 AND 50),
    provider_user_id text NOT NULL CHECK (char_length(provider_user_id) BETWEEN 1 AND 255),
    provider_email text,
    provider_email_verified boolean NOT NULL DEFAULT false,
    provider_name text,
    provider_avatar_url text,
    access_token_encrypted bytea,
    refresh_token_encrypted bytea,
    token_expires_at timestamptz,
    scopes jsonb NOT NULL DEFAULT '[]',
    last_used_at timestamptz,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    UNIQUE (provider, provider_user_id)
);

CREATE INDEX oauth_accounts_user ON oauth_accounts (user_id, created_at, id);
