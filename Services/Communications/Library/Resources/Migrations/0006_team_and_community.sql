-- Issue 14, "speak to the team" and "join our community" (seed 000 entry points 5 and 6), and the
-- token buckets communications' rate limits share across replicas.

-- Token buckets for the kit's RateLimiter (seed 004 rate_limit_buckets, the shape auth, properties
-- and analytics keep): team requests are limited per client address and per requester.
CREATE TABLE rate_limit_buckets (
    action text NOT NULL,
    identifier text NOT NULL,
    tokens double precision NOT NULL,
    allowed boolean NOT NULL,
    updated_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (action, identifier)
);

CREATE INDEX rate_limit_buckets_stale ON rate_limit_buckets (updated_at);

-- A request to speak to the team. The thread itself (the requester's words, the team's answers) is
-- a `team` conversation, so seed 002's team_messages are that conversation's messages; this row is
-- the inbox entry staff work from. A signed-in requester is `user_id` (their address stays in
-- auth); an anonymous visitor is `email` with the time they consented to be contacted, and never
-- becomes an account.
CREATE TABLE team_requests (
    id uuid PRIMARY KEY,
    user_id uuid,
    email varchar(255),
    name varchar(100),
    phone varchar(32),
    topic text NOT NULL CHECK (topic IN ('investing', 'developing', 'opportunity_zones', 'tax', 'account', 'partnership', 'other')),
    message text NOT NULL,
    -- [{"starts_at": "…Z", "ends_at": "…Z"}], at most a few, as the requester gave them.
    preferred_times jsonb NOT NULL DEFAULT '[]',
    preferred_times_note text,
    consent_at timestamptz,
    status text NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'assigned', 'answered', 'closed')),
    assigned_to uuid,
    conversation_id uuid NOT NULL,
    created_at timestamptz NOT NULL,
    updated_at timestamptz NOT NULL,
    assigned_at timestamptz,
    answered_at timestamptz,
    closed_at timestamptz,
    CHECK ((user_id IS NULL) <> (email IS NULL)),
    CHECK (user_id IS NOT NULL OR consent_at IS NOT NULL),
    CHECK (status <> 'assigned' OR assigned_to IS NOT NULL)
);

CREATE INDEX team_requests_newest ON team_requests (created_at DESC, id DESC);
CREATE INDEX team_requests_status ON team_requests (status, created_at DESC, id DESC);
CREATE INDEX team_requests_user ON team_requests (user_id, created_at DESC, id DESC) WHERE user_id IS NOT NULL;
CREATE UNIQUE INDEX team_requests_conversation ON team_requests (conversation_id);

-- Mail owed to a requester (the confirmation, an answer to an anonymous visitor), written in the
-- transaction that makes it owed and sent after the commit, so a mail server that is down delays it
-- but never loses it. `id` is the EmailSends idempotency key: a retry mails nobody twice. A sender
-- leases a row by pushing `next_attempt_at` forward, so replicas never send the same row at once.
CREATE TABLE team_request_mails (
    id uuid PRIMARY KEY,
    request_id uuid NOT NULL REFERENCES team_requests (id) ON DELETE CASCADE,
    template_key text NOT NULL,
    -- Who gets it: the anonymous visitor's address, or a user whose address auth is asked for.
    to_email varchar(255),
    to_user uuid,
    variables jsonb NOT NULL DEFAULT '{}',
    -- `failed`: the mail server refused it for good (an unknown mailbox) or the account is gone.
    status text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'sent', 'failed')),
    attempts integer NOT NULL DEFAULT 0,
    next_attempt_at timestamptz NOT NULL,
    last_error text,
    sent_at timestamptz,
    created_at timestamptz NOT NULL,
    CHECK ((to_email IS NULL) <> (to_user IS NULL))
);

CREATE INDEX team_request_mails_due ON team_request_mails (next_attempt_at) WHERE status = 'pending';
CREATE INDEX team_request_mails_request ON team_request_mails (request_id);

-- Community members (seed 000 entry point 6). Leaving deletes the row: membership is a state, and
-- its history is the community.joined / community.left events analytics records.
CREATE TABLE community_members (
    user_id uuid PRIMARY KEY,
    joined_at timestamptz NOT NULL
);

-- Seed 002 email_subscriptions: the mailings a user has signed up for beyond their notifications
-- (`community_digest` on joining the community). `is_active` false keeps the row when the user's
-- preferences say no to that mail, so turning them back on needs no new sign-up.
CREATE TABLE email_subscriptions (
    id uuid PRIMARY KEY,
    user_id uuid NOT NULL,
    email_type text NOT NULL,
    is_active boolean NOT NULL DEFAULT true,
    preferences jsonb NOT NULL DEFAULT '{}',
    created_at timestamptz NOT NULL,
    updated_at timestamptz NOT NULL,
    UNIQUE (user_id, email_type)
);

CREATE INDEX email_subscriptions_type ON email_subscriptions (email_type, user_id) WHERE is_active;
