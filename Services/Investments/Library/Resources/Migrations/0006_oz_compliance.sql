-- Opportunity Zone fund compliance (issue 21): an offering marked a qualified opportunity fund, and
-- the asset values its sponsor enters for each 90% test date. The rules are pure Swift
-- (Compliance/Rules); these tables keep only the facts they are computed from.

-- 26 U.S.C. §1400Z-2(d)(1): a QOF is a partnership or corporation; its taxable year and first QOF
-- month (Form 8996's self-certification) decide its test dates (Treas. Reg. §1.1400Z2(d)-1(a)(2)).
CREATE TABLE investments.qof_funds (
    offering_id uuid PRIMARY KEY REFERENCES investments.offerings (id),
    entity_type text NOT NULL CHECK (entity_type IN ('partnership', 'corporation')),
    tax_year_end_month smallint NOT NULL CHECK (tax_year_end_month BETWEEN 1 AND 12),
    -- Always the first day of the month.
    first_qof_month date NOT NULL CHECK (extract(day FROM first_qof_month) = 1 AND first_qof_month >= '2018-01-01'),
    self_certified_on date NOT NULL CHECK (self_certified_on >= '2017-12-22'),
    holds text NOT NULL CHECK (holds IN ('direct', 'qozb')),
    valuation_method text NOT NULL CHECK (valuation_method IN ('financial_statement', 'cost')),
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now()
);

-- The sponsor's figures for one test date. Contributions are kept as entered ([{on, amount}]);
-- NULL means "take them from the fund's funded investments".
CREATE TABLE investments.qof_asset_tests (
    offering_id uuid NOT NULL REFERENCES investments.qof_funds (offering_id) ON DELETE CASCADE,
    test_date date NOT NULL,
    valuation_method text NOT NULL CHECK (valuation_method IN ('financial_statement', 'cost')),
    qualifying_assets numeric(15,2) NOT NULL CHECK (qualifying_assets >= 0),
    total_assets numeric(15,2) NOT NULL CHECK (total_assets > 0 AND total_assets >= qualifying_assets),
    cash_held numeric(15,2) NOT NULL CHECK (cash_held >= 0 AND cash_held + qualifying_assets <= total_assets),
    contributions jsonb CHECK (contributions IS NULL OR jsonb_typeof(contributions) = 'array'),
    exclude_recent_cash boolean NOT NULL,
    updated_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (offering_id, test_date)
);

-- Renovation spend as properties reports it (`renovation.progress_updated`: each update's running
-- total for its project); never read from the properties schema. A corrected update replaces its row.
CREATE TABLE investments.renovation_spend (
    progress_update_id uuid PRIMARY KEY,
    project_id uuid NOT NULL,
    property_id uuid NOT NULL,
    update_date date NOT NULL,
    spent_to_date numeric(15,2) CHECK (spent_to_date >= 0),
    updated_at timestamptz NOT NULL DEFAULT now()
);

CREATE INDEX renovation_spend_property ON investments.renovation_spend (property_id, project_id, update_date);

-- The sponsor's figures for the substantial-improvement test of the fund's property
-- (Treas. Reg. §1.1400Z2(d)-2(b)(4)): acquisition, price split into land and building, an original-use
-- reason when the test does not apply, and the planned draws ([{on, amount}]).
CREATE TABLE investments.qof_property_bases (
    offering_id uuid PRIMARY KEY REFERENCES investments.qof_funds (offering_id) ON DELETE CASCADE,
    acquired_on date NOT NULL,
    purchase_price numeric(15,2) NOT NULL CHECK (purchase_price > 0),
    land_basis numeric(15,2) NOT NULL CHECK (land_basis >= 0),
    building_basis numeric(15,2) NOT NULL CHECK (building_basis >= 0),
    original_use text CHECK (original_use IN ('new_construction', 'vacant')),
    schedule jsonb NOT NULL DEFAULT '[]' CHECK (jsonb_typeof(schedule) = 'array'),
    updated_at timestamptz NOT NULL DEFAULT now()
);

-- Each compliance alert sent (90/30/7 days before a test date or an at-risk improvement window's
-- end), so the sweep sends each one once.
CREATE TABLE investments.compliance_alerts_sent (
    offering_id uuid NOT NULL REFERENCES investments.qof_funds (offering_id) ON DELETE CASCADE,
    kind text NOT NULL CHECK (kind IN ('asset_test', 'improvement_window')),
    deadline date NOT NULL,
    days_before smallint NOT NULL CHECK (days_before IN (90, 30, 7)),
    sent_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (offering_id, kind, deadline, days_before)
);

-- The gain an investor deferred into a QOF investment (26 U.S.C. §1400Z-2(a)): what Form 8997
-- reports per investment. Entered by the investor for their own position.
CREATE TABLE investments.oz_deferred_gains (
    investment_id uuid PRIMARY KEY REFERENCES investments.investments (id),
    investor_id uuid NOT NULL,
    gain_amount numeric(15,2) NOT NULL CHECK (gain_amount > 0),
    gain_date date NOT NULL,
    term text NOT NULL CHECK (term IN ('short', 'long')),
    updated_at timestamptz NOT NULL DEFAULT now()
);

CREATE INDEX oz_deferred_gains_investor ON investments.oz_deferred_gains (investor_id);

-- A QOZ business's figures on a day (26 U.S.C. §1400Z-2(d)(3); Treas. Reg. §1.1400Z2(d)-1(d)), for a
-- fund that holds through one, with the sponsor's note of where they come from.
CREATE TABLE investments.qozb_test_values (
    offering_id uuid NOT NULL REFERENCES investments.qof_funds (offering_id) ON DELETE CASCADE,
    as_of date NOT NULL,
    figures jsonb NOT NULL CHECK (jsonb_typeof(figures) = 'object'),
    evidence text CHECK (length(evidence) <= 2000),
    updated_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (offering_id, as_of)
);

-- Working-capital safe-harbor plans of the fund's QOZ business (Treas. Reg. §1.1400Z2(d)-1(d)).
CREATE TABLE investments.working_capital_plans (
    id uuid PRIMARY KEY,
    offering_id uuid NOT NULL REFERENCES investments.qof_funds (offering_id) ON DELETE CASCADE,
    plan jsonb NOT NULL CHECK (jsonb_typeof(plan) = 'object'),
    created_at timestamptz NOT NULL DEFAULT now()
);

CREATE INDEX working_capital_plans_fund ON investments.working_capital_plans (offering_id, created_at, id);
