-- MFA (issue 15, part C): TOTP enrolment, recovery codes, MFA tickets for two-step sign-in, and
-- what a session proved so refreshed tokens keep their `amr` and `mfa_at`.
-- `users.mfa_enabled` with `mfa_type = 'authenticator'` (seed 001) says TOTP is confirmed.

-- How the session was proven (RFC 8176 values) and when it last proved a second factor. A refresh
-- copies them into the new access token; only a new proof (MFA verify, step-up) changes them.
ALTER TABLE sessions
    ADD COLUMN amr text[] NOT NULL DEFAULT '{}',
    ADD COLUMN mfa_at timestamptz;

-- One authenticator per user. The RFC 6238 secret is an AES-GCM sealed box (key derived by HKDF
-- from SIGNING_KEY_ENCRYPTION_KEY, the user id as associated data), never plain text.
-- `last_step` is the time step of the last accepted code: a code is accepted only for a later
-- step, so a code seen once (shoulder, phishing relay) cannot be replayed.
CREATE TABLE totp_credentials (
    user_id uuid PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
    secret_sealed bytea NOT NULL,
    confirmed_at timestamptz,
    last_step bigint,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now()
);

-- Ten single-use codes per user, stored as keyed hashes (HMAC-SHA-256, key derived from
-- SIGNING_KEY_ENCRYPTION_KEY): a copy of the table alone cannot test guesses.
CREATE TABLE recovery_codes (
    id uuid PRIMARY KEY,
    user_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    code_hash text NOT NULL UNIQUE,
    used_at timestamptz,
    created_at timestamptz NOT NULL DEFAULT now()
);

CREATE INDEX recovery_codes_user ON recovery_codes (user_id);

-- The second step of a sign-in: the first proof succeeded, the session waits for a second factor.
-- Single use, at most five minutes, a few attempts; only the hash of the bearer ticket is stored.
CREATE TABLE mfa_tickets (
    id uuid PRIMARY KEY,
    ticket_hash text NOT NULL UNIQUE,
    user_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    -- The first proof: the session's `auth_method` and `amr` once the second factor is shown.
    method text NOT NULL,
    amr text[] NOT NULL,
    source text,
    attempts integer NOT NULL DEFAULT 0,
    expires_at timestamptz NOT NULL,
    used_at timestamptz,
    created_at timestamptz NOT NULL DEFAULT now()
);

CREATE INDEX mfa_tickets_expiry ON mfa_tickets (expires_at);
