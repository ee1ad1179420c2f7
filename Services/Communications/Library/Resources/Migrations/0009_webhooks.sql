-- Issue 17: outgoing webhooks (seed 004 §1.6), signed per Standard Webhooks v1.
--
-- An endpoint belongs to the user who registered it (a sponsor, or staff for platform-wide
-- events); organization_id stays null until organisations exist (issue 16). Its signing secrets
-- are sealed with AES-GCM (the endpoint id as associated data): they must be recoverable to sign,
-- so they cannot be hashed as the seed's secret_hash had it. During a rotation the previous
-- secret keeps signing beside the new one until previous_secret_expires_at.
CREATE TABLE webhook_endpoints (
    id uuid PRIMARY KEY,
    owner_id uuid NOT NULL,
    organization_id uuid,
    -- 'sponsor': the events of the owner's own properties; 'platform' (staff): every event.
    scope varchar(10) NOT NULL CHECK (scope IN ('sponsor', 'platform')),
    url text NOT NULL CHECK (char_length(url) <= 2048),
    description varchar(500),
    event_types text[] NOT NULL CHECK (cardinality(event_types) BETWEEN 1 AND 32),
    enabled boolean NOT NULL,
    -- Why it stopped: the owner, the receiver answered 410 Gone, or five days of failures.
    disabled_reason varchar(10) CHECK (disabled_reason IN ('owner', 'gone', 'failing')),
    disabled_at timestamptz,
    secret_sealed bytea NOT NULL,
    previous_secret_sealed bytea,
    previous_secret_expires_at timestamptz,
    -- The first failure since the last success: five days of it disables the endpoint.
    failing_since timestamptz,
    created_at timestamptz NOT NULL,
    updated_at timestamptz NOT NULL,
    CHECK (enabled = (disabled_reason IS NULL))
);

CREATE INDEX webhook_endpoints_owner ON webhook_endpoints (owner_id, created_at DESC, id DESC);
CREATE INDEX webhook_endpoints_platform ON webhook_endpoints (scope) WHERE scope = 'platform' AND enabled;

-- The key endpoint secrets are sealed with when WEBHOOK_SECRET_KEY is unset, made once, shared
-- by every replica (as unsubscribe_keys).
CREATE TABLE webhook_secret_keys (
    id smallint PRIMARY KEY CHECK (id = 1),
    secret bytea NOT NULL,
    created_at timestamptz NOT NULL
);

-- Events received for webhooks, kept until fanned out to the endpoints that want them: the inbox
-- handler only writes here (no call in its transaction); the worker finds the sponsor (asking
-- properties when the event does not name one) and creates the deliveries.
CREATE TABLE webhook_events (
    id uuid PRIMARY KEY,
    event_type varchar(100) NOT NULL,
    property_id uuid,
    sponsor_id uuid,
    payload text NOT NULL,
    occurred_at timestamptz NOT NULL,
    received_at timestamptz NOT NULL,
    fanned_out_at timestamptz,
    fan_out_attempts integer NOT NULL DEFAULT 0,
    next_fan_out_at timestamptz NOT NULL
);

CREATE INDEX webhook_events_due ON webhook_events (next_fan_out_at) WHERE fanned_out_at IS NULL;

-- One message to one endpoint. message_id is the `webhook-id` header, the same on every attempt
-- and replay so receivers can drop duplicates; payload is the exact body signed.
CREATE TABLE webhook_deliveries (
    id uuid PRIMARY KEY,
    endpoint_id uuid NOT NULL REFERENCES webhook_endpoints (id) ON DELETE CASCADE,
    message_id varchar(64) NOT NULL UNIQUE,
    event_id uuid,
    event_type varchar(100) NOT NULL,
    payload text NOT NULL,
    status varchar(10) NOT NULL CHECK (status IN ('pending', 'delivered', 'failed')),
    -- Attempts in the current run (a replay starts a new run at the schedule's beginning).
    attempt_count integer NOT NULL DEFAULT 0,
    next_attempt_at timestamptz,
    last_attempt_at timestamptz,
    delivered_at timestamptz,
    created_at timestamptz NOT NULL,
    UNIQUE (endpoint_id, event_id)
);

CREATE INDEX webhook_deliveries_due ON webhook_deliveries (next_attempt_at) WHERE status = 'pending';
CREATE INDEX webhook_deliveries_endpoint ON webhook_deliveries (endpoint_id, created_at DESC, id DESC);

-- Every attempt, whatever came of it: the response's first KiB at most, never more.
CREATE TABLE webhook_attempts (
    id uuid PRIMARY KEY,
    delivery_id uuid NOT NULL REFERENCES webhook_deliveries (id) ON DELETE CASCADE,
    attempt integer NOT NULL,
    attempted_at timestamptz NOT NULL,
    status_code integer,
    duration_ms integer NOT NULL,
    response_excerpt text CHECK (octet_length(response_excerpt) <= 1024),
    error varchar(500),
    next_attempt_at timestamptz
);

CREATE INDEX webhook_attempts_delivery ON webhook_attempts (delivery_id, attempted_at DESC, id DESC);
