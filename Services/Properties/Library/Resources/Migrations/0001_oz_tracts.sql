-- The designated Qualified Opportunity Zones (26 U.S.C. §1400Z-1): census tracts by 2010 GEOID,
-- one row per tract and designation round, so a new round (2027) is a data migration, not code.
CREATE TABLE oz_tracts (
    designation_round smallint NOT NULL CHECK (designation_round >= 2018),
    tract_geoid char(11) NOT NULL CHECK (tract_geoid ~ '^[0-9]{11}$'),
    state text NOT NULL,
    county text NOT NULL,
    -- Low-income communities and the contiguous tracts designated with them (§1400Z-1(e)).
    tract_type text NOT NULL CHECK (tract_type IN ('Low-Income Community', 'Non-LIC Contiguous')),
    acs_data_source text,
    PRIMARY KEY (tract_geoid, designation_round)
);
