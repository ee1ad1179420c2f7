-- What the reports read instead of raw events (README "Reports"): kept by the metrics rollup
-- (`MetricsRollup`), which recomputes whole days so a rerun or a second replica changes nothing.

-- One row per actor per UTC day they did anything: visitors and active users per day, and
-- retention's cohorts (first-seen = an actor's first day here) without scanning the events.
CREATE TABLE activity_daily (
    day date NOT NULL,
    actor text NOT NULL,
    events integer NOT NULL,
    PRIMARY KEY (day, actor)
);
-- One actor's days, for the retention grid's cells.
CREATE INDEX activity_daily_actor ON activity_daily (actor, day);

-- Each actor's first day (retention's cohort), kept by the rollup as the least it has seen, so a
-- cohort is an index range on first_day rather than a scan of every earlier day. An actor that
-- `identify` merged away keeps a row whose day no longer has activity; retention skips those.
CREATE TABLE actor_first_seen (
    actor text PRIMARY KEY,
    first_day date NOT NULL
);
CREATE INDEX actor_first_seen_day ON actor_first_seen (first_day);

-- Seed 003 metrics_daily: one row per UTC day.
CREATE TABLE metrics_daily (
    day date PRIMARY KEY,
    -- Distinct signed-in users with any event that day.
    active_users integer NOT NULL,
    -- Distinct actors, signed-in or anonymous.
    visitors integer NOT NULL,
    sign_ups integer NOT NULL,
    -- {"check_oz": 3, "unknown": 1}: user.created's first_auth_source.
    sign_ups_by_source jsonb NOT NULL DEFAULT '{}',
    -- Share of the day's sign-ups activated within 7 days; NULL until those 7 days have passed or
    -- when nobody signed up.
    activation_rate numeric(5, 4),
    -- Share of the users active 7 days before who were active again in the 7 days ending this day.
    retention_rate numeric(5, 4),
    computed_at timestamptz NOT NULL
);

-- Rule-based segments of signed-in users (README "Segments"): `rules` in the rule language of
-- SegmentRule, compiled to one parameterised query at each refresh.
CREATE TABLE segments (
    id uuid PRIMARY KEY,
    name text NOT NULL UNIQUE CHECK (length(name) BETWEEN 1 AND 200),
    description text NOT NULL DEFAULT '' CHECK (length(description) <= 2000),
    rules jsonb NOT NULL,
    created_by uuid,
    created_at timestamptz NOT NULL,
    updated_at timestamptz NOT NULL,
    -- NULL until the first refresh.
    refreshed_at timestamptz,
    member_count integer NOT NULL DEFAULT 0
);

CREATE TABLE segment_members (
    segment_id uuid NOT NULL REFERENCES segments (id) ON DELETE CASCADE,
    user_id uuid NOT NULL,
    -- When the user first matched (kept across refreshes while they still match).
    added_at timestamptz NOT NULL,
    PRIMARY KEY (segment_id, user_id)
);

-- Visits (Sessionizer: 30 minutes idle or 24 hours at most), by the UTC day they started; the
-- rollup rewrites the days it recomputes.
CREATE TABLE sessions (
    actor text NOT NULL,
    started_at timestamptz NOT NULL,
    ended_at timestamptz NOT NULL,
    events integer NOT NULL,
    entry_page text,
    -- utm_source, else the referrer's host, else 'direct'.
    source text NOT NULL,
    PRIMARY KEY (actor, started_at)
);
CREATE INDEX sessions_started ON sessions (started_at);
