-- Issue 16: an offering can belong to an organisation (auth's `organizations`, a plain UUID here:
-- no cross-schema keys). Set from the creating sponsor's active organisation; its members act on
-- the offering by their `org_role` claim, as on the organisation's listings in properties.
ALTER TABLE offerings ADD COLUMN organization_id uuid;

CREATE INDEX offerings_organization ON offerings (organization_id) WHERE organization_id IS NOT NULL;
