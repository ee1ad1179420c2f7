-- The transactional outbox and inbox every service keeps in its own schema (ARCHITECTURE.md,
-- "Events"). Owned by the service kit; applied before the service's own migrations with
-- search_path set to the service's schema.

-- One row per (event, subscriber): each delivery is retried on its own schedule until the
-- subscriber acknowledges it, so one slow peer does not hold back the others.
CREATE TABLE outbox (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    event_id uuid NOT NULL,
    event_type text NOT NULL,
    subscriber text NOT NULL,
    envelope jsonb NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    attempts integer NOT NULL DEFAULT 0,
    -- Also the lease: a dispatcher that claims a row pushes this forward, so a replica that dies
    -- mid-delivery leaves the row to be picked up again when the lease runs out.
    next_attempt_at timestamptz NOT NULL DEFAULT now(),
    delivered_at timestamptz,
    last_error text,
    UNIQUE (event_id, subscriber)
);

CREATE INDEX outbox_due ON outbox (next_attempt_at, id) WHERE delivered_at IS NULL;

-- Events this service has applied. The id is inserted in the same transaction as the event's
-- effect, so a redelivery finds it and changes nothing.
CREATE TABLE inbox (
    event_id uuid PRIMARY KEY,
    event_type text NOT NULL,
    source text NOT NULL,
    received_at timestamptz NOT NULL DEFAULT now()
);
