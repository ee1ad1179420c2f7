-- Accreditation under SEC Rule 506(c) "reasonable steps" (17 CFR 230.506(c)(2)(ii)), issue 22:
-- evidence files, verifier letters through a single-use link, decisions that expire, and the
-- minimum-investment path of the SEC staff's March 2025 guidance.

-- A verifier's upload puts a verification in `pending_review`; the staff decision follows.
ALTER TABLE investments.verifications DROP CONSTRAINT verifications_status_check;
ALTER TABLE investments.verifications ADD CONSTRAINT verifications_status_check
    CHECK (status IN ('pending', 'pending_review', 'approved', 'rejected', 'expired'));
-- The date written on the verifier's letter: an approval resting on it counts from that day
-- (Rule 506(c)(2)(ii)(C): a confirmation "within the prior three months").
ALTER TABLE investments.verifications ADD COLUMN letter_date date;

-- Evidence and letters are kept here, under investments' own access rule (the investor and staff),
-- not in media: a media document belongs to a property and is uploaded by the listing's editors,
-- so an investor has nowhere private to put a tax return there.
CREATE TABLE investments.accreditation_files (
    id uuid PRIMARY KEY,
    verification_id uuid NOT NULL REFERENCES investments.verifications (id),
    user_id uuid NOT NULL,
    source text NOT NULL CHECK (source IN ('investor', 'verifier')),
    file_name text NOT NULL CHECK (length(file_name) BETWEEN 1 AND 255),
    content_type text NOT NULL CHECK (content_type IN ('application/pdf', 'image/png', 'image/jpeg')),
    file_size integer NOT NULL CHECK (file_size > 0),
    sha256 char(64) NOT NULL CHECK (sha256 ~ '^[0-9a-f]{64}$'),
    content bytea NOT NULL,
    uploaded_at timestamptz NOT NULL DEFAULT now()
);

CREATE INDEX accreditation_files_verification ON investments.accreditation_files (verification_id, id);

-- A request to a CPA, attorney, registered investment adviser or broker-dealer for a written
-- confirmation (Rule 506(c)(2)(ii)(C)). Only the token's SHA-256 is kept; a newer request for the
-- same verification supersedes the older one, whose link then stops working.
CREATE TABLE investments.verifier_requests (
    id uuid PRIMARY KEY,
    verification_id uuid NOT NULL REFERENCES investments.verifications (id),
    user_id uuid NOT NULL,
    -- The name the verifier is shown (from auth when the request was made): whom they confirm.
    investor_name text NOT NULL CHECK (length(investor_name) BETWEEN 1 AND 300),
    verifier_name text NOT NULL CHECK (length(verifier_name) BETWEEN 1 AND 200),
    verifier_email text NOT NULL CHECK (length(verifier_email) BETWEEN 3 AND 254),
    verifier_role text NOT NULL CHECK (verifier_role IN ('cpa', 'attorney', 'registered_investment_adviser', 'broker_dealer')),
    license_number text NOT NULL CHECK (length(license_number) BETWEEN 1 AND 100),
    token_hash char(64) NOT NULL UNIQUE,
    expires_at timestamptz NOT NULL,
    used_at timestamptz,
    superseded_at timestamptz,
    letter_date date,
    letter_file_id uuid REFERENCES investments.accreditation_files (id),
    created_at timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT used_with_letter CHECK ((used_at IS NULL) = (letter_file_id IS NULL))
);

CREATE INDEX verifier_requests_verification ON investments.verifier_requests (verification_id, id);

-- SEC staff guidance (Division of Corporation Finance no-action letter, March 12, 2025): a high
-- minimum investment with written representations may be the "reasonable steps" of Rule 506(c).
-- The sponsor decides whether an offering accepts that path.
ALTER TABLE investments.offerings ADD COLUMN allows_minimum_investment_path boolean NOT NULL DEFAULT false;

-- The investor's written representations for that path, kept as written, with when and from where.
CREATE TABLE investments.accreditation_representations (
    id uuid PRIMARY KEY,
    offering_id uuid NOT NULL REFERENCES investments.offerings (id),
    investor_id uuid NOT NULL,
    investor_kind text NOT NULL CHECK (investor_kind IN ('natural_person', 'entity')),
    representation_text text NOT NULL,
    ip_address text,
    user_agent text CHECK (length(user_agent) <= 500),
    represented_at timestamptz NOT NULL
);

CREATE INDEX accreditation_representations_investor ON investments.accreditation_representations (offering_id, investor_id, represented_at DESC);

-- The kit's RateLimiter buckets (seed 004 rate_limit_buckets): verifier emails per investor.
-- IF NOT EXISTS: another part of issue 22 may add the same kit table on its own branch.
CREATE TABLE IF NOT EXISTS investments.rate_limit_buckets (
    action text NOT NULL,
    identifier text NOT NULL,
    tokens double precision NOT NULL,
    allowed boolean NOT NULL,
    updated_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (action, identifier)
);

CREATE INDEX IF NOT EXISTS rate_limit_buckets_stale ON investments.rate_limit_buckets (updated_at);

-- A verification as its investor and staff read it, with its status as of `at` (the service's
-- clock): an approval past its expiry reads `expired`. Evidence is listed without its bytes.
CREATE FUNCTION investments.verification_document(x investments.verifications, at timestamptz) RETURNS jsonb
LANGUAGE sql STABLE AS $$
    SELECT jsonb_build_object(
        'id', x.id, 'user_id', x.user_id, 'type', x.type,
        'status', CASE WHEN x.status = 'approved' AND x.expires_at <= at THEN 'expired' ELSE x.status END,
        'method', x.method, 'provider', x.provider, 'rejection_reason', x.rejection_reason, 'letter_date', x.letter_date,
        'expires_at', investments.rfc3339(x.expires_at), 'submitted_at', investments.rfc3339(x.submitted_at),
        'reviewed_at', investments.rfc3339(x.reviewed_at), 'reviewed_by', x.reviewed_by,
        'created_at', investments.rfc3339(x.created_at), 'updated_at', investments.rfc3339(x.updated_at),
        'evidence', coalesce((
            SELECT jsonb_agg(jsonb_build_object(
                'id', f.id, 'source', f.source, 'file_name', f.file_name, 'content_type', f.content_type,
                'file_size', f.file_size, 'sha256', f.sha256, 'uploaded_at', investments.rfc3339(f.uploaded_at)) ORDER BY f.id)
            FROM investments.accreditation_files f WHERE f.verification_id = x.id), '[]'::jsonb),
        'verifier_request', (
            SELECT jsonb_build_object(
                'id', r.id, 'verifier_name', r.verifier_name, 'verifier_email', r.verifier_email, 'verifier_role', r.verifier_role,
                'license_number', r.license_number, 'expires_at', investments.rfc3339(r.expires_at),
                'used_at', investments.rfc3339(r.used_at), 'letter_date', r.letter_date, 'letter_file_id', r.letter_file_id,
                'created_at', investments.rfc3339(r.created_at))
            FROM investments.verifier_requests r WHERE r.verification_id = x.id AND r.superseded_at IS NULL
            ORDER BY r.id DESC LIMIT 1))
$$;
