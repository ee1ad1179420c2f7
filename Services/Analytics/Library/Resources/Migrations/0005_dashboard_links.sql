-- Links to the staff dashboard (README "Dashboard"). A browser, or headless Chromium taking the
-- dashboard's screenshot, cannot send a bearer token: a staff caller mints a link instead. The URL
-- works once within five minutes; opening it starts a browser session (an HttpOnly cookie holding
-- the same secret) that lasts an hour. Only the secret's SHA-256 is kept, so a leaked table opens
-- nothing.
CREATE TABLE dashboard_links (
    id uuid PRIMARY KEY,
    token_hash text NOT NULL UNIQUE CHECK (token_hash ~ '^[0-9a-f]{64}$'),
    created_by uuid NOT NULL,
    created_at timestamptz NOT NULL,
    -- The URL must be opened before this.
    expires_at timestamptz NOT NULL,
    -- Set once, by the first GET with the URL: later GETs with it are refused.
    opened_at timestamptz,
    -- The browser session the opening started ends here.
    session_expires_at timestamptz,
    CHECK (expires_at > created_at),
    CHECK ((opened_at IS NULL) = (session_expires_at IS NULL))
);
-- The purge finds spent links by age.
CREATE INDEX dashboard_links_created ON dashboard_links (created_at);
