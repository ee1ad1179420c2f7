-- The live feed (issue 14): every user's ordered stream of what is new for them (a notification,
-- a message, a read receipt…), read by their open clients over Server-Sent Events.
--
-- live_heads holds each user's last sequence number. An append bumps it with
-- INSERT … ON CONFLICT DO UPDATE, which takes the head's row lock until the appending transaction
-- ends: a second append for the same user waits, then numbers after the first one's commit. So
-- each user's sequence is gapless and in commit order, and a client that resumes after its last
-- id misses nothing (a rolled-back append rolls back its numbers too).
CREATE TABLE live_heads (
    user_id uuid PRIMARY KEY,
    last_seq bigint NOT NULL CHECK (last_seq >= 0),
    updated_at timestamptz NOT NULL DEFAULT now()
);

-- One row per (user, sequence number). The payload is what the client receives as the event's
-- data; item_id is the notification's, message's… own id, so a client can tell repeats apart.
-- Rows older than LIVE_FEED_RETENTION_SECONDS are purged; a client resuming from before the
-- oldest kept row is told with a `reset` event.
CREATE TABLE live_items (
    user_id uuid NOT NULL,
    seq bigint NOT NULL CHECK (seq > 0),
    kind varchar(40) NOT NULL,
    item_id uuid NOT NULL,
    payload jsonb NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (user_id, seq)
);

CREATE INDEX live_items_created ON live_items (created_at);
