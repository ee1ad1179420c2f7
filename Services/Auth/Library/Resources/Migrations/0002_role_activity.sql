-- What a user has done elsewhere, as told by events, from which seed 000's role logic derives
-- `account_role` (see Roles.swift).
ALTER TABLE users
    ADD COLUMN has_investor_activity boolean NOT NULL DEFAULT false,
    ADD COLUMN has_developer_activity boolean NOT NULL DEFAULT false;
