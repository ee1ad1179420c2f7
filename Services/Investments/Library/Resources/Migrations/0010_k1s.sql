-- Issue 22: Schedule K-1s, one per investor, offering and tax year, uploaded by the sponsor.
--
-- The file is sealed with AES-GCM (`K1Box`: a K-1 carries the investor's taxpayer id), its row id
-- as associated data, and kept here rather than in media: it belongs to the position, not to a
-- property, and its delivery and first download commit with it. A corrected K-1 is a new row; the
-- one it replaces keeps its file and points at it (`superseded_by`), so both sides see the history.
CREATE TABLE investments.k1_documents (
    id uuid PRIMARY KEY,
    offering_id uuid NOT NULL REFERENCES investments.offerings (id),
    investor_id uuid NOT NULL,
    tax_year smallint NOT NULL CHECK (tax_year BETWEEN 2018 AND 2100),
    file_name text NOT NULL CHECK (length(file_name) BETWEEN 1 AND 255),
    size_bytes integer NOT NULL CHECK (size_bytes > 0),
    -- Of the file as uploaded, hex: what the investor can check their download against.
    sha256 text NOT NULL CHECK (sha256 ~ '^[0-9a-f]{64}$'),
    sealed bytea NOT NULL,
    corrected boolean NOT NULL DEFAULT false,
    superseded_by uuid REFERENCES investments.k1_documents (id) DEFERRABLE INITIALLY DEFERRED,
    superseded_at timestamptz,
    uploaded_by uuid NOT NULL,
    -- When the investor was told (the `k1.delivered` event committed with the row).
    delivered_at timestamptz NOT NULL DEFAULT now(),
    first_downloaded_at timestamptz,
    download_count integer NOT NULL DEFAULT 0,
    created_at timestamptz NOT NULL DEFAULT now(),
    CHECK ((superseded_by IS NULL) = (superseded_at IS NULL))
);

-- One current K-1 per investor, offering and year: a correction supersedes under this index.
CREATE UNIQUE INDEX k1_documents_current ON investments.k1_documents (offering_id, investor_id, tax_year)
    WHERE superseded_by IS NULL;
CREATE INDEX k1_documents_investor ON investments.k1_documents (investor_id, id DESC);
CREATE INDEX k1_documents_offering ON investments.k1_documents (offering_id, tax_year, id DESC);

-- Made once when no `K1_ENCRYPTION_KEY` is configured, shared by every replica.
CREATE TABLE investments.k1_sealing_keys (
    id smallint PRIMARY KEY CHECK (id = 1),
    secret bytea NOT NULL CHECK (length(secret) = 32),
    created_at timestamptz NOT NULL DEFAULT now()
);

CREATE FUNCTION investments.k1_document(k investments.k1_documents, offering_name text) RETURNS jsonb
    LANGUAGE sql STABLE PARALLEL SAFE
AS $$
    SELECT jsonb_build_object(
        'id', k.id,
        'offering_id', k.offering_id,
        'offering_name', offering_name,
        'investor_id', k.investor_id,
        'tax_year', k.tax_year,
        'file_name', k.file_name,
        'size_bytes', k.size_bytes,
        'sha256', k.sha256,
        'corrected', k.corrected,
        'superseded_by', k.superseded_by,
        'superseded_at', investments.rfc3339(k.superseded_at),
        'delivered_at', investments.rfc3339(k.delivered_at),
        'first_downloaded_at', investments.rfc3339(k.first_downloaded_at),
        'download_count', k.download_count,
        'created_at', investments.rfc3339(k.created_at)
    )
$$;
