-- Issue 22: positions valued at their property's latest valuation, with ownership and gains.
--
-- `property_valuations` is investments' copy of the valuation each property is carried at, kept by
-- `property.valuation_changed`. `source_version` is the property row's version the event carries
-- (raised under the row lock in properties), so a delivery older than the copy changes nothing and
-- events may arrive in any order. No foreign key to `property_copies`: a valuation may arrive first.
CREATE TABLE investments.property_valuations (
    property_id uuid PRIMARY KEY,
    source_version bigint NOT NULL,
    valuation_id uuid,
    amount numeric(15,2) CHECK (amount >= 0),
    valuation_date date,
    valuation_type text,
    valuation_method text,
    appraiser_name text,
    updated_at timestamptz NOT NULL DEFAULT now(),
    -- A property with no valuation left has none of these.
    CHECK ((valuation_id IS NULL) = (amount IS NULL) AND (amount IS NULL) = (valuation_date IS NULL))
);

-- What the offering owes against its property (the loan balance), set by its sponsor: the
-- investors' equity is the property's value less this. 0 is an unlevered offering.
ALTER TABLE investments.offerings
    ADD COLUMN property_debt numeric(15,2) NOT NULL DEFAULT 0 CHECK (property_debt >= 0);
