-- Seed 001 §2.3 properties.properties, with what the API needs on top: an owner (the sponsor who
-- listed it, and their organisation), visibility, the Opportunity Zone status, soft delete, a
-- search document, and the checks the seed states in comments made real constraints.
-- PostGIS (geography) and pg_trgm (typo-tolerant names) are installed by the bootstrap
-- (scripts/sql/bootstrap.sql); say so plainly when they are not.
DO $$
BEGIN
    IF NOT EXISTS (SELECT FROM pg_extension WHERE extname = 'postgis') OR NOT EXISTS (SELECT FROM pg_extension WHERE extname = 'pg_trgm') THEN
        RAISE EXCEPTION 'properties needs the postgis and pg_trgm extensions in this database; run scripts/sql/bootstrap.sql as a superuser (scripts/db.sh up does)';
    END IF;
END
$$;

CREATE TABLE properties (
    id uuid PRIMARY KEY,
    slug varchar(255) NOT NULL UNIQUE CHECK (slug ~ '^[a-z0-9]+(-[a-z0-9]+)*$'),
    property_name varchar(255) NOT NULL CHECK (length(btrim(property_name)) > 0),
    property_type varchar(50) CHECK (property_type IN ('multi_family', 'apartment_complex', 'mixed_use', 'single_family', 'townhome', 'student_housing', 'senior_living', 'commercial', 'industrial', 'land')),

    address_line1 varchar(255) NOT NULL,
    address_line2 varchar(255),
    city varchar(100) NOT NULL,
    state char(2) NOT NULL CHECK (state ~ '^[A-Z]{2}$'),
    zip_code varchar(10) NOT NULL CHECK (zip_code ~ '^[0-9]{5}(-[0-9]{4})?$'),
    country varchar(50) NOT NULL DEFAULT 'USA',
    latitude numeric(10, 8) CHECK (latitude BETWEEN -90 AND 90),
    longitude numeric(11, 8) CHECK (longitude BETWEEN -180 AND 180),
    -- Derived so it can never disagree with latitude/longitude; GiST-indexed for `near=` search.
    location geography(Point, 4326) GENERATED ALWAYS AS (
        CASE WHEN latitude IS NOT NULL AND longitude IS NOT NULL
            THEN ST_SetSRID(ST_MakePoint(longitude::double precision, latitude::double precision), 4326)::geography
        END
    ) STORED,
    CONSTRAINT coordinates_paired CHECK ((latitude IS NULL) = (longitude IS NULL)),

    -- Opportunity Zone status: the 2010 census tract and whether a designation round lists it.
    oz_tract_geoid char(11) CHECK (oz_tract_geoid ~ '^[0-9]{11}$'),
    in_oz boolean NOT NULL DEFAULT false,

    year_built integer CHECK (year_built BETWEEN 1700 AND 2100),
    last_renovated integer CHECK (last_renovated BETWEEN 1700 AND 2100 AND last_renovated >= year_built),
    total_units integer NOT NULL CHECK (total_units > 0),
    total_buildings integer NOT NULL DEFAULT 1 CHECK (total_buildings > 0),
    total_sqft integer CHECK (total_sqft > 0),
    lot_size_acres numeric(10, 4) CHECK (lot_size_acres > 0),
    parking_spaces integer CHECK (parking_spaces >= 0),
    property_class varchar(1) CHECK (property_class IN ('A', 'B', 'C', 'D')),
    property_subtype varchar(50) CHECK (property_subtype IN ('garden', 'mid_rise', 'high_rise', 'townhome', 'single_family', 'other')),

    purchase_price numeric(15, 2) CHECK (purchase_price >= 0),
    purchase_date date,
    current_valuation numeric(15, 2) CHECK (current_valuation >= 0),
    valuation_date date,
    target_irr numeric(5, 2) CHECK (target_irr BETWEEN -100 AND 100),
    target_cash_on_cash numeric(5, 2) CHECK (target_cash_on_cash BETWEEN -100 AND 100),

    status varchar(20) NOT NULL DEFAULT 'prospect' CHECK (status IN ('prospect', 'active', 'renovating', 'selling', 'sold')),
    acquisition_status varchar(20) CHECK (acquisition_status IN ('evaluating', 'under_contract', 'owned')),
    occupancy_rate numeric(5, 2) CHECK (occupancy_rate BETWEEN 0 AND 100),
    -- Who may see it besides its sponsor and staff: nobody, signed-in users, or everyone.
    visibility varchar(20) NOT NULL DEFAULT 'private' CHECK (visibility IN ('private', 'investors', 'public')),

    management_company varchar(255),
    property_manager_name varchar(255),
    property_manager_phone varchar(20),
    property_manager_email varchar(255),

    investment_open boolean NOT NULL DEFAULT false,
    minimum_investment numeric(15, 2) CHECK (minimum_investment > 0),
    maximum_investment numeric(15, 2) CHECK (maximum_investment > 0),
    target_raise numeric(15, 2) CHECK (target_raise > 0),
    -- Kept in step by `investments` (through events); never written by this service's API.
    amount_raised numeric(15, 2) NOT NULL DEFAULT 0 CHECK (amount_raised >= 0),
    investor_count integer NOT NULL DEFAULT 0 CHECK (investor_count >= 0),
    CONSTRAINT minimum_within_maximum CHECK (minimum_investment <= maximum_investment),
    CONSTRAINT maximum_within_target CHECK (maximum_investment <= target_raise),

    amenities text[] NOT NULL DEFAULT '{}',
    features jsonb NOT NULL DEFAULT '{}' CHECK (jsonb_typeof(features) = 'object'),
    utilities_included text[] NOT NULL DEFAULT '{}',
    pet_policy varchar(255),

    market_name varchar(100),
    submarket_name varchar(100),
    walk_score integer CHECK (walk_score BETWEEN 0 AND 100),
    transit_score integer CHECK (transit_score BETWEEN 0 AND 100),
    bike_score integer CHECK (bike_score BETWEEN 0 AND 100),

    description text,
    investment_thesis text,
    executive_summary text,

    sponsor_id uuid NOT NULL,
    organization_id text,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    deleted_at timestamptz,

    -- Name weighs most, then the summary, then the description.
    search_document tsvector GENERATED ALWAYS AS (
        setweight(to_tsvector('english', coalesce(property_name, '')), 'A')
        || setweight(to_tsvector('english', coalesce(executive_summary, '')), 'B')
        || setweight(to_tsvector('english', coalesce(description, '')), 'C')
    ) STORED
);

-- Every list reads live rows only, newest first; partial indexes keep deleted rows out of them.
-- Lists default to newest first: ids are UUIDv7, so the primary key is already in that order.
CREATE INDEX properties_state ON properties (state) WHERE deleted_at IS NULL;
CREATE INDEX properties_city ON properties (lower(city)) WHERE deleted_at IS NULL;
CREATE INDEX properties_name ON properties (lower(property_name), id) WHERE deleted_at IS NULL;
CREATE INDEX properties_status ON properties (status) WHERE deleted_at IS NULL;
CREATE INDEX properties_type ON properties (property_type) WHERE deleted_at IS NULL;
CREATE INDEX properties_open ON properties (investment_open) WHERE deleted_at IS NULL AND investment_open;
CREATE INDEX properties_in_oz ON properties (in_oz) WHERE deleted_at IS NULL AND in_oz;
CREATE INDEX properties_sponsor ON properties (sponsor_id) WHERE deleted_at IS NULL;
CREATE INDEX properties_location ON properties USING gist (location) WHERE deleted_at IS NULL;
CREATE INDEX properties_search ON properties USING gin (search_document) WHERE deleted_at IS NULL;
CREATE INDEX properties_name_trigram ON properties USING gin (property_name gin_trgm_ops) WHERE deleted_at IS NULL;

-- 2010 census tract boundaries (TIGER/Line), loaded by scripts/import-tract-boundaries.sh; they
-- turn a point into a tract for `POST /v1/oz/check` with lat/lng and for properties' OZ status.
CREATE TABLE tract_boundaries (
    tract_geoid char(11) PRIMARY KEY CHECK (tract_geoid ~ '^[0-9]{11}$'),
    boundary geometry(MultiPolygon, 4326) NOT NULL
);

CREATE INDEX tract_boundaries_boundary ON tract_boundaries USING gist (boundary);

-- A property's OZ status follows its tract: given by the sponsor, or else found from its point.
-- A trigger, so no write path can forget it.
CREATE FUNCTION set_property_oz_status() RETURNS trigger LANGUAGE plpgsql
    -- Callers' search_path must not change what the names below mean.
    SET search_path = properties, public AS $$
BEGIN
    -- Generated columns (location) are not computed yet in a BEFORE trigger: use the numbers.
    IF NEW.oz_tract_geoid IS NULL AND NEW.latitude IS NOT NULL AND NEW.longitude IS NOT NULL THEN
        NEW.oz_tract_geoid := (
            SELECT tract_geoid FROM tract_boundaries
            WHERE ST_Covers(boundary, ST_SetSRID(ST_MakePoint(NEW.longitude::double precision, NEW.latitude::double precision), 4326))
            ORDER BY tract_geoid LIMIT 1
        );
    END IF;
    NEW.in_oz := NEW.oz_tract_geoid IS NOT NULL AND EXISTS (SELECT FROM oz_tracts WHERE tract_geoid = NEW.oz_tract_geoid);
    RETURN NEW;
END
$$;

CREATE TRIGGER property_oz_status BEFORE INSERT OR UPDATE OF oz_tract_geoid, latitude, longitude ON properties
    FOR EACH ROW EXECUTE FUNCTION set_property_oz_status();

-- The API's JSON for a property, built where the row is: amounts as exact decimal strings and
-- timestamps in UTC with milliseconds (ARCHITECTURE.md conventions), internal columns left out.
CREATE FUNCTION property_document(p properties) RETURNS jsonb LANGUAGE sql STABLE AS $$
    SELECT (to_jsonb(p) - ARRAY['location', 'search_document', 'deleted_at']) || jsonb_build_object(
        'latitude', p.latitude::double precision,
        'longitude', p.longitude::double precision,
        'lot_size_acres', p.lot_size_acres::double precision,
        'target_irr', p.target_irr::double precision,
        'target_cash_on_cash', p.target_cash_on_cash::double precision,
        'occupancy_rate', p.occupancy_rate::double precision,
        'purchase_price', p.purchase_price::text,
        'current_valuation', p.current_valuation::text,
        'minimum_investment', p.minimum_investment::text,
        'maximum_investment', p.maximum_investment::text,
        'target_raise', p.target_raise::text,
        'amount_raised', p.amount_raised::text,
        'created_at', to_char(p.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'),
        'updated_at', to_char(p.updated_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')
    )
$$;

-- Rate limits for the public OZ check, shared by every replica (same shape as auth's).
CREATE TABLE rate_limit_buckets (
    action text NOT NULL,
    identifier text NOT NULL,
    tokens double precision NOT NULL,
    allowed boolean NOT NULL,
    updated_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (action, identifier)
);

CREATE INDEX rate_limit_buckets_stale ON rate_limit_buckets (updated_at);
