-- Token buckets for the kit's RateLimiter (seed 004 rate_limit_buckets, as auth and properties
-- keep them): anonymous event ingestion is limited per client address.
CREATE TABLE rate_limit_buckets (
    action text NOT NULL,
    identifier text NOT NULL,
    tokens double precision NOT NULL,
    allowed boolean NOT NULL,
    updated_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (action, identifier)
);

CREATE INDEX rate_limit_buckets_stale ON rate_limit_buckets (updated_at);
