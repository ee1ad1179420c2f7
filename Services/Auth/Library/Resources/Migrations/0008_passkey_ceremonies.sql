-- Passkey ceremonies (issue 15, part A). A challenge is 32 random bytes the browser signs over;
-- only its SHA-256 is kept (the challenge travels in clientDataJSON, so the hash finds the row),
-- with the ceremony it was issued for and, except for discoverable sign-in, the user it is bound
-- to. Spending it is one UPDATE ... WHERE used_at IS NULL AND expires_at > now(), so it works once.
CREATE TABLE passkey_challenges (
    id uuid PRIMARY KEY,
    challenge_hash bytea NOT NULL UNIQUE CHECK (octet_length(challenge_hash) = 32),
    ceremony text NOT NULL CHECK (ceremony IN ('registration', 'sign_in', 'second_factor', 'step_up')),
    user_id uuid REFERENCES users (id) ON DELETE CASCADE,
    created_at timestamptz NOT NULL DEFAULT now(),
    expires_at timestamptz NOT NULL,
    used_at timestamptz,
    -- Only a discoverable sign-in starts without knowing who signs in.
    CHECK (ceremony = 'sign_in' OR user_id IS NOT NULL)
);

CREATE INDEX passkey_challenges_expiry ON passkey_challenges (expires_at);

-- The WebAuthn user handle (user.id in the creation options, userHandle in assertions): 32 random
-- bytes made at the first registration, never the email or the account id, so an authenticator
-- that lists its credentials reveals nothing about the account.
ALTER TABLE users ADD COLUMN webauthn_user_handle bytea UNIQUE CHECK (octet_length(webauthn_user_handle) = 32);
