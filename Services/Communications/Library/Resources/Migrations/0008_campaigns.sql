-- Issue 17, email campaigns (seed 001 §2.6). A campaign is a Mustache template pair (HTML and
-- plain text) sent once to every recipient of its audience: an analytics segment or a list staff
-- upload (email_campaign_members). When sending starts the audience is snapshotted into
-- email_sends rows (campaign_id set, one per recipient), so the bounce intake and the report meet
-- the campaign's mail in the one table every mail is in.
CREATE TABLE email_campaigns (
    id uuid PRIMARY KEY,
    name varchar(200) NOT NULL,
    subject varchar(255) NOT NULL,
    html_template text NOT NULL,
    text_template text NOT NULL,
    from_name varchar(100),
    status varchar(20) NOT NULL CHECK (status IN ('draft', 'scheduled', 'sending', 'paused', 'sent', 'cancelled')),
    scheduled_at timestamptz,
    audience_kind varchar(10) NOT NULL CHECK (audience_kind IN ('segment', 'list')),
    audience_segment_id uuid,
    -- The literal http(s) URLs of html_template's links, in order, frozen when the template is
    -- saved: a click redirect goes to links[index] and nowhere else (no open redirect).
    links jsonb NOT NULL DEFAULT '[]',
    -- Set once the audience is snapshotted into email_sends; resolving twice is harmless (the rows'
    -- unique key) but wasteful.
    audience_resolved_at timestamptz,
    created_by uuid NOT NULL,
    -- Issue 16 fills this in when organisations exist.
    organization_id uuid,
    created_at timestamptz NOT NULL,
    updated_at timestamptz NOT NULL,
    started_at timestamptz,
    finished_at timestamptz,
    CHECK ((audience_kind = 'segment') = (audience_segment_id IS NOT NULL))
);

CREATE INDEX email_campaigns_due ON email_campaigns (scheduled_at) WHERE status = 'scheduled';
CREATE INDEX email_campaigns_sending ON email_campaigns (id) WHERE status = 'sending';

-- A list audience: who staff uploaded, before preferences and suppressions are applied (that is
-- done at the snapshot, so an unsubscribe between upload and send is honoured).
CREATE TABLE email_campaign_members (
    campaign_id uuid NOT NULL REFERENCES email_campaigns (id) ON DELETE CASCADE,
    email varchar(255) NOT NULL CHECK (email = lower(email)),
    user_id uuid NOT NULL,
    name varchar(200),
    PRIMARY KEY (campaign_id, email)
);

-- Campaign recipients in email_sends: 'skipped' (suppressed, unsubscribed, marketing mail off) is
-- kept so the report can say why someone got nothing; the counts of opens and clicks beside the
-- first times 0001 already has.
ALTER TABLE email_sends DROP CONSTRAINT email_sends_status_check;
ALTER TABLE email_sends ADD CONSTRAINT email_sends_status_check
    CHECK (status IN ('pending', 'sent', 'delivered', 'bounced', 'failed', 'skipped'));
ALTER TABLE email_sends ADD COLUMN recipient_name varchar(200);
ALTER TABLE email_sends ADD COLUMN open_count integer NOT NULL DEFAULT 0;
ALTER TABLE email_sends ADD COLUMN click_count integer NOT NULL DEFAULT 0;

-- Exactly once per campaign and recipient: the snapshot inserts with ON CONFLICT DO NOTHING, and
-- the sender claims the pending rows of sending campaigns in this order with SKIP LOCKED.
CREATE UNIQUE INDEX email_sends_campaign_recipient ON email_sends (campaign_id, lower(to_email)) WHERE campaign_id IS NOT NULL;
CREATE INDEX email_sends_campaign_pending ON email_sends (campaign_id, id) WHERE campaign_id IS NOT NULL AND status = 'pending';
