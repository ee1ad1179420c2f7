-- Issue 16 part C: becoming a sponsor, the active hat, staff suspension.

-- Seed 000 "UPDATE current_role if specified": the hat a user holding several wears now. NULL is
-- the account's own default (see RoleHats.swift). It orders the token's roles (active first) and
-- never removes one, so no service's check loses an ability the user holds.
ALTER TABLE users
    ADD COLUMN active_role text CHECK (active_role IN ('investor', 'developer', 'sponsor')),
    -- Why staff suspended the account (status = 'suspended'); cleared on reinstatement.
    ADD COLUMN suspended_at timestamptz,
    ADD COLUMN suspension_reason text;

-- A developer's request to list projects as a sponsor, reviewed by staff (issue 16 "Becoming a
-- sponsor"). Company details only; the applicant's name and email stay on `users`.
CREATE TABLE sponsor_applications (
    id uuid PRIMARY KEY,
    user_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    status text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'approved', 'rejected')),
    legal_name text NOT NULL,
    website text,
    -- IRS Employer Identification Number, NN-NNNNNNN (checked by format only).
    tax_id text NOT NULL,
    applicant_title text NOT NULL,
    description text NOT NULL,
    project_count integer NOT NULL CHECK (project_count BETWEEN 0 AND 10000),
    markets text[] NOT NULL DEFAULT '{}',
    decided_by uuid REFERENCES users (id) ON DELETE SET NULL,
    decided_at timestamptz,
    rejection_reason text,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now()
);

-- One open application per user: a second POST while one is pending is a 409, decided by the index.
CREATE UNIQUE INDEX sponsor_applications_one_pending ON sponsor_applications (user_id) WHERE status = 'pending';
CREATE INDEX sponsor_applications_user ON sponsor_applications (user_id, created_at DESC, id DESC);
CREATE INDEX sponsor_applications_status ON sponsor_applications (status, created_at DESC, id DESC);
