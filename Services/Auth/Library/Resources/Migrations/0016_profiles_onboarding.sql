-- Profiles and the onboarding checklist (issue 16).

-- Seed 001 §2.2 `users.profiles`: what a user tells others beside the name, avatar and time zone
-- `users` already holds. One row per user, made by the first PATCH. The rules live in
-- ProfileRules.swift; these checks are the last line behind them.
-- `visibility` maps a field group (ProfileVisibility.fields) to private | signed_in | public; a
-- group left out is private (GDPR Art. 25(2): nothing is shown to others until the user says so).
CREATE TABLE profiles (
    user_id uuid PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
    -- The public page's address, /v1/auth/profiles/{slug}; never shaped like a UUID.
    slug text UNIQUE CHECK (slug ~ '^[a-z0-9]+(-[a-z0-9]+)*$' AND char_length(slug) BETWEEN 3 AND 40),
    headline text CHECK (char_length(headline) <= 200),
    bio text CHECK (char_length(bio) <= 5000),
    company text CHECK (char_length(company) <= 200),
    position text CHECK (char_length(position) <= 200),
    location_city text CHECK (char_length(location_city) <= 100),
    location_state text CHECK (char_length(location_state) <= 100),
    location_country text CHECK (char_length(location_country) <= 100),
    website_url text CHECK (char_length(website_url) <= 200),
    linkedin_url text CHECK (char_length(linkedin_url) <= 200),
    -- Investment preferences (seed 001 investment_interests, investment_range_min/max, risk_tolerance).
    property_types text[],
    markets text[],
    check_size_min numeric(15, 2) CHECK (check_size_min >= 0),
    check_size_max numeric(15, 2) CHECK (check_size_max >= 0),
    risk_tolerance text CHECK (risk_tolerance IN ('conservative', 'moderate', 'aggressive')),
    visibility jsonb NOT NULL DEFAULT '{}',
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    CHECK (check_size_min <= check_size_max)
);

-- Seed 004 §3.3 `setup_checklist_progress`, without the item table: the steps are fixed per role in
-- OnboardingSteps.swift. A row says the user did the step, as the event that proves it told us;
-- `done_at` is the earliest such event's time, so a late or repeated delivery changes nothing.
CREATE TABLE onboarding_steps (
    user_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    step text NOT NULL,
    done_at timestamptz NOT NULL,
    PRIMARY KEY (user_id, step)
);

-- The user hid the checklist (seed 004 `dismissed`, once for the whole list); deleting the row
-- brings it back.
CREATE TABLE onboarding_dismissals (
    user_id uuid PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
    dismissed_at timestamptz NOT NULL
);
