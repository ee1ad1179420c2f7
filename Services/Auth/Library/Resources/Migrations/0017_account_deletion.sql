-- Account deletion (issue 16, privacy; seed 004 §1.7; GDPR Art. 17). A request is due
-- ACCOUNT_DELETION_DELAY_DAYS after it is made and can be cancelled until then. When due, auth asks
-- each other service to erase the user (POST /internal/v1/users/{id}/erasure) and records each
-- acknowledgement; services that did not answer are asked again after a retry interval. When all
-- four have acknowledged, auth deletes its own rows; the request stays as a record that a deletion
-- was carried out, without the user's id (SET NULL) or the anonymous id.
CREATE TABLE deletion_requests (
    id uuid PRIMARY KEY,
    user_id uuid REFERENCES users (id) ON DELETE SET NULL,
    -- The stand-in id the services' kept records (money, signatures) get: random, so it cannot be
    -- derived from the user's id; cleared once the deletion is complete.
    anonymous_id uuid,
    status text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'cancelled', 'completed')),
    due_at timestamptz NOT NULL,
    -- When the sweep may (next) take it; a claim pushes it ahead by the retry interval.
    next_attempt_at timestamptz NOT NULL,
    attempts integer NOT NULL DEFAULT 0,
    -- Which services did not answer, never personal data.
    last_error text CHECK (char_length(last_error) <= 500),
    created_at timestamptz NOT NULL DEFAULT now(),
    cancelled_at timestamptz,
    completed_at timestamptz,
    CHECK (status <> 'pending' OR (user_id IS NOT NULL AND anonymous_id IS NOT NULL)),
    CHECK ((status = 'cancelled') = (cancelled_at IS NOT NULL)),
    CHECK ((status = 'completed') = (completed_at IS NOT NULL))
);

-- One pending request per user.
CREATE UNIQUE INDEX deletion_requests_pending ON deletion_requests (user_id) WHERE status = 'pending';
CREATE INDEX deletion_requests_user ON deletion_requests (user_id, created_at DESC, id DESC);
CREATE INDEX deletion_requests_due ON deletion_requests (next_attempt_at) WHERE status = 'pending';

-- Each service's acknowledgement that it erased the user.
CREATE TABLE deletion_acknowledgements (
    request_id uuid NOT NULL REFERENCES deletion_requests (id) ON DELETE CASCADE,
    service text NOT NULL CHECK (service IN ('properties', 'investments', 'communications', 'analytics')),
    acknowledged_at timestamptz NOT NULL,
    PRIMARY KEY (request_id, service)
);
