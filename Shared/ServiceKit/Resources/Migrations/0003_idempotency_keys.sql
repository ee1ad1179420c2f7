-- Responses to POSTs that carried an Idempotency-Key (ARCHITECTURE.md, "Idempotency-Key"): the key
-- is claimed in the same transaction as the request's effect, so a retry either finds the stored
-- response or, if the first attempt rolled back, runs again — never both.
CREATE TABLE idempotency_keys (
    -- Who sent it (a user or client id): one caller's key never answers another's request.
    owner text NOT NULL,
    key text NOT NULL,
    -- SHA-256 of method, path and body: the same key with a different request is refused.
    request_hash text NOT NULL,
    status integer,
    response text,
    created_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (owner, key)
);

CREATE INDEX idempotency_keys_created ON idempotency_keys (created_at);
