-- Organisations (issue 16; seed 002 §2.1 organizations and organization_members, seed 003 §2
-- tenants): sponsor firms and development companies whose members act on the listings and
-- offerings the organisation owns, by role.

CREATE TABLE organizations (
    id uuid PRIMARY KEY,
    -- Lower-case letters, digits and inner hyphens, 3 to 63 characters (a DNS label's limit, so a
    -- slug can become a subdomain as seed 003's tenants have).
    slug text NOT NULL UNIQUE CHECK (slug ~ '^[a-z0-9][a-z0-9-]{1,61}[a-z0-9]$'),
    -- At most 200 characters as the route counts them (grapheme clusters); here only not empty.
    name text NOT NULL CHECK (length(name) >= 1),
    kind text NOT NULL CHECK (kind IN ('sponsor_firm', 'development_company')),
    created_by uuid REFERENCES users (id) ON DELETE SET NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    deleted_at timestamptz
);

CREATE TABLE organization_members (
    organization_id uuid NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    user_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    role text NOT NULL CHECK (role IN ('owner', 'admin', 'member', 'viewer')),
    joined_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (organization_id, user_id)
);

CREATE INDEX organization_members_user ON organization_members (user_id);

-- Exactly one owner per organisation. At most one: this index (so a transfer demotes the old
-- owner before it promotes the new one). At least one: the deferred triggers below, checked at
-- commit, so an organisation and its owner are inserted in one transaction.
CREATE UNIQUE INDEX organization_members_one_owner ON organization_members (organization_id) WHERE role = 'owner';

-- `SET search_path FROM CURRENT`: the migration's schema, whatever the connection that fires it uses.
CREATE FUNCTION organization_has_owner() RETURNS trigger LANGUAGE plpgsql SET search_path FROM CURRENT AS $$
DECLARE
    org uuid;
BEGIN
    -- Each branch is planned only when it runs, so neither reads a column its table lacks.
    IF TG_TABLE_NAME = 'organizations' THEN
        org := NEW.id;
    ELSE
        org := OLD.organization_id;
    END IF;
    IF EXISTS (SELECT 1 FROM organizations WHERE id = org)
       AND NOT EXISTS (SELECT 1 FROM organization_members WHERE organization_id = org AND role = 'owner') THEN
        RAISE EXCEPTION 'organization % has no owner', org USING ERRCODE = 'check_violation';
    END IF;
    RETURN NULL;
END;
$$;

CREATE CONSTRAINT TRIGGER organizations_have_an_owner AFTER INSERT ON organizations
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION organization_has_owner();
CREATE CONSTRAINT TRIGGER organization_members_keep_an_owner AFTER UPDATE OR DELETE ON organization_members
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION organization_has_owner();

-- Invitations by email: single use, expiring, accepted or declined by the account whose verified
-- email they name. Only the SHA-256 of the mailed token is stored (as `email_tokens` do).
CREATE TABLE organization_invitations (
    id uuid PRIMARY KEY,
    organization_id uuid NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    email text NOT NULL,
    role text NOT NULL CHECK (role IN ('admin', 'member', 'viewer')),
    token_hash text NOT NULL UNIQUE,
    invited_by uuid REFERENCES users (id) ON DELETE SET NULL,
    expires_at timestamptz NOT NULL,
    accepted_at timestamptz,
    declined_at timestamptz,
    revoked_at timestamptz,
    created_at timestamptz NOT NULL DEFAULT now()
);

CREATE INDEX organization_invitations_organization ON organization_invitations (organization_id, created_at);

-- The session's active organisation: the `org` claim of its access tokens. A refresh re-reads the
-- member's current role; leaving or being removed clears it.
ALTER TABLE sessions ADD COLUMN organization_id uuid REFERENCES organizations (id) ON DELETE SET NULL;
