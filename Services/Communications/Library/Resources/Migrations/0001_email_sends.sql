-- Seed 001 §2.6 communications.email_sends: one row per email request. Transactional mail is keyed
-- by the caller and its Idempotency-Key, so a retried request or a redelivered event sends nothing
-- twice. Rendered bodies are not stored: they carry one-time links and codes.
-- recipient_id is nullable and has no foreign key: a password-reset mail may go to an address with
-- no account, and auth.users belongs to another service (ARCHITECTURE.md, one schema per service).
CREATE TABLE email_sends (
    id uuid PRIMARY KEY,
    campaign_id uuid,
    recipient_id uuid,
    requested_by text NOT NULL,
    idempotency_key text NOT NULL,
    template_key text NOT NULL,
    to_email varchar(255) NOT NULL,
    from_email varchar(255) NOT NULL,
    subject varchar(255),
    status varchar(20) NOT NULL CHECK (status IN ('pending', 'sent', 'delivered', 'bounced', 'failed')),
    retry_count integer NOT NULL DEFAULT 0,
    error_message text,
    provider varchar(50) NOT NULL DEFAULT 'smtp',
    provider_message_id varchar(255),
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    sent_at timestamptz,
    delivered_at timestamptz,
    opened_at timestamptz,
    clicked_at timestamptz,
    bounced_at timestamptz,
    unsubscribed_at timestamptz,
    UNIQUE (requested_by, idempotency_key)
);

CREATE INDEX email_sends_campaign ON email_sends (campaign_id) WHERE campaign_id IS NOT NULL;
CREATE INDEX email_sends_recipient ON email_sends (recipient_id, created_at DESC) WHERE recipient_id IS NOT NULL;
CREATE INDEX email_sends_to_email ON email_sends (lower(to_email), created_at DESC);
CREATE INDEX email_sends_pending ON email_sends (status, updated_at) WHERE status = 'pending';
