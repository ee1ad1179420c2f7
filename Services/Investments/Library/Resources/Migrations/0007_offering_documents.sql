-- Investing paperwork (issue 22): an offering's documents by kind. Each names a media document
-- (kept by properties); the current version of that document's name is what investors read and
-- sign, so uploading a new version there changes what this row means without touching it.
CREATE TABLE investments.offering_documents (
    offering_id uuid NOT NULL REFERENCES investments.offerings (id),
    kind varchar(30) NOT NULL CHECK (kind IN ('ppm', 'subscription_agreement', 'operating_agreement')),
    document_id uuid NOT NULL,
    attached_by uuid NOT NULL,
    attached_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (offering_id, kind)
);
