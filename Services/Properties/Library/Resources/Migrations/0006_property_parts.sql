-- The parts of a property (seed 001 §2.3 units, floor plans and comparables; §2.6 renovations with
-- unit renovations and progress updates; §2.8 market areas and valuations), all in the
-- `properties` schema, which this service owns. Beside the seed: UUIDv7 ids made by the service,
-- timestamptz, soft delete (`deleted_at`) and `updated_at` on every table, the seed's comments
-- made CHECK constraints (PropertyParts' validation gives the messages), and composite foreign
-- keys so that a part's references stay inside one property (a unit's floor plan, a unit
-- renovation's unit and project). Lists read live rows of one parent in a fixed order; the
-- partial indexes below serve exactly those.

CREATE TABLE floor_plans (
    id uuid PRIMARY KEY,
    property_id uuid NOT NULL REFERENCES properties (id),
    name varchar(100) NOT NULL CHECK (length(btrim(name)) > 0),
    unit_type varchar(50) CHECK (unit_type IN ('studio', '1br', '2br', '3br', '4br', '5br')),
    bedrooms integer CHECK (bedrooms BETWEEN 0 AND 20),
    bathrooms numeric(3, 1) CHECK (bathrooms BETWEEN 0 AND 20 AND bathrooms * 2 = trunc(bathrooms * 2)),
    sqft_min integer CHECK (sqft_min > 0),
    sqft_max integer CHECK (sqft_max > 0),
    base_rent numeric(15, 2) CHECK (base_rent >= 0),
    market_rent numeric(15, 2) CHECK (market_rent >= 0),
    total_units integer CHECK (total_units >= 0),
    available_units integer NOT NULL DEFAULT 0 CHECK (available_units >= 0),
    floor_plan_image_url varchar(500) CHECK (floor_plan_image_url ~ '^https?://'),
    -- The seed's floor_plan_3d_url, renamed: JSON keys with digits do not survive snake_case round trips.
    floor_plan_model_url varchar(500) CHECK (floor_plan_model_url ~ '^https?://'),
    virtual_tour_url varchar(500) CHECK (virtual_tour_url ~ '^https?://'),
    features jsonb NOT NULL DEFAULT '{}' CHECK (jsonb_typeof(features) = 'object'),
    appliances text[] NOT NULL DEFAULT '{}',
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    deleted_at timestamptz,
    CONSTRAINT floor_plans_sqft_range CHECK (sqft_min <= sqft_max),
    CONSTRAINT floor_plans_available_units CHECK (available_units <= total_units),
    -- The target of units' (floor_plan_id, property_id) reference.
    UNIQUE (id, property_id)
);

CREATE INDEX floor_plans_list ON floor_plans (property_id, lower(name), id) WHERE deleted_at IS NULL;

CREATE TABLE units (
    id uuid PRIMARY KEY,
    property_id uuid NOT NULL REFERENCES properties (id),
    -- Not in the seed: the plan the unit is built to, of the same property (composite key).
    floor_plan_id uuid,
    unit_number varchar(20) NOT NULL CHECK (length(btrim(unit_number)) > 0),
    building_number varchar(20),
    floor integer CHECK (floor BETWEEN -5 AND 200),
    unit_type varchar(50) CHECK (unit_type IN ('studio', '1br', '2br', '3br', '4br', '5br')),
    bedrooms integer CHECK (bedrooms BETWEEN 0 AND 20),
    bathrooms numeric(3, 1) CHECK (bathrooms BETWEEN 0 AND 20 AND bathrooms * 2 = trunc(bathrooms * 2)),
    sqft integer CHECK (sqft > 0),
    current_rent numeric(15, 2) CHECK (current_rent >= 0),
    market_rent numeric(15, 2) CHECK (market_rent >= 0),
    last_rent_increase date,
    occupancy_status varchar(20) CHECK (occupancy_status IN ('occupied', 'vacant', 'notice', 'renovation')),
    lease_start_date date,
    lease_end_date date,
    move_in_date date,
    notice_date date,
    condition_rating integer CHECK (condition_rating BETWEEN 1 AND 5),
    last_inspection_date date,
    renovation_status varchar(20) CHECK (renovation_status IN ('classic', 'renovated', 'in_progress')),
    renovation_completed_date date,
    appliances text[] NOT NULL DEFAULT '{}',
    flooring_type varchar(50),
    has_balcony boolean NOT NULL DEFAULT false,
    has_patio boolean NOT NULL DEFAULT false,
    view_type varchar(50),
    notes text,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    deleted_at timestamptz,
    CONSTRAINT units_lease_dates CHECK (lease_end_date >= lease_start_date),
    CONSTRAINT units_floor_plan FOREIGN KEY (floor_plan_id, property_id) REFERENCES floor_plans (id, property_id),
    UNIQUE (id, property_id)
);

-- Seed: UNIQUE(property_id, unit_number), among live units (a deleted unit's number is free again).
CREATE UNIQUE INDEX units_number ON units (property_id, lower(unit_number)) WHERE deleted_at IS NULL;
CREATE INDEX units_floor_plan ON units (floor_plan_id) WHERE deleted_at IS NULL AND floor_plan_id IS NOT NULL;

CREATE TABLE comparable_properties (
    id uuid PRIMARY KEY,
    property_id uuid NOT NULL REFERENCES properties (id),
    comp_name varchar(255) NOT NULL CHECK (length(btrim(comp_name)) > 0),
    comp_address varchar(500),
    distance_miles numeric(5, 2) CHECK (distance_miles >= 0),
    total_units integer CHECK (total_units > 0),
    year_built integer CHECK (year_built BETWEEN 1700 AND 2100),
    property_class varchar(1) CHECK (property_class IN ('A', 'B', 'C', 'D')),
    occupancy_rate numeric(5, 2) CHECK (occupancy_rate BETWEEN 0 AND 100),
    average_rent numeric(15, 2) CHECK (average_rent >= 0),
    rent_per_sqft numeric(10, 4) CHECK (rent_per_sqft >= 0),
    data_source varchar(50) CHECK (data_source IN ('costar', 'reis', 'manual')),
    last_updated date,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    deleted_at timestamptz
);

CREATE INDEX comparable_properties_list ON comparable_properties (property_id, id) WHERE deleted_at IS NULL;

CREATE TABLE renovation_projects (
    id uuid PRIMARY KEY,
    property_id uuid NOT NULL REFERENCES properties (id),
    project_name varchar(255) NOT NULL CHECK (length(btrim(project_name)) > 0),
    project_type varchar(50) CHECK (project_type IN ('value_add', 'maintenance', 'capital_improvement')),
    planned_start_date date,
    actual_start_date date,
    planned_end_date date,
    actual_end_date date,
    estimated_cost numeric(15, 2) CHECK (estimated_cost >= 0),
    approved_budget numeric(15, 2) CHECK (approved_budget >= 0),
    actual_cost numeric(15, 2) CHECK (actual_cost >= 0),
    scope_description text,
    units_affected integer CHECK (units_affected >= 0),
    common_areas_affected text[] NOT NULL DEFAULT '{}',
    status varchar(20) NOT NULL DEFAULT 'planning' CHECK (status IN ('planning', 'approved', 'in_progress', 'completed')),
    -- Follows the latest progress update that states one (RenovationProgress keeps it so).
    completion_percentage integer NOT NULL DEFAULT 0 CHECK (completion_percentage BETWEEN 0 AND 100),
    -- Increases may be negative: a project can lose income.
    projected_noi_increase numeric(15, 2),
    projected_rent_increase numeric(15, 2),
    actual_noi_increase numeric(15, 2),
    actual_rent_increase numeric(15, 2),
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    deleted_at timestamptz,
    CONSTRAINT renovation_projects_planned_dates CHECK (planned_end_date >= planned_start_date),
    CONSTRAINT renovation_projects_actual_dates CHECK (actual_end_date >= actual_start_date),
    CONSTRAINT renovation_projects_end_needs_start CHECK (actual_end_date IS NULL OR actual_start_date IS NOT NULL),
    UNIQUE (id, property_id)
);

CREATE INDEX renovation_projects_list ON renovation_projects (property_id, id) WHERE deleted_at IS NULL;
CREATE INDEX renovation_projects_status ON renovation_projects (status) WHERE deleted_at IS NULL;

CREATE TABLE unit_renovations (
    id uuid PRIMARY KEY,
    project_id uuid NOT NULL,
    -- Carried so both references below can insist on the same property.
    property_id uuid NOT NULL,
    unit_id uuid NOT NULL,
    renovation_scope text[] NOT NULL DEFAULT '{}',
    start_date date,
    end_date date,
    days_vacant integer CHECK (days_vacant >= 0),
    budgeted_cost numeric(15, 2) CHECK (budgeted_cost >= 0),
    actual_cost numeric(15, 2) CHECK (actual_cost >= 0),
    pre_renovation_rent numeric(15, 2) CHECK (pre_renovation_rent >= 0),
    post_renovation_rent numeric(15, 2) CHECK (post_renovation_rent >= 0),
    status varchar(20) NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'in_progress', 'completed')),
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    deleted_at timestamptz,
    CONSTRAINT unit_renovations_dates CHECK (end_date >= start_date),
    CONSTRAINT unit_renovations_project FOREIGN KEY (project_id, property_id) REFERENCES renovation_projects (id, property_id),
    CONSTRAINT unit_renovations_unit FOREIGN KEY (unit_id, property_id) REFERENCES units (id, property_id)
);

-- One live renovation of a unit per project.
CREATE UNIQUE INDEX unit_renovations_unit_once ON unit_renovations (project_id, unit_id) WHERE deleted_at IS NULL;
CREATE INDEX unit_renovations_list ON unit_renovations (project_id, id) WHERE deleted_at IS NULL;
CREATE INDEX unit_renovations_unit ON unit_renovations (unit_id) WHERE deleted_at IS NULL;

CREATE TABLE renovation_progress_updates (
    id uuid PRIMARY KEY,
    project_id uuid NOT NULL,
    -- Carried, as by unit renovations, so every part of a project names its property too.
    property_id uuid NOT NULL,
    update_date date NOT NULL,
    completion_percentage integer CHECK (completion_percentage BETWEEN 0 AND 100),
    units_completed integer CHECK (units_completed >= 0),
    spent_to_date numeric(15, 2) CHECK (spent_to_date >= 0),
    issues_encountered text,
    change_orders jsonb NOT NULL DEFAULT '[]' CHECK (jsonb_typeof(change_orders) = 'array'),
    photo_urls text[] NOT NULL DEFAULT '{}',
    video_url varchar(500) CHECK (video_url ~ '^https?://'),
    contractor_notes text,
    manager_notes text,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    deleted_at timestamptz,
    CONSTRAINT renovation_progress_updates_project FOREIGN KEY (project_id, property_id) REFERENCES renovation_projects (id, property_id)
);

-- Newest first, and the latest one sets the project's completion.
CREATE INDEX renovation_progress_updates_list ON renovation_progress_updates (project_id, update_date DESC, id DESC)
    WHERE deleted_at IS NULL;

CREATE TABLE market_areas (
    id uuid PRIMARY KEY,
    market_name varchar(100) NOT NULL CHECK (length(btrim(market_name)) > 0),
    state char(2) CHECK (state ~ '^[A-Z]{2}$'),
    metro_area varchar(100),
    population integer CHECK (population >= 0),
    population_growth_rate numeric(5, 2) CHECK (population_growth_rate BETWEEN -100 AND 100),
    median_household_income numeric(15, 2) CHECK (median_household_income >= 0),
    unemployment_rate numeric(5, 2) CHECK (unemployment_rate BETWEEN 0 AND 100),
    median_home_price numeric(15, 2) CHECK (median_home_price >= 0),
    median_rent numeric(15, 2) CHECK (median_rent >= 0),
    vacancy_rate numeric(5, 2) CHECK (vacancy_rate BETWEEN 0 AND 100),
    data_date date,
    data_source varchar(50),
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    deleted_at timestamptz
);

-- Seed: UNIQUE(market_name, state), among live areas; a market without a state is one market too.
CREATE UNIQUE INDEX market_areas_name ON market_areas (lower(market_name), coalesce(state, '')) WHERE deleted_at IS NULL;

CREATE TABLE property_valuations (
    id uuid PRIMARY KEY,
    property_id uuid NOT NULL REFERENCES properties (id),
    valuation_date date NOT NULL,
    valuation_type varchar(50) CHECK (valuation_type IN ('appraisal', 'bpo', 'automated', 'internal')),
    valuation_amount numeric(15, 2) CHECK (valuation_amount >= 0),
    valuation_method varchar(50) CHECK (valuation_method IN ('income', 'sales_comp', 'cost')),
    cap_rate_used numeric(5, 2) CHECK (cap_rate_used BETWEEN 0 AND 100),
    noi_used numeric(15, 2),
    comparable_sales jsonb NOT NULL DEFAULT '[]' CHECK (jsonb_typeof(comparable_sales) = 'array'),
    appraiser_name varchar(255),
    appraiser_license varchar(100),
    report_url varchar(500) CHECK (report_url ~ '^https?://'),
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    deleted_at timestamptz
);

CREATE INDEX property_valuations_list ON property_valuations (property_id, valuation_date DESC, id DESC) WHERE deleted_at IS NULL;

-- A part's API JSON from its row: amounts (the columns named in `amounts`) as exact decimal strings,
-- timestamps in UTC with milliseconds, nulls and `deleted_at` left out — as property_document does.
CREATE FUNCTION part_document(part jsonb, amounts text[]) RETURNS jsonb
    LANGUAGE sql STABLE PARALLEL SAFE
AS $$
    SELECT jsonb_strip_nulls(
        (part - 'deleted_at')
        || coalesce((
            SELECT jsonb_object_agg(key, value #>> '{}') FROM jsonb_each(part)
            WHERE key = ANY (amounts) AND jsonb_typeof(value) = 'number'
        ), '{}')
        || jsonb_build_object(
            'created_at', to_char((part ->> 'created_at')::timestamptz AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'),
            'updated_at', to_char((part ->> 'updated_at')::timestamptz AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')
        )
    )
$$;
