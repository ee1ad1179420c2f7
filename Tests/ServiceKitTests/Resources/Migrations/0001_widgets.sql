-- Fixture tables for the service kit's tests: widgets are what the test service creates (and
-- announces through the outbox); received_widgets is the effect of receiving that event.
CREATE TABLE widgets (
    id uuid PRIMARY KEY,
    name text NOT NULL
);

CREATE TABLE received_widgets (
    event_id uuid PRIMARY KEY,
    widget_id uuid NOT NULL
);
