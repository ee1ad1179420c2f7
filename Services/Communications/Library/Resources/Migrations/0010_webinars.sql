-- Issue 17, part C: webinars and events (seed 001 §2.4 events.events and events.registrations),
-- and what staff need to page through suppressions.

-- An event a sponsor hosts for one of their properties (offerings are listed on a property in
-- properties), or a platform event staff host (no property). organization_id is the host's
-- organisation once organisations exist (issue 16); the `org` claim may be absent today.
-- time_zone is the IANA zone the host thinks in (shown to registrants); the instants are UTC.
-- waitlist_counter hands out waitlist places in the order registrations commit: it is bumped under
-- the event's row lock, which every registration change takes first.
CREATE TABLE events (
    id uuid PRIMARY KEY,
    host_id uuid NOT NULL,
    organization_id uuid,
    property_id uuid,
    title varchar(200) NOT NULL,
    description text,
    kind varchar(20) NOT NULL CHECK (kind IN ('webinar', 'in_person', 'hybrid')),
    starts_at timestamptz NOT NULL,
    ends_at timestamptz NOT NULL,
    time_zone varchar(64) NOT NULL,
    venue varchar(500),
    virtual_url varchar(2000),
    capacity integer CHECK (capacity IS NULL OR capacity > 0),
    status varchar(20) NOT NULL CHECK (status IN ('draft', 'published', 'cancelled')),
    recording_url varchar(2000),
    -- RFC 5545 SEQUENCE: bumped when the schedule or place changes, so calendars replace the old copy.
    sequence integer NOT NULL DEFAULT 0,
    waitlist_counter bigint NOT NULL DEFAULT 0,
    created_at timestamptz NOT NULL,
    updated_at timestamptz NOT NULL,
    published_at timestamptz,
    cancelled_at timestamptz,
    recording_added_at timestamptz,
    CHECK (starts_at < ends_at),
    CHECK (kind = 'in_person' OR virtual_url IS NOT NULL),
    CHECK (kind = 'webinar' OR venue IS NOT NULL)
);

CREATE INDEX events_published ON events (starts_at, id) WHERE status = 'published';
CREATE INDEX events_host ON events (host_id, starts_at);

-- One row per user and event (seed: UNIQUE(event_id, user_id)); a cancelled registration that
-- registers again is the same row. waitlist_order is the place in the queue while waitlisted.
-- The reminder columns are set in the transaction that creates the reminder notification, so a
-- reminder goes once whatever the sweeps do.
CREATE TABLE event_registrations (
    id uuid PRIMARY KEY,
    event_id uuid NOT NULL REFERENCES events (id),
    user_id uuid NOT NULL,
    status varchar(20) NOT NULL CHECK (status IN ('registered', 'waitlisted', 'cancelled', 'attended')),
    waitlist_order bigint,
    seated_at timestamptz,
    checked_in_at timestamptz,
    cancelled_at timestamptz,
    reminder_24h_sent_at timestamptz,
    reminder_1h_sent_at timestamptz,
    created_at timestamptz NOT NULL,
    updated_at timestamptz NOT NULL,
    UNIQUE (event_id, user_id),
    CHECK ((status = 'waitlisted') = (waitlist_order IS NOT NULL))
);

CREATE INDEX event_registrations_event ON event_registrations (event_id, status);
CREATE INDEX event_registrations_waitlist ON event_registrations (event_id, waitlist_order) WHERE status = 'waitlisted';
CREATE INDEX event_registrations_user ON event_registrations (user_id, created_at DESC);
CREATE INDEX event_registrations_list ON event_registrations (event_id, created_at, id);

-- Staff page through suppressions newest first; keyset paging breaks ties on a uuid (0007 keyed the
-- table by address). Existing rows and the Suppressions store's inserts get one by default.
ALTER TABLE email_suppressions ADD COLUMN id uuid NOT NULL DEFAULT gen_random_uuid();
ALTER TABLE email_suppressions ADD CONSTRAINT email_suppressions_id_key UNIQUE (id);
CREATE INDEX email_suppressions_newest ON email_suppressions (created_at DESC, id DESC);
