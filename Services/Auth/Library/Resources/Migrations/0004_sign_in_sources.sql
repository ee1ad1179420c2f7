-- Lockout that one source cannot drive to "locked until reset" (issue 11, item 12; see
-- LockoutPolicy.swift). Consecutive failed sign-ins per (email, source IP) carry the progressive
-- delay; `sign_in_attempts.failures` now holds only the failures that count toward the hard lock
-- (at most LOCKOUT_FAILURES_COUNTED_PER_SOURCE from each source), and its `locked_until` and
-- `admitted` are no longer used.
CREATE TABLE sign_in_sources (
    email text NOT NULL,
    source text NOT NULL,
    failures integer NOT NULL,
    locked_until timestamptz,
    admitted boolean NOT NULL,
    updated_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (email, source)
);

CREATE INDEX sign_in_sources_stale ON sign_in_sources (updated_at);
