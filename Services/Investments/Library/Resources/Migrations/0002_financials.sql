-- Property financials (seed 001 §2.5) in the `financials` schema, which investments owns
-- (ARCHITECTURE.md). Same rules as 0001: timestamptz, numeric(15,2) money (the seed's
-- DECIMAL(10,2) rent columns too), UUIDv7 ids made by the service. `property_id` is the property
-- copy investments keeps (`investments.property_copies`), never a key into the properties schema.
--
-- No rate is stored. NOI, cap rate, DSCR, cash-on-cash, occupancy and collection rate are derived
-- on read from these rows (Rules/PeriodPerformance.swift), so a corrected figure can never leave a
-- stale ratio behind; the API gives every rate as a fraction (0.065 is 6.5%).
--
-- The seed has no CHECKs here; these are the API's rules (Financials/*.swift refuses the same
-- things first, field by field), kept here as the last line.

-- One row per property and period: the parts a sponsor records, with the totals the server computed
-- from them (Rules/PropertyMetrics.swift). The CHECKs hold the totals to their parts.
CREATE TABLE financials.property_income (
    id uuid PRIMARY KEY,
    property_id uuid NOT NULL REFERENCES investments.property_copies (property_id),
    period_start date NOT NULL,
    -- At most a year (Rules/FinancialPeriod.swift): the yearly ratios annualise shorter periods.
    period_end date NOT NULL CHECK (period_end >= period_start AND period_end < period_start + interval '1 year'),
    gross_rental_income numeric(15,2) NOT NULL CHECK (gross_rental_income >= 0),
    vacancy_loss numeric(15,2) NOT NULL DEFAULT 0 CHECK (vacancy_loss >= 0),
    concessions numeric(15,2) NOT NULL DEFAULT 0 CHECK (concessions >= 0),
    -- Not in the seed: rent billed and never collected, which effective income deducts.
    bad_debt numeric(15,2) NOT NULL DEFAULT 0 CHECK (bad_debt >= 0),
    -- Vacancy, concessions and bad debt come out of gross potential rent, so never exceed it.
    effective_rental_income numeric(15,2) NOT NULL CHECK (effective_rental_income >= 0),
    parking_income numeric(15,2) NOT NULL DEFAULT 0 CHECK (parking_income >= 0),
    laundry_income numeric(15,2) NOT NULL DEFAULT 0 CHECK (laundry_income >= 0),
    pet_income numeric(15,2) NOT NULL DEFAULT 0 CHECK (pet_income >= 0),
    application_fees numeric(15,2) NOT NULL DEFAULT 0 CHECK (application_fees >= 0),
    late_fees numeric(15,2) NOT NULL DEFAULT 0 CHECK (late_fees >= 0),
    other_income numeric(15,2) NOT NULL DEFAULT 0 CHECK (other_income >= 0),
    total_income numeric(15,2) NOT NULL,
    recorded_by uuid NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    -- Also the list's index: a property's periods, newest first.
    UNIQUE (property_id, period_start, period_end),
    CHECK (effective_rental_income = gross_rental_income - vacancy_loss - concessions - bad_debt),
    CHECK (total_income = effective_rental_income + parking_income + laundry_income + pet_income
        + application_fees + late_fees + other_income)
);

CREATE TABLE financials.property_expenses (
    id uuid PRIMARY KEY,
    property_id uuid NOT NULL REFERENCES investments.property_copies (property_id),
    period_start date NOT NULL,
    period_end date NOT NULL CHECK (period_end >= period_start AND period_end < period_start + interval '1 year'),
    property_management numeric(15,2) NOT NULL DEFAULT 0 CHECK (property_management >= 0),
    maintenance_repairs numeric(15,2) NOT NULL DEFAULT 0 CHECK (maintenance_repairs >= 0),
    utilities numeric(15,2) NOT NULL DEFAULT 0 CHECK (utilities >= 0),
    insurance numeric(15,2) NOT NULL DEFAULT 0 CHECK (insurance >= 0),
    property_taxes numeric(15,2) NOT NULL DEFAULT 0 CHECK (property_taxes >= 0),
    payroll numeric(15,2) NOT NULL DEFAULT 0 CHECK (payroll >= 0),
    advertising numeric(15,2) NOT NULL DEFAULT 0 CHECK (advertising >= 0),
    legal_professional numeric(15,2) NOT NULL DEFAULT 0 CHECK (legal_professional >= 0),
    landscaping numeric(15,2) NOT NULL DEFAULT 0 CHECK (landscaping >= 0),
    -- Below the NOI line: capital spending and debt service.
    capital_improvements numeric(15,2) NOT NULL DEFAULT 0 CHECK (capital_improvements >= 0),
    mortgage_principal numeric(15,2) NOT NULL DEFAULT 0 CHECK (mortgage_principal >= 0),
    mortgage_interest numeric(15,2) NOT NULL DEFAULT 0 CHECK (mortgage_interest >= 0),
    total_operating_expenses numeric(15,2) NOT NULL,
    total_expenses numeric(15,2) NOT NULL,
    recorded_by uuid NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    UNIQUE (property_id, period_start, period_end),
    CHECK (total_operating_expenses = property_management + maintenance_repairs + utilities + insurance
        + property_taxes + payroll + advertising + legal_professional + landscaping),
    CHECK (total_expenses = total_operating_expenses + capital_improvements + mortgage_principal + mortgage_interest)
);

-- What the sponsor states about a period besides income and expenses: the inputs of the seed's
-- performance ratios that no other row holds (value for the cap rate, equity for cash-on-cash,
-- units for occupancy, rent collected for the collection rate). Each may be unknown. A row is also
-- what publishes a period's performance to the property's investors.
CREATE TABLE financials.property_performance (
    id uuid PRIMARY KEY,
    property_id uuid NOT NULL REFERENCES investments.property_copies (property_id),
    period_start date NOT NULL,
    period_end date NOT NULL CHECK (period_end >= period_start AND period_end < period_start + interval '1 year'),
    property_value numeric(15,2) CHECK (property_value > 0),
    equity numeric(15,2) CHECK (equity > 0),
    units_total integer CHECK (units_total BETWEEN 0 AND 100000),
    units_occupied integer CHECK (units_occupied >= 0 AND units_occupied <= units_total),
    rent_collected numeric(15,2) CHECK (rent_collected >= 0),
    recorded_by uuid NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    UNIQUE (property_id, period_start, period_end),
    CHECK (units_occupied IS NULL OR units_total IS NOT NULL)
);

-- One row per unit on each as-of date. `unit_id` is a unit in the properties service (no key across
-- services, and properties has no internal route for units yet), kept with its number as the
-- sponsor sent it. `tenant_name` is personal data: only the sponsor and admins read it, and it goes
-- in no event or log.
CREATE TABLE financials.rent_roll (
    id uuid PRIMARY KEY,
    property_id uuid NOT NULL REFERENCES investments.property_copies (property_id),
    as_of_date date NOT NULL,
    unit_id uuid NOT NULL,
    unit_number text NOT NULL CHECK (length(unit_number) BETWEEN 1 AND 50),
    -- Null for a vacant unit.
    tenant_name text CHECK (length(tenant_name) BETWEEN 1 AND 255),
    lease_start date,
    lease_end date CHECK (lease_end >= lease_start),
    monthly_rent numeric(15,2) CHECK (monthly_rent >= 0),
    security_deposit numeric(15,2) CHECK (security_deposit >= 0),
    -- What the tenant owes; negative when they are in credit.
    current_balance numeric(15,2) NOT NULL DEFAULT 0,
    days_delinquent integer NOT NULL DEFAULT 0 CHECK (days_delinquent BETWEEN 0 AND 36500),
    recorded_by uuid NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    UNIQUE (property_id, as_of_date, unit_id),
    -- Also the list's index: a property's roll by date, then unit number.
    UNIQUE (property_id, as_of_date, unit_number)
);

-- The JSON each row is sent as, amounts as exact decimal strings (numeric → text). Performance
-- adds its derived figures in Swift (Rules/PeriodPerformance.swift) to `performance_document`.
CREATE FUNCTION financials.income_document(i financials.property_income) RETURNS jsonb
LANGUAGE sql STABLE AS $$
    SELECT jsonb_build_object(
        'id', i.id, 'property_id', i.property_id, 'period_start', i.period_start, 'period_end', i.period_end,
        'gross_rental_income', i.gross_rental_income::text, 'vacancy_loss', i.vacancy_loss::text,
        'concessions', i.concessions::text, 'bad_debt', i.bad_debt::text,
        'effective_rental_income', i.effective_rental_income::text, 'parking_income', i.parking_income::text,
        'laundry_income', i.laundry_income::text, 'pet_income', i.pet_income::text,
        'application_fees', i.application_fees::text, 'late_fees', i.late_fees::text,
        'other_income', i.other_income::text, 'total_income', i.total_income::text,
        'created_at', i.created_at, 'updated_at', i.updated_at)
$$;

CREATE FUNCTION financials.expenses_document(e financials.property_expenses) RETURNS jsonb
LANGUAGE sql STABLE AS $$
    SELECT jsonb_build_object(
        'id', e.id, 'property_id', e.property_id, 'period_start', e.period_start, 'period_end', e.period_end,
        'property_management', e.property_management::text, 'maintenance_repairs', e.maintenance_repairs::text,
        'utilities', e.utilities::text, 'insurance', e.insurance::text, 'property_taxes', e.property_taxes::text,
        'payroll', e.payroll::text, 'advertising', e.advertising::text,
        'legal_professional', e.legal_professional::text, 'landscaping', e.landscaping::text,
        'capital_improvements', e.capital_improvements::text, 'mortgage_principal', e.mortgage_principal::text,
        'mortgage_interest', e.mortgage_interest::text,
        'total_operating_expenses', e.total_operating_expenses::text, 'total_expenses', e.total_expenses::text,
        'created_at', e.created_at, 'updated_at', e.updated_at)
$$;

CREATE FUNCTION financials.performance_document(p financials.property_performance) RETURNS jsonb
LANGUAGE sql STABLE AS $$
    SELECT jsonb_build_object(
        'id', p.id, 'property_id', p.property_id, 'period_start', p.period_start, 'period_end', p.period_end,
        'property_value', p.property_value::text, 'equity', p.equity::text, 'units_total', p.units_total,
        'units_occupied', p.units_occupied, 'rent_collected', p.rent_collected::text,
        'created_at', p.created_at, 'updated_at', p.updated_at)
$$;

CREATE FUNCTION financials.rent_roll_document(r financials.rent_roll) RETURNS jsonb
LANGUAGE sql STABLE AS $$
    SELECT jsonb_build_object(
        'id', r.id, 'property_id', r.property_id, 'as_of_date', r.as_of_date, 'unit_id', r.unit_id,
        'unit_number', r.unit_number, 'tenant_name', r.tenant_name, 'lease_start', r.lease_start,
        'lease_end', r.lease_end, 'monthly_rent', r.monthly_rent::text, 'security_deposit', r.security_deposit::text,
        'current_balance', r.current_balance::text, 'days_delinquent', r.days_delinquent,
        'created_at', r.created_at, 'updated_at', r.updated_at)
$$;
