-- The investments service's tables (seed 001 §2.4, §2.5 statements, users.verifications; seed 000
-- investor_profiles), under ARCHITECTURE.md's rules: timestamptz, numeric(15,2) money, UUIDv7 ids
-- made by the service, and no foreign key into another service's schema (users and properties are
-- plain UUIDs, properties kept in step by events).

-- What investments knows of each property, from `property.*` events and the check made when an
-- offering is created. Never read from the properties schema.
CREATE TABLE investments.property_copies (
    property_id uuid PRIMARY KEY,
    sponsor_id uuid NOT NULL,
    property_name text NOT NULL,
    slug text NOT NULL,
    status text NOT NULL,
    visibility text NOT NULL,
    city text NOT NULL,
    state text NOT NULL,
    property_type text,
    property_class text,
    in_oz boolean NOT NULL,
    oz_tract_geoid text,
    investment_open boolean NOT NULL,
    minimum_investment numeric(15,2),
    maximum_investment numeric(15,2),
    target_raise numeric(15,2),
    deleted boolean NOT NULL DEFAULT false,
    updated_at timestamptz NOT NULL DEFAULT now()
);

-- One offering per property: the terms investors commit under (seed 001's property investment fields).
CREATE TABLE investments.offerings (
    id uuid PRIMARY KEY,
    property_id uuid NOT NULL UNIQUE REFERENCES investments.property_copies (property_id),
    sponsor_id uuid NOT NULL,
    name text NOT NULL CHECK (length(name) BETWEEN 1 AND 255),
    status text NOT NULL DEFAULT 'open' CHECK (status IN ('draft', 'open', 'closed', 'cancelled')),
    open_date date,
    close_date date CHECK (close_date IS NULL OR open_date IS NULL OR close_date >= open_date),
    minimum_investment numeric(15,2) NOT NULL CHECK (minimum_investment > 0),
    maximum_investment numeric(15,2) CHECK (maximum_investment IS NULL OR maximum_investment >= minimum_investment),
    target_raise numeric(15,2) NOT NULL CHECK (target_raise >= minimum_investment),
    -- Derived in the same statement as each commitment or cancellation, never recomputed later.
    -- The CHECK is the last line against oversubscription; the commit statement is the first.
    amount_raised numeric(15,2) NOT NULL DEFAULT 0 CHECK (amount_raised >= 0 AND amount_raised <= target_raise),
    investor_count integer NOT NULL DEFAULT 0 CHECK (investor_count >= 0),
    share_classes text[] NOT NULL DEFAULT '{common}' CHECK (cardinality(share_classes) BETWEEN 1 AND 10),
    -- SEC Rule 506(c): only verified accredited investors may commit.
    requires_accreditation boolean NOT NULL DEFAULT true,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now()
);

CREATE INDEX offerings_list ON investments.offerings (created_at DESC, id DESC);
CREATE INDEX offerings_sponsor ON investments.offerings (sponsor_id);

-- seed 001 investments.property_investments: one position per investor and offering.
CREATE TABLE investments.investments (
    id uuid PRIMARY KEY,
    offering_id uuid NOT NULL REFERENCES investments.offerings (id),
    property_id uuid NOT NULL,
    investor_id uuid NOT NULL,
    amount numeric(15,2) NOT NULL CHECK (amount > 0),
    share_class text NOT NULL,
    status text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'committed', 'funded', 'exited', 'cancelled')),
    commitment_date date,
    funding_date date,
    expected_exit_date date,
    actual_exit_date date,
    exit_proceeds numeric(15,2) CHECK (exit_proceeds IS NULL OR exit_proceeds >= 0),
    total_distributions numeric(15,2) NOT NULL DEFAULT 0,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now()
);

CREATE UNIQUE INDEX investments_one_live_position ON investments.investments (offering_id, investor_id)
    WHERE status <> 'cancelled';
CREATE INDEX investments_investor ON investments.investments (investor_id, created_at DESC, id DESC);
CREATE INDEX investments_offering ON investments.investments (offering_id, created_at DESC, id DESC);

-- The ledger (seed 001 investments.transactions): every movement of money, append-only.
-- Amounts are signed from the investor's side: money in is negative, money out positive.
CREATE TABLE investments.transactions (
    id uuid PRIMARY KEY,
    investor_id uuid NOT NULL,
    investment_id uuid REFERENCES investments.investments (id),
    offering_id uuid REFERENCES investments.offerings (id),
    distribution_id uuid,
    type text NOT NULL CHECK (type IN ('commitment', 'commitment_released', 'investment', 'distribution',
        'return_of_capital', 'tax_withholding', 'exit_proceeds', 'fee')),
    amount numeric(15,2) NOT NULL,
    currency char(3) NOT NULL DEFAULT 'USD',
    status text NOT NULL DEFAULT 'completed' CHECK (status IN ('pending', 'completed', 'failed')),
    description text,
    occurred_on date NOT NULL DEFAULT current_date,
    created_at timestamptz NOT NULL DEFAULT now()
);

CREATE INDEX transactions_investor ON investments.transactions (investor_id, occurred_on, created_at);
CREATE INDEX transactions_investment ON investments.transactions (investment_id);

-- seed 001 investments.distributions (the per-property one; ARCHITECTURE.md keeps one table).
CREATE TABLE investments.distributions (
    id uuid PRIMARY KEY,
    offering_id uuid NOT NULL REFERENCES investments.offerings (id),
    property_id uuid NOT NULL,
    distribution_type text NOT NULL CHECK (distribution_type IN ('monthly_income', 'quarterly', 'refinance', 'sale_proceeds')),
    distribution_date date NOT NULL,
    total_amount numeric(15,2) NOT NULL CHECK (total_amount > 0),
    calculation_method text NOT NULL CHECK (calculation_method IN ('pro_rata', 'waterfall')),
    -- The waterfall's terms and each tier's split, as computed; null for pro rata.
    waterfall jsonb,
    investors_total numeric(15,2) NOT NULL,
    sponsor_total numeric(15,2) NOT NULL DEFAULT 0,
    status text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'processing', 'completed')),
    processed_at timestamptz,
    notes text,
    created_by uuid NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    CHECK (investors_total + sponsor_total = total_amount)
);

CREATE INDEX distributions_offering ON investments.distributions (offering_id, created_at DESC, id DESC);

CREATE TABLE investments.investor_distributions (
    id uuid PRIMARY KEY,
    distribution_id uuid NOT NULL REFERENCES investments.distributions (id),
    investment_id uuid NOT NULL REFERENCES investments.investments (id),
    investor_id uuid NOT NULL,
    property_id uuid NOT NULL,
    distribution_amount numeric(15,2) NOT NULL CHECK (distribution_amount >= 0),
    tax_withholding numeric(15,2) NOT NULL DEFAULT 0 CHECK (tax_withholding >= 0),
    net_distribution numeric(15,2) NOT NULL,
    payment_method text CHECK (payment_method IN ('ach', 'wire', 'check')),
    payment_status text NOT NULL DEFAULT 'pending' CHECK (payment_status IN ('pending', 'sent', 'completed')),
    payment_date date,
    created_at timestamptz NOT NULL DEFAULT now(),
    UNIQUE (distribution_id, investor_id),
    CHECK (net_distribution = distribution_amount - tax_withholding)
);

CREATE INDEX investor_distributions_investor ON investments.investor_distributions (investor_id, created_at DESC);

-- seed 000 investor_profiles: the "qualify as an investor" flow.
CREATE TABLE investments.investor_profiles (
    user_id uuid PRIMARY KEY,
    cap_gain_or_not boolean,
    size_of_cap_gain numeric(15,2) CHECK (size_of_cap_gain IS NULL OR size_of_cap_gain >= 0),
    time_of_cap_gain date,
    tax_bracket numeric(5,4) CHECK (tax_bracket IS NULL OR tax_bracket BETWEEN 0 AND 1),
    geographical_zone_of_investment text,
    profile_completion_score integer NOT NULL DEFAULT 0 CHECK (profile_completion_score BETWEEN 0 AND 100),
    tax_calculator_used boolean NOT NULL DEFAULT false,
    last_tax_estimate jsonb,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now()
);

-- seed 001 users.verifications, reviewed by staff (accreditation, SEC Rule 506(c)).
CREATE TABLE investments.verifications (
    id uuid PRIMARY KEY,
    user_id uuid NOT NULL,
    type text NOT NULL CHECK (type IN ('accredited', 'kyc', 'aml', 'identity')),
    status text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'approved', 'rejected', 'expired')),
    method text CHECK (method IN ('income', 'net_worth', 'license', 'third_party')),
    provider text,
    verification_data jsonb,
    rejection_reason text,
    expires_at timestamptz,
    submitted_at timestamptz NOT NULL DEFAULT now(),
    reviewed_at timestamptz,
    reviewed_by uuid,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    CHECK (status <> 'approved' OR (expires_at IS NOT NULL AND reviewed_at IS NOT NULL))
);

CREATE INDEX verifications_user ON investments.verifications (user_id, type, status);
CREATE INDEX verifications_queue ON investments.verifications (status, created_at, id);

-- The JSON each resource is sent as, written once here so lists and single reads agree and
-- amounts leave as exact decimal strings (numeric → text), never as JSON numbers.
CREATE FUNCTION investments.offering_document(o investments.offerings, p investments.property_copies) RETURNS jsonb
LANGUAGE sql STABLE AS $$
    SELECT jsonb_build_object(
        'id', o.id, 'property_id', o.property_id, 'sponsor_id', o.sponsor_id, 'name', o.name, 'status', o.status,
        'open_date', o.open_date, 'close_date', o.close_date,
        'minimum_investment', o.minimum_investment::text, 'maximum_investment', o.maximum_investment::text,
        'target_raise', o.target_raise::text, 'amount_raised', o.amount_raised::text,
        'remaining', (o.target_raise - o.amount_raised)::text, 'investor_count', o.investor_count,
        'share_classes', to_jsonb(o.share_classes), 'requires_accreditation', o.requires_accreditation,
        'property', jsonb_build_object(
            'name', p.property_name, 'slug', p.slug, 'city', p.city, 'state', p.state,
            'property_type', p.property_type, 'property_class', p.property_class, 'in_oz', p.in_oz,
            'oz_tract_geoid', p.oz_tract_geoid),
        'created_at', o.created_at, 'updated_at', o.updated_at)
$$;

CREATE FUNCTION investments.investment_document(i investments.investments) RETURNS jsonb
LANGUAGE sql STABLE AS $$
    SELECT jsonb_build_object(
        'id', i.id, 'offering_id', i.offering_id, 'property_id', i.property_id, 'investor_id', i.investor_id,
        'amount', i.amount::text, 'share_class', i.share_class, 'status', i.status,
        'commitment_date', i.commitment_date, 'funding_date', i.funding_date,
        'expected_exit_date', i.expected_exit_date, 'actual_exit_date', i.actual_exit_date,
        'exit_proceeds', i.exit_proceeds::text, 'total_distributions', i.total_distributions::text,
        'created_at', i.created_at, 'updated_at', i.updated_at)
$$;
