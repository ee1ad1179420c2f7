-- Journeys and interests (seed 000, "Endpoint to Table Connection Map"): which of the seven entry
-- points each user came in by and whether they did what it offers, and the interests seed 000's
-- user_interests keeps. Both follow from events (client and domain) in the transaction that
-- records them, so they never disagree with the events table.

-- One journey per user and entry point: its earliest start and earliest completion, whatever order
-- the events arrive in (the writer keeps LEAST of each, so a redelivery or a late event changes
-- nothing it should not).
CREATE TABLE journeys (
    user_id uuid NOT NULL,
    entry_point text NOT NULL CHECK (entry_point IN (
        'check_if_your_development_is_in_an_oz', 'qualify_as_an_investor', 'check_how_much_tax_you_can_save',
        'see_dashboard', 'speak_to_the_team', 'join_our_community', 'see_oz_listings'
    )),
    -- The sign-in from the entry point (auth_initiated, user.created, user.signed_in), or the
    -- completing event itself when nothing earlier was recorded.
    started_at timestamptz NOT NULL,
    started_by uuid NOT NULL,
    -- seed 000 auth_initiated metadata: null when the start did not say.
    first_auth boolean,
    auth_method text CHECK (length(auth_method) <= 64),
    referrer text CHECK (length(referrer) <= 2048),
    completed_at timestamptz,
    completed_by uuid,
    completing_event text,
    updated_at timestamptz NOT NULL,
    PRIMARY KEY (user_id, entry_point),
    CHECK ((completed_at IS NULL) = (completed_by IS NULL))
);

-- Seed 000 user_interests, plus when community membership last changed so a late "joined" does
-- not undo a newer "left".
CREATE TABLE user_interests (
    user_id uuid PRIMARY KEY,
    needs_team_contact boolean NOT NULL DEFAULT false,
    community_member boolean NOT NULL DEFAULT false,
    viewed_listings boolean NOT NULL DEFAULT false,
    dashboard_accessed boolean NOT NULL DEFAULT false,
    last_team_contact_request timestamptz,
    community_changed_at timestamptz,
    created_at timestamptz NOT NULL,
    updated_at timestamptz NOT NULL
);
