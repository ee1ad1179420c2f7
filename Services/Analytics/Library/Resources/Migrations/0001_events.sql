-- The analytics event store (seed 000 user_events, seed 001 §2.7 user_events/page_views, seed 003
-- §4 events/sessions, seed 002 §6 partitioning). One append-mostly table holds both what clients
-- send (origin 'client') and what the services publish (origin = the publishing service), so a
-- funnel can go from a page a visitor saw to the money they committed.

-- Names clients may send (seed 000: "event types must be from allowed list"). Client names have no
-- dot, the services' domain event types always do (`investment.funded`), so no client can forge a
-- domain event whatever staff add here.
CREATE TABLE event_names (
    name text PRIMARY KEY CHECK (name ~ '^[a-z][a-z0-9_]{0,63}$'),
    description text NOT NULL DEFAULT '' CHECK (length(description) <= 500),
    created_by uuid,
    created_at timestamptz NOT NULL DEFAULT now()
);

INSERT INTO event_names (name, description) VALUES
    ('page_viewed', 'A page was shown (seed 001 page_views)'),
    ('auth_initiated', 'A visitor started signing in from an entry point (seed 000; properties.source_endpoint, referrer, first_auth, auth_method)'),
    ('dashboard_viewed', 'The investor dashboard was opened (seed 000 see_dashboard)'),
    ('listings_viewed', 'The OZ listings page was opened (seed 000 see_oz_listings)'),
    ('listing_viewed', 'One listing was seen (investment funnel step 1; properties.offering_id)'),
    ('listing_details_opened', 'A listing''s details were opened (investment funnel step 2)'),
    ('documents_downloaded', 'An offering''s documents were downloaded (investment funnel step 3)'),
    ('interest_expressed', 'A visitor said they are interested in an offering'),
    ('oz_check_started', 'The "is my development in an OZ" check was opened'),
    ('tax_calculator_opened', 'The tax calculator was opened'),
    ('qualification_started', 'The "qualify as an investor" form was opened'),
    ('team_contact_opened', 'The "speak to the team" form was opened'),
    ('community_opened', 'The "join our community" page was opened'),
    ('signup_started', 'The sign-up form was opened'),
    ('search_performed', 'A listing search was run (properties.query, properties.results)'),
    ('nps_submitted', 'A net promoter score answer (properties.score 0-10, seed 003 calculate_nps)');

CREATE TABLE events (
    -- A client's own event id (its retries are idempotent by it), a domain event's envelope id,
    -- or one the server made.
    id uuid NOT NULL,
    name text NOT NULL,
    -- 'client', or the service that published the domain event.
    origin text NOT NULL,
    -- When it happened: the client's clock clamped to received_at when in the future, or the
    -- domain event's occurred_at. The partition key.
    occurred_at timestamptz NOT NULL,
    received_at timestamptz NOT NULL,
    user_id uuid,
    anonymous_id text CHECK (length(anonymous_id) <= 64),
    -- Whom funnels and retention count: the user id, or 'anon:' || anonymous_id before sign-in.
    -- `identify` rewrites an anonymous actor's rows to the user's so the journey joins up.
    actor text NOT NULL,
    session_id text CHECK (length(session_id) <= 64),
    page_url text CHECK (length(page_url) <= 2048),
    referrer text CHECK (length(referrer) <= 2048),
    utm_source text CHECK (length(utm_source) <= 200),
    utm_medium text CHECK (length(utm_medium) <= 200),
    utm_campaign text CHECK (length(utm_campaign) <= 200),
    utm_term text CHECK (length(utm_term) <= 200),
    utm_content text CHECK (length(utm_content) <= 200),
    device_type text,
    os text,
    browser text,
    -- Never a full address (Plausible's rule): an IPv4 /24 or IPv6 /48 network.
    ip_prefix cidr,
    properties jsonb NOT NULL DEFAULT '{}'
) PARTITION BY RANGE (occurred_at);

-- Funnels and counts by name over a time range read this (partition pruning on occurred_at, then
-- the name's slice; actor comes from the index alone).
CREATE INDEX events_name_time ON events (name, occurred_at) INCLUDE (actor);
-- A funnel's later steps probe one actor's next occurrence of a name after a time.
CREATE INDEX events_actor_name_time ON events (actor, name, occurred_at);
CREATE INDEX events_user_time ON events (user_id, occurred_at) WHERE user_id IS NOT NULL;
-- `identify` finds an anonymous visitor's rows.
CREATE INDEX events_anonymous ON events (anonymous_id) WHERE user_id IS NULL;

-- Event ids already recorded, so a redelivery or a client's retry records nothing twice. Not a
-- unique index on `events`: on a partitioned table that would have to include occurred_at, and a
-- retried event clamped from the future has a different one. Kept for a dedupe window, then purged.
CREATE TABLE event_ids (
    id uuid PRIMARY KEY,
    received_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX event_ids_received ON event_ids (received_at);

-- An anonymous visitor who signed in: later events under the same anonymous id are theirs too.
CREATE TABLE identities (
    anonymous_id text PRIMARY KEY CHECK (length(anonymous_id) <= 64),
    user_id uuid NOT NULL,
    identified_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX identities_user ON identities (user_id);

-- Monthly partitions `events_yYYYYmMM`, created ahead by the partition job (which also detaches
-- those past retention). Callers serialise on an advisory lock: two replicas creating the same
-- partition at once would otherwise race between the check and the CREATE.
CREATE FUNCTION ensure_event_partitions(first_month date, months integer) RETURNS integer
LANGUAGE plpgsql AS $$
DECLARE
    month date := date_trunc('month', first_month)::date;
    created integer := 0;
    partition_name text;
BEGIN
    FOR i IN 1..months LOOP
        partition_name := format('events_y%sm%s', to_char(month, 'YYYY'), to_char(month, 'MM'));
        IF to_regclass(format('analytics.%I', partition_name)) IS NULL THEN
            EXECUTE format(
                'CREATE TABLE IF NOT EXISTS analytics.%I PARTITION OF analytics.events FOR VALUES FROM (%L) TO (%L)',
                partition_name, month, (month + interval '1 month')::date
            );
            created := created + 1;
        END IF;
        month := (month + interval '1 month')::date;
    END LOOP;
    RETURN created;
END;
$$;

-- The current month, a year back (seed 001 §8 keeps a year) and three months ahead, so a fresh
-- database takes events at once; the partition job keeps the window moving.
SELECT ensure_event_partitions((date_trunc('month', now()) - interval '12 months')::date, 16);
