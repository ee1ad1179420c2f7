-- Seed 001 §2.7 media (photos, videos, virtual tours) and §2.5 documents (versions, shares,
-- signature requests), all in the `media` schema. The migrator's search_path is `properties`, so
-- every name here is qualified.
--
-- Differences from the seed, and why:
-- - Uploaded bytes live in the media storage (filesystem or S3) under `storage_key`, built from
--   ids only; the API derives the download URL, so `file_url`/`cdn_url`/`storage_url` are not kept.
-- - What the service read from the bytes is recorded: `mime_type` sniffed (never the client's
--   word), `sha256`, `file_size` as bigint, and image `width`/`height`.
-- - `unit_id` and `floor_plan_id` are plain uuids until units and floor plans have tables.
-- - Documents belong to a property; the seed's `visibility = 'shared'` is any document with live
--   rows in `document_shares`, so visibility follows the properties' words (private, investors,
--   public). A share is to a user or, without one, a link whose token is kept only as a SHA-256.
-- - Rows are soft-deleted (`deleted_at`), as listings are.

CREATE TABLE media.property_photos (
    id uuid PRIMARY KEY,
    property_id uuid NOT NULL REFERENCES properties.properties (id),
    unit_id uuid,
    file_name varchar(255),
    storage_key text NOT NULL UNIQUE,
    photo_type varchar(50) CHECK (photo_type IN ('exterior', 'interior', 'amenity', 'unit', 'aerial')),
    category varchar(50) CHECK (category IN ('hero', 'gallery', 'floorplan', 'renovation')),
    caption text CHECK (length(caption) <= 2000),
    tags text[] NOT NULL DEFAULT '{}',
    width integer CHECK (width > 0),
    height integer CHECK (height > 0),
    file_size bigint NOT NULL CHECK (file_size > 0),
    mime_type varchar(50) NOT NULL,
    sha256 char(64) NOT NULL CHECK (sha256 ~ '^[0-9a-f]{64}$'),
    display_order integer NOT NULL CHECK (display_order >= 0),
    is_primary boolean NOT NULL DEFAULT false,
    status varchar(20) NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'archived')),
    uploaded_by uuid NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    deleted_at timestamptz
);

-- The gallery order; and at most one primary photo per property, whatever the race.
CREATE INDEX property_photos_order ON media.property_photos (property_id, display_order, id) WHERE deleted_at IS NULL;
CREATE UNIQUE INDEX property_photos_one_primary ON media.property_photos (property_id) WHERE is_primary AND deleted_at IS NULL;
CREATE INDEX property_photos_unit ON media.property_photos (unit_id) WHERE unit_id IS NOT NULL AND deleted_at IS NULL;
CREATE INDEX property_photos_type ON media.property_photos (property_id, photo_type) WHERE deleted_at IS NULL;

-- Hosted videos: metadata records pointing at a streaming provider; nothing is transcoded here.
CREATE TABLE media.property_videos (
    id uuid PRIMARY KEY,
    property_id uuid NOT NULL REFERENCES properties.properties (id),
    title varchar(255),
    description text,
    file_url varchar(500) CHECK (file_url ~ '^https?://'),
    streaming_url varchar(500) CHECK (streaming_url ~ '^https?://'),
    thumbnail_url varchar(500) CHECK (thumbnail_url ~ '^https?://'),
    video_type varchar(50) CHECK (video_type IN ('walkthrough', 'aerial', 'testimonial', 'update')),
    duration_seconds integer CHECK (duration_seconds >= 0),
    resolution varchar(20),
    file_size bigint CHECK (file_size >= 0),
    status varchar(20) NOT NULL DEFAULT 'active' CHECK (status IN ('processing', 'active', 'archived')),
    created_by uuid NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    deleted_at timestamptz,
    CONSTRAINT video_has_a_url CHECK (file_url IS NOT NULL OR streaming_url IS NOT NULL)
);

CREATE INDEX property_videos_property ON media.property_videos (property_id, created_at, id) WHERE deleted_at IS NULL;
CREATE INDEX property_videos_type ON media.property_videos (video_type) WHERE deleted_at IS NULL;

CREATE TABLE media.virtual_tours (
    id uuid PRIMARY KEY,
    property_id uuid NOT NULL REFERENCES properties.properties (id),
    floor_plan_id uuid,
    tour_type varchar(50) NOT NULL CHECK (tour_type IN ('matterport', '360_photos', 'video')),
    tour_url varchar(500) CHECK (tour_url ~ '^https?://'),
    embed_code text CHECK (length(embed_code) <= 10000),
    matterport_id varchar(100),
    matterport_sdk_key varchar(100),
    has_measurements boolean NOT NULL DEFAULT false,
    has_floor_plan boolean NOT NULL DEFAULT false,
    has_dollhouse boolean NOT NULL DEFAULT false,
    view_count integer NOT NULL DEFAULT 0 CHECK (view_count >= 0),
    avg_view_duration integer CHECK (avg_view_duration >= 0),
    created_by uuid NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    deleted_at timestamptz,
    CONSTRAINT tour_has_a_location CHECK (tour_url IS NOT NULL OR embed_code IS NOT NULL OR matterport_id IS NOT NULL)
);

CREATE INDEX virtual_tours_property ON media.virtual_tours (property_id, created_at, id) WHERE deleted_at IS NULL;

-- One row per version: a new upload under a document's name is version n + 1 and the previous
-- rows are kept (`is_latest_version` false), each pointing at the one before.
CREATE TABLE media.documents (
    id uuid PRIMARY KEY,
    property_id uuid NOT NULL REFERENCES properties.properties (id),
    owner_id uuid NOT NULL,
    name varchar(255) NOT NULL CHECK (length(btrim(name)) > 0),
    type varchar(50) CHECK (type IN ('contract', 'report', 'presentation', 'tax_form', 'other')),
    category varchar(50) CHECK (category IN ('investment', 'legal', 'financial', 'marketing', 'other')),
    file_name varchar(255),
    file_size bigint NOT NULL CHECK (file_size > 0),
    file_type varchar(100) NOT NULL,
    file_hash char(64) NOT NULL CHECK (file_hash ~ '^[0-9a-f]{64}$'),
    storage_key text NOT NULL UNIQUE,
    version integer NOT NULL CHECK (version > 0),
    parent_document_id uuid REFERENCES media.documents (id),
    is_latest_version boolean NOT NULL DEFAULT true,
    visibility varchar(20) NOT NULL DEFAULT 'private' CHECK (visibility IN ('private', 'investors', 'public')),
    requires_signature boolean NOT NULL DEFAULT false,
    description text CHECK (length(description) <= 5000),
    tags text[] NOT NULL DEFAULT '{}',
    metadata jsonb NOT NULL DEFAULT '{}' CHECK (jsonb_typeof(metadata) = 'object'),
    uploaded_at timestamptz NOT NULL DEFAULT now(),
    modified_at timestamptz,
    deleted_at timestamptz,
    CONSTRAINT first_version_has_no_parent CHECK ((version = 1) = (parent_document_id IS NULL))
);

CREATE UNIQUE INDEX documents_version ON media.documents (property_id, lower(name), version);
CREATE UNIQUE INDEX documents_one_latest ON media.documents (property_id, lower(name)) WHERE is_latest_version AND deleted_at IS NULL;
CREATE INDEX documents_property ON media.documents (property_id, uploaded_at, id) WHERE is_latest_version AND deleted_at IS NULL;
CREATE INDEX documents_owner ON media.documents (owner_id);
CREATE INDEX documents_tags ON media.documents USING gin (tags);

CREATE TABLE media.document_shares (
    id uuid PRIMARY KEY,
    document_id uuid NOT NULL REFERENCES media.documents (id),
    shared_by uuid NOT NULL,
    shared_with uuid,
    token_hash char(64) UNIQUE CHECK (token_hash ~ '^[0-9a-f]{64}$'),
    can_view boolean NOT NULL DEFAULT true,
    can_download boolean NOT NULL DEFAULT true,
    can_edit boolean NOT NULL DEFAULT false,
    can_share boolean NOT NULL DEFAULT false,
    expires_at timestamptz,
    accessed_at timestamptz,
    access_count integer NOT NULL DEFAULT 0 CHECK (access_count >= 0),
    shared_at timestamptz NOT NULL DEFAULT now(),
    revoked_at timestamptz,
    CONSTRAINT share_to_a_user_or_a_link CHECK ((shared_with IS NULL) <> (token_hash IS NULL))
);

-- The seed's UNIQUE(document_id, shared_with), for live shares only, so a revoked share can be
-- given again.
CREATE UNIQUE INDEX document_shares_live ON media.document_shares (document_id, shared_with)
    WHERE revoked_at IS NULL AND shared_with IS NOT NULL;
CREATE INDEX document_shares_shared_with ON media.document_shares (shared_with) WHERE shared_with IS NOT NULL;

CREATE TABLE media.signatures (
    id uuid PRIMARY KEY,
    document_id uuid NOT NULL REFERENCES media.documents (id),
    signer_id uuid NOT NULL,
    requested_by uuid NOT NULL,
    signature_type varchar(20) CHECK (signature_type IN ('electronic', 'digital')),
    signature_data text CHECK (length(signature_data) <= 10000),
    ip_address inet,
    user_agent text CHECK (length(user_agent) <= 1000),
    verification_method varchar(50) CHECK (verification_method IN ('email', 'sms', 'id_verification')),
    verification_data jsonb,
    status varchar(20) NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'signed', 'declined')),
    requested_at timestamptz NOT NULL DEFAULT now(),
    signed_at timestamptz,
    declined_at timestamptz,
    UNIQUE (document_id, signer_id),
    CONSTRAINT signed_when_signed CHECK ((status = 'signed') = (signed_at IS NOT NULL)),
    CONSTRAINT declined_when_declined CHECK ((status = 'declined') = (declined_at IS NOT NULL))
);

CREATE INDEX signatures_signer ON media.signatures (signer_id, status);

-- The API's JSON for each row, built where the row is (as properties.property_document is):
-- timestamps in UTC with milliseconds, storage keys and token hashes never leave the database, and
-- each stored file's download path is derived from its id.
CREATE FUNCTION media.utc(t timestamptz) RETURNS text LANGUAGE sql IMMUTABLE AS $$
    SELECT to_char(t AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')
$$;

CREATE FUNCTION media.photo_document(ph media.property_photos) RETURNS jsonb LANGUAGE sql STABLE AS $$
    SELECT (to_jsonb(ph) - ARRAY['storage_key', 'deleted_at']) || jsonb_build_object(
        'content_url', '/v1/media/photos/' || ph.id,
        'created_at', media.utc(ph.created_at),
        'updated_at', media.utc(ph.updated_at)
    )
$$;

CREATE FUNCTION media.video_document(v media.property_videos) RETURNS jsonb LANGUAGE sql STABLE AS $$
    SELECT (to_jsonb(v) - ARRAY['deleted_at']) || jsonb_build_object(
        'created_at', media.utc(v.created_at),
        'updated_at', media.utc(v.updated_at)
    )
$$;

CREATE FUNCTION media.tour_document(t media.virtual_tours) RETURNS jsonb LANGUAGE sql STABLE AS $$
    SELECT (to_jsonb(t) - ARRAY['deleted_at']) || jsonb_build_object(
        'created_at', media.utc(t.created_at),
        'updated_at', media.utc(t.updated_at)
    )
$$;

CREATE FUNCTION media.document_document(d media.documents) RETURNS jsonb LANGUAGE sql STABLE AS $$
    SELECT (to_jsonb(d) - ARRAY['storage_key', 'deleted_at']) || jsonb_build_object(
        'content_url', '/v1/media/documents/' || d.id,
        'uploaded_at', media.utc(d.uploaded_at),
        'modified_at', media.utc(d.modified_at)
    )
$$;

CREATE FUNCTION media.share_document(s media.document_shares) RETURNS jsonb LANGUAGE sql STABLE AS $$
    SELECT (to_jsonb(s) - ARRAY['token_hash']) || jsonb_build_object(
        'kind', CASE WHEN s.shared_with IS NULL THEN 'link' ELSE 'user' END,
        'expires_at', media.utc(s.expires_at),
        'accessed_at', media.utc(s.accessed_at),
        'shared_at', media.utc(s.shared_at),
        'revoked_at', media.utc(s.revoked_at)
    )
$$;

CREATE FUNCTION media.signature_document(s media.signatures) RETURNS jsonb LANGUAGE sql STABLE AS $$
    SELECT (to_jsonb(s) - ARRAY['signature_data', 'verification_data']) || jsonb_build_object(
        'ip_address', host(s.ip_address),
        'requested_at', media.utc(s.requested_at),
        'signed_at', media.utc(s.signed_at),
        'declined_at', media.utc(s.declined_at)
    )
$$;
