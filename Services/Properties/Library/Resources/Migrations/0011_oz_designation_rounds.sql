-- Designation rounds of Qualified Opportunity Zones with the days each is in force (both ends
-- included) and the law it rests on, so that the check can answer "designated on day D" and a
-- later round (2037, ...) is a row here plus `properties import-oz-round`, not code. The dates are
-- the same as `OZDesignationRound` in Shared/Models (a test holds the two together).
CREATE TABLE oz_designation_rounds (
    round smallint PRIMARY KEY CHECK (round >= 2018),
    starts_on date NOT NULL,
    ends_on date NOT NULL,
    legal_basis text NOT NULL CHECK (legal_basis <> ''),
    -- Where the round's list of tracts comes from.
    source text NOT NULL CHECK (source <> ''),
    CHECK (ends_on >= starts_on)
);

-- 2018: 26 U.S.C. §1400Z-1(f) as enacted by the TCJA keeps a designation in force "at the close of
-- the 10th calendar year beginning on or after" the day of designation: 2028-12-31 for every 2018
-- designation. Treasury certified the states' nominations from 2018-04-09 to 2018-06-14; the
-- round opens on the first of those days (one window per round; per-state dates are not in the
-- published list).
-- 2027: Pub. L. 119-21 §70421 (the first decennial round under §1400Z-1 as amended): designations
-- made after the 2026-07-01 determination date take effect on 2027-01-01 for ten years. Its tracts
-- are loaded with `properties import-oz-round --round 2027` once Treasury publishes the list.
INSERT INTO oz_designation_rounds (round, starts_on, ends_on, legal_basis, source) VALUES
(2018, '2018-04-09', '2028-12-31',
    'TCJA, Pub. L. 115-97 §13823; 26 U.S.C. §1400Z-1 (designation period §1400Z-1(f))',
    'CDFI Fund list of designated QOZs (IRS Notice 2018-48)'),
(2027, '2027-01-01', '2036-12-31',
    'Pub. L. 119-21 §70421; 26 U.S.C. §1400Z-1 as amended (decennial designation rounds)',
    'Treasury list of 2027 designations, not yet published');

ALTER TABLE oz_tracts
    ADD CONSTRAINT oz_tracts_designation_round_fkey
    FOREIGN KEY (designation_round) REFERENCES oz_designation_rounds (round);
