-- Issue 14, preferences (seed 004 §1.3). A row per user and category (event_type '*') or per user and
-- event type; the event type's row wins over its category's, and no row means on, instant. Rows of
-- the categories that cannot be turned off (security, legal, money) are kept but never obeyed for
-- "off" (the routes refuse them too).
CREATE TABLE notification_preferences (
    id uuid PRIMARY KEY,
    user_id uuid NOT NULL,
    category varchar(30) NOT NULL,
    event_type varchar(100) NOT NULL,
    email_enabled boolean NOT NULL DEFAULT true,
    in_app_enabled boolean NOT NULL DEFAULT true,
    frequency varchar(10) NOT NULL DEFAULT 'instant' CHECK (frequency IN ('instant', 'daily', 'weekly')),
    created_at timestamptz NOT NULL,
    updated_at timestamptz NOT NULL,
    UNIQUE (user_id, category, event_type)
);

-- Seed 004's quiet hours, one row per user, and when the user's digests go out; both read in
-- `timezone` (IANA). A window starts on each of days_of_week (0 = Sunday) at start_time and ends at
-- end_time, the next day when end_time <= start_time (22:00–07:00).
CREATE TABLE notification_quiet_hours (
    user_id uuid PRIMARY KEY,
    enabled boolean NOT NULL DEFAULT false,
    start_time time NOT NULL DEFAULT '22:00',
    end_time time NOT NULL DEFAULT '08:00',
    timezone varchar(100) NOT NULL DEFAULT 'UTC',
    days_of_week integer[] NOT NULL DEFAULT ARRAY[0, 1, 2, 3, 4, 5, 6],
    digest_hour smallint NOT NULL DEFAULT 8 CHECK (digest_hour BETWEEN 0 AND 23),
    digest_weekday smallint NOT NULL DEFAULT 1 CHECK (digest_weekday BETWEEN 0 AND 6),
    updated_at timestamptz NOT NULL
);

-- RFC 8058 one-click unsubscribes, as a record of who left what and when (the effect is the
-- category's email turned off in notification_preferences, in the same transaction).
CREATE TABLE unsubscribes (
    id uuid PRIMARY KEY,
    user_id uuid NOT NULL,
    category varchar(30) NOT NULL,
    created_at timestamptz NOT NULL
);

CREATE INDEX unsubscribes_user ON unsubscribes (user_id, created_at DESC);

-- The key that signs unsubscribe links when UNSUBSCRIBE_SIGNING_KEY is not set: made once, shared by
-- every replica, so links outlive restarts without a secret to configure.
CREATE TABLE unsubscribe_keys (
    id smallint PRIMARY KEY CHECK (id = 1),
    secret bytea NOT NULL,
    created_at timestamptz NOT NULL
);
