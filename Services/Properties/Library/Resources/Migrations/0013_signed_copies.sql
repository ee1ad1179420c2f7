-- Investing paperwork (issue 22): an electronic signature that counts before money moves. The
-- ESIGN Act (15 U.S.C. §7001(c)) makes an electronic record stand in for paper only after the
-- consumer consented to electronic records, so a signature that gates a commitment keeps the
-- consent's text and version beside the signer's typed name and the SHA-256 of the exact version
-- they were shown; UETA §9 attributes it by the time, address and user agent already recorded.
ALTER TABLE media.signatures
    ADD COLUMN typed_name text CHECK (length(typed_name) BETWEEN 1 AND 200),
    ADD COLUMN document_sha256 char(64) CHECK (document_sha256 ~ '^[0-9a-f]{64}$'),
    ADD COLUMN esign_consent_version varchar(50),
    ADD COLUMN esign_consent_text text CHECK (length(esign_consent_text) <= 10000),
    ADD COLUMN esign_consented_at timestamptz,
    -- The ESIGN record is whole or absent: consent, its text, the name and the hash together.
    ADD CONSTRAINT esign_record_whole CHECK (
        (esign_consented_at IS NULL) = (esign_consent_text IS NULL)
        AND (esign_consented_at IS NULL) = (esign_consent_version IS NULL)
        AND (esign_consented_at IS NULL) = (typed_name IS NULL)
        AND (esign_consented_at IS NULL) = (document_sha256 IS NULL)
        AND (esign_consented_at IS NULL OR status = 'signed')
    );

-- The signed copy of each ESIGN signature: a PDF with the signature certificate page that embeds
-- the original version byte for byte (SigningCertificatePDF.swift). The signer, the offering's
-- sponsor and the property's editors may download it.
CREATE TABLE media.signed_copies (
    id uuid PRIMARY KEY,
    signature_id uuid NOT NULL UNIQUE REFERENCES media.signatures (id),
    document_id uuid NOT NULL REFERENCES media.documents (id),
    property_id uuid NOT NULL,
    signer_id uuid NOT NULL,
    sponsor_id uuid NOT NULL,
    offering_id uuid,
    file_name varchar(255) NOT NULL,
    file_size bigint NOT NULL CHECK (file_size > 0),
    file_hash char(64) NOT NULL CHECK (file_hash ~ '^[0-9a-f]{64}$'),
    original_sha256 char(64) NOT NULL CHECK (original_sha256 ~ '^[0-9a-f]{64}$'),
    storage_key text NOT NULL UNIQUE,
    created_at timestamptz NOT NULL DEFAULT now()
);

CREATE INDEX signed_copies_signer ON media.signed_copies (signer_id);

-- The consent's text stays out of lists (it is on the certificate); its time leaves as RFC 3339
-- like every other, and a signed request names where its signed copy is.
CREATE OR REPLACE FUNCTION media.signature_document(s media.signatures) RETURNS jsonb LANGUAGE sql STABLE AS $$
    SELECT (to_jsonb(s) - ARRAY['signature_data', 'verification_data', 'esign_consent_text']) || jsonb_build_object(
        'ip_address', host(s.ip_address),
        'requested_at', media.utc(s.requested_at),
        'signed_at', media.utc(s.signed_at),
        'declined_at', media.utc(s.declined_at),
        'esign_consented_at', media.utc(s.esign_consented_at),
        'signed_copy_url', (SELECT '/v1/media/signed-copies/' || c.signature_id FROM media.signed_copies c WHERE c.signature_id = s.id)
    )
$$;
