-- Issue 21: spend a sponsor took back. A deleted progress update stays as a withdrawn row, and a
-- deleted project is remembered, so an update event delivered after the withdrawal (deliveries
-- arrive in any order) does not bring its spend back into the substantial-improvement test.
ALTER TABLE investments.renovation_spend ADD COLUMN withdrawn boolean NOT NULL DEFAULT false;
-- A withdrawal can arrive before the update it withdraws: its row has no date yet.
ALTER TABLE investments.renovation_spend ALTER COLUMN update_date DROP NOT NULL;

CREATE TABLE investments.renovation_projects_withdrawn (
    project_id uuid PRIMARY KEY,
    property_id uuid NOT NULL,
    withdrawn_at timestamptz NOT NULL DEFAULT now()
);
