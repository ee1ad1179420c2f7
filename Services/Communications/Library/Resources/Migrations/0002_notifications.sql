-- Issue 14, notifications (seed 001 communications.notifications). One row per user per thing that
-- happened: what the user sees in the app, and the email channel planned for it in
-- notification_deliveries. user_id has no foreign key: auth.users belongs to another service.
-- (user_id, dedupe_key) makes a creation idempotent: an event's id, a message's id.
CREATE TABLE notifications (
    id uuid PRIMARY KEY,
    user_id uuid NOT NULL,
    type varchar(100) NOT NULL,
    category varchar(30) NOT NULL CHECK (category IN (
        'security', 'legal', 'money', 'investments', 'documents', 'property_updates', 'messages',
        'connections', 'team', 'community', 'product')),
    title varchar(255) NOT NULL,
    message text NOT NULL,
    action_url varchar(500),
    priority varchar(10) NOT NULL CHECK (priority IN ('low', 'normal', 'high', 'critical')),
    -- The channels it went to: in_app when the user sees it in the app, email when a mail is planned.
    channels text[] NOT NULL,
    dedupe_key text NOT NULL,
    created_at timestamptz NOT NULL,
    read_at timestamptz,
    deleted_at timestamptz,
    expires_at timestamptz,
    UNIQUE (user_id, dedupe_key)
);

-- The user's list (newest first) and unread count; deleted rows and email-only rows are not shown.
CREATE INDEX notifications_inbox ON notifications (user_id, created_at DESC, id DESC)
    WHERE deleted_at IS NULL AND 'in_app' = ANY (channels);
CREATE INDEX notifications_unread ON notifications (user_id)
    WHERE deleted_at IS NULL AND read_at IS NULL AND 'in_app' = ANY (channels);
-- Retention: read or deleted rows age out.
CREATE INDEX notifications_purge ON notifications (coalesce(deleted_at, read_at)) WHERE read_at IS NOT NULL OR deleted_at IS NOT NULL;

-- The email channel of a notification: sent by the delivery worker, never by the code that created
-- the notification (an event handler does not wait on SMTP). `pending` rows go at due_at (now, or
-- when the user's quiet hours end); `digest` rows wait for the user's digest at due_at and are then
-- `bundled` into a notification_digests row. A worker claims a row by setting claimed_until (a
-- lease, so no transaction stays open over SMTP; another replica takes it over if the lease lapses).
CREATE TABLE notification_deliveries (
    id uuid PRIMARY KEY,
    notification_id uuid NOT NULL REFERENCES notifications (id) ON DELETE CASCADE,
    user_id uuid NOT NULL,
    channel varchar(10) NOT NULL DEFAULT 'email' CHECK (channel IN ('email')),
    category varchar(30) NOT NULL,
    type varchar(100) NOT NULL,
    critical boolean NOT NULL,
    template_key text NOT NULL,
    variables jsonb NOT NULL,
    -- The address when the creator knew it (auth's new-device mail); else auth is asked at send time.
    to_email varchar(255),
    status varchar(10) NOT NULL CHECK (status IN ('pending', 'digest', 'bundled', 'sent', 'skipped', 'failed')),
    due_at timestamptz NOT NULL,
    claimed_until timestamptz,
    attempts integer NOT NULL DEFAULT 0,
    last_error text,
    email_send_id uuid,
    digest_id uuid,
    created_at timestamptz NOT NULL,
    updated_at timestamptz NOT NULL,
    sent_at timestamptz
);

CREATE INDEX notification_deliveries_due ON notification_deliveries (due_at) WHERE status = 'pending';
CREATE INDEX notification_deliveries_digest_due ON notification_deliveries (due_at, user_id) WHERE status = 'digest';
CREATE INDEX notification_deliveries_notification ON notification_deliveries (notification_id);
CREATE INDEX notification_deliveries_digest ON notification_deliveries (digest_id) WHERE digest_id IS NOT NULL;
CREATE INDEX notification_deliveries_finished ON notification_deliveries (updated_at) WHERE status IN ('sent', 'skipped', 'failed', 'bundled');

-- One digest email: what accumulated for a user until their digest hour, sent once (its id is the
-- email's idempotency key) by the same worker, with the same lease and retries.
CREATE TABLE notification_digests (
    id uuid PRIMARY KEY,
    user_id uuid NOT NULL,
    notification_count integer NOT NULL,
    status varchar(10) NOT NULL CHECK (status IN ('pending', 'sent', 'skipped', 'failed')),
    due_at timestamptz NOT NULL,
    claimed_until timestamptz,
    attempts integer NOT NULL DEFAULT 0,
    last_error text,
    email_send_id uuid,
    created_at timestamptz NOT NULL,
    updated_at timestamptz NOT NULL,
    sent_at timestamptz
);

CREATE INDEX notification_digests_due ON notification_digests (due_at) WHERE status = 'pending';
CREATE INDEX notification_digests_finished ON notification_digests (updated_at) WHERE status <> 'pending';

-- Who invested in which property, kept from investment.committed, so a property's update reaches its
-- investors in one set-based statement without asking investments.
CREATE TABLE property_investors (
    property_id uuid NOT NULL,
    investor_id uuid NOT NULL,
    first_committed_at timestamptz NOT NULL,
    PRIMARY KEY (property_id, investor_id)
);
