-- Privacy (issue 16, part D; seed 003 §9 `consent_records`): what each user agreed to, when, to
-- which version, from where. Append-only: a change adds a row, so the history shows what was in
-- force at any moment (GDPR Art. 7(1): the controller must be able to demonstrate consent).
-- The current state of a kind is its newest row.
CREATE TABLE consents (
    id uuid PRIMARY KEY,
    user_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    kind text NOT NULL CHECK (kind IN ('terms', 'privacy', 'marketing')),
    -- The version of the document (terms of service, privacy notice, marketing wording) shown.
    version text NOT NULL CHECK (char_length(version) BETWEEN 1 AND 40),
    granted boolean NOT NULL,
    ip_address inet,
    created_at timestamptz NOT NULL DEFAULT now()
);

CREATE INDEX consents_user ON consents (user_id, kind, created_at DESC, id DESC);

-- Data exports (seed 004 §1.7 `data_export_requests`; GDPR Art. 15 access, Art. 20 portability).
-- A request is gathered in the background from every service's internal export route; a service
-- that is down is asked again later (`next_attempt_at`), up to DATA_EXPORT_MAX_ATTEMPTS tries.
-- `expired` is not stored: a ready export whose `expires_at` has passed is expired.
CREATE TABLE data_exports (
    id uuid PRIMARY KEY,
    user_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    status text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'ready', 'failed')),
    attempts integer NOT NULL DEFAULT 0,
    -- When the gatherer may (next) take it; a claim pushes it ahead, so a gatherer that dies
    -- mid-way leaves the request to be taken again then.
    next_attempt_at timestamptz NOT NULL,
    -- Why the last attempt failed (which service, which status), never personal data.
    last_error text CHECK (char_length(last_error) <= 500),
    size_bytes bigint,
    created_at timestamptz NOT NULL DEFAULT now(),
    completed_at timestamptz,
    expires_at timestamptz,
    CHECK ((status = 'ready') = (completed_at IS NOT NULL AND expires_at IS NOT NULL))
);

CREATE INDEX data_exports_user ON data_exports (user_id, created_at DESC, id DESC);
CREATE INDEX data_exports_due ON data_exports (next_attempt_at) WHERE status = 'pending';

-- The archive itself, sealed with AES-GCM (the export's id as associated data) under
-- DATA_EXPORT_ENCRYPTION_KEY or the key in `data_export_keys`. Apart from the request so the
-- retention purge can delete it when it expires while the request still answers 410.
CREATE TABLE data_export_archives (
    export_id uuid PRIMARY KEY REFERENCES data_exports (id) ON DELETE CASCADE,
    sealed bytea NOT NULL,
    expires_at timestamptz NOT NULL
);

CREATE INDEX data_export_archives_expiry ON data_export_archives (expires_at);

-- Made once when no DATA_EXPORT_ENCRYPTION_KEY is configured, shared by every replica.
CREATE TABLE data_export_keys (
    id smallint PRIMARY KEY CHECK (id = 1),
    secret bytea NOT NULL CHECK (length(secret) = 32),
    created_at timestamptz NOT NULL DEFAULT now()
);
