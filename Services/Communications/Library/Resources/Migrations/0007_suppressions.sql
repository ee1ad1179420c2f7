-- Issue 17: addresses no mail may go to except security and legal mail the user asked for
-- (password reset, magic link). A hard bounce or a complaint suppresses the address; staff may
-- suppress or lift one by hand. Keyed by the lower-cased address: mail providers report addresses,
-- not user ids, and an address may have no account.
CREATE TABLE email_suppressions (
    email varchar(255) PRIMARY KEY CHECK (email = lower(email)),
    reason varchar(20) NOT NULL CHECK (reason IN ('hard_bounce', 'complaint', 'manual')),
    source varchar(50) NOT NULL,
    detail text,
    created_at timestamptz NOT NULL
);

-- Every bounce and complaint received, whatever it caused: soft bounces are kept for the campaign
-- report and to spot an address that keeps failing. provider_message_id links a report to the
-- email_sends row it is about when the provider names it; the intake is idempotent per provider
-- event id.
CREATE TABLE email_bounces (
    id uuid PRIMARY KEY,
    provider varchar(50) NOT NULL,
    provider_event_id varchar(255) NOT NULL,
    email varchar(255) NOT NULL,
    kind varchar(20) NOT NULL CHECK (kind IN ('hard', 'soft', 'complaint')),
    provider_message_id varchar(255),
    email_send_id uuid REFERENCES email_sends (id) ON DELETE SET NULL,
    diagnostic text,
    occurred_at timestamptz NOT NULL,
    received_at timestamptz NOT NULL,
    UNIQUE (provider, provider_event_id)
);

CREATE INDEX email_bounces_email ON email_bounces (email, received_at DESC);
CREATE INDEX email_bounces_send ON email_bounces (email_send_id) WHERE email_send_id IS NOT NULL;
CREATE INDEX email_sends_provider_message ON email_sends (provider_message_id) WHERE provider_message_id IS NOT NULL;
