-- Seed 000 developer_profiles: what a developer told us through "check if your development is in
-- an OZ". One per user; user_id has no foreign key because auth.users belongs to `auth`.
CREATE TABLE developer_profiles (
    user_id uuid PRIMARY KEY,
    location_of_development varchar(300),
    tract_geoid char(11) CHECK (tract_geoid ~ '^[0-9]{11}$'),
    -- Whether the tract was a designated Qualified Opportunity Zone when last checked.
    oz_status boolean,
    designation_round smallint,
    -- The state (or territory) the development is in.
    geographical_zone varchar(100),
    profile_completion_score integer NOT NULL DEFAULT 0 CHECK (profile_completion_score BETWEEN 0 AND 100),
    last_checked_at timestamptz,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now()
);
