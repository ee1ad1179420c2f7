-- Loads :count synthetic listings into properties.properties for the search benchmark
-- (scripts/bench.sh). Realistic shape: 40 metros with jittered points, a fifth in designated
-- OZ tracts, names and descriptions drawn from word lists so text search has work to do.
-- Each attribute draws from its own hash of the row number (h(i, k)), so attributes are
-- independent as in real data (no accidental empty combinations), and ids rise with insertion
-- like the UUIDv7s the service makes.
-- psql variables: count (default 100000), sponsor (a uuid).
\set ON_ERROR_STOP on
\if :{?count}
\else
  \set count 100000
\endif

BEGIN;
-- h(i, k): a pseudo-random non-negative integer, different for each attribute k.
CREATE FUNCTION pg_temp.h(i int, k int) RETURNS int LANGUAGE sql IMMUTABLE AS 'SELECT hashint4(i * 64 + k) & 2147483647';
WITH metros(n, city, state, lat, lng) AS (
    VALUES (0, 'New York', 'NY', 40.71, -74.01), (1, 'Los Angeles', 'CA', 34.05, -118.24), (2, 'Chicago', 'IL', 41.88, -87.63),
           (3, 'Houston', 'TX', 29.76, -95.37), (4, 'Phoenix', 'AZ', 33.45, -112.07), (5, 'Philadelphia', 'PA', 39.95, -75.17),
           (6, 'San Antonio', 'TX', 29.42, -98.49), (7, 'San Diego', 'CA', 32.72, -117.16), (8, 'Dallas', 'TX', 32.78, -96.80),
           (9, 'Austin', 'TX', 30.27, -97.74), (10, 'Jacksonville', 'FL', 30.33, -81.66), (11, 'Columbus', 'OH', 39.96, -83.00),
           (12, 'Charlotte', 'NC', 35.23, -80.84), (13, 'Indianapolis', 'IN', 39.77, -86.16), (14, 'Seattle', 'WA', 47.61, -122.33),
           (15, 'Denver', 'CO', 39.74, -104.99), (16, 'Nashville', 'TN', 36.16, -86.78), (17, 'Detroit', 'MI', 42.33, -83.05),
           (18, 'Memphis', 'TN', 35.15, -90.05), (19, 'Atlanta', 'GA', 33.75, -84.39), (20, 'Miami', 'FL', 25.76, -80.19),
           (21, 'Montgomery', 'AL', 32.38, -86.30), (22, 'Birmingham', 'AL', 33.52, -86.80), (23, 'New Orleans', 'LA', 29.95, -90.07),
           (24, 'Cleveland', 'OH', 41.50, -81.69), (25, 'Baltimore', 'MD', 39.29, -76.61), (26, 'St. Louis', 'MO', 38.63, -90.20),
           (27, 'Pittsburgh', 'PA', 40.44, -80.00), (28, 'Kansas City', 'MO', 39.10, -94.58), (29, 'Tampa', 'FL', 27.95, -82.46),
           (30, 'Portland', 'OR', 45.52, -122.68), (31, 'Las Vegas', 'NV', 36.17, -115.14), (32, 'Milwaukee', 'WI', 43.04, -87.91),
           (33, 'Albuquerque', 'NM', 35.08, -106.65), (34, 'Tucson', 'AZ', 32.22, -110.97), (35, 'Fresno', 'CA', 36.74, -119.79),
           (36, 'Sacramento', 'CA', 38.58, -121.49), (37, 'Omaha', 'NE', 41.26, -95.93), (38, 'Raleigh', 'NC', 35.78, -78.64),
           (39, 'Richmond', 'VA', 37.54, -77.44)
),
words AS (
    SELECT ARRAY['Magnolia', 'Riverside', 'Oak', 'Cedar', 'Willow', 'Harbor', 'Summit', 'Maple', 'Granite', 'Lakeview',
                 'Pinecrest', 'Brookside', 'Heritage', 'Union', 'Station', 'Meridian', 'Aspen', 'Cypress', 'Juniper', 'Foundry'] AS first,
           ARRAY['Court', 'Lofts', 'Commons', 'Flats', 'Residences', 'Terrace', 'Place', 'Gardens', 'Yards', 'Square'] AS second,
           ARRAY['garden-style units near transit', 'loft conversions on the riverfront', 'new construction with retail below',
                 'value-add renovation of a 1970s complex', 'workforce housing near downtown', 'mid-rise with structured parking',
                 'student housing a block from campus', 'townhomes around a central green'] AS phrases,
           ARRAY['multi_family', 'apartment_complex', 'mixed_use', 'student_housing', 'townhome'] AS types,
           ARRAY['A', 'B', 'C', 'D'] AS classes,
           ARRAY['active', 'active', 'active', 'renovating', 'selling', 'sold'] AS statuses,
           (SELECT array_agg(tract_geoid ORDER BY tract_geoid) FROM properties.oz_tracts) AS tracts
)
INSERT INTO properties.properties (
    id, slug, property_name, property_type, address_line1, city, state, zip_code, latitude, longitude, oz_tract_geoid,
    total_units, property_class, status, visibility, investment_open, minimum_investment, maximum_investment, target_raise,
    purchase_price, description, executive_summary, sponsor_id, created_at, updated_at
)
SELECT
    -- UUIDv7-shaped: the row number where the timestamp goes, so id order is insertion order.
    (lpad(to_hex(i), 12, '0') || '7000' || '8000' || lpad(to_hex(pg_temp.h(i, 0)), 12, '0'))::uuid,
    'bench-' || i,
    w.first[1 + pg_temp.h(i, 1) % 20] || ' ' || w.second[1 + pg_temp.h(i, 2) % 10] || ' ' || (pg_temp.h(i, 3) % 97),
    w.types[1 + pg_temp.h(i, 4) % 5],
    (100 + pg_temp.h(i, 5) % 9000) || ' Main St',
    m.city, m.state, lpad((10000 + pg_temp.h(i, 6) % 89999)::text, 5, '0'),
    m.lat + (pg_temp.h(i, 7) % 6000 - 3000) / 10000.0,
    m.lng + (pg_temp.h(i, 8) % 6000 - 3000) / 10000.0,
    CASE WHEN pg_temp.h(i, 9) % 5 = 0 THEN w.tracts[1 + pg_temp.h(i, 10) % array_length(w.tracts, 1)] END,
    4 + pg_temp.h(i, 11) % 400,
    w.classes[1 + pg_temp.h(i, 12) % 4],
    w.statuses[1 + pg_temp.h(i, 13) % 6],
    CASE WHEN pg_temp.h(i, 14) % 10 = 0 THEN 'private' WHEN pg_temp.h(i, 14) % 3 = 0 THEN 'investors' ELSE 'public' END,
    pg_temp.h(i, 15) % 4 = 0,
    25000, 250000,
    (500000 + pg_temp.h(i, 16) % 50 * 250000)::numeric,
    (1000000 + pg_temp.h(i, 17) % 80 * 500000)::numeric,
    'A ' || w.phrases[1 + pg_temp.h(i, 18) % 8] || ' in ' || m.city || '. ' || w.phrases[1 + pg_temp.h(i, 19) % 8] || '.',
    initcap(w.phrases[1 + pg_temp.h(i, 20) % 8]) || ' in a growing ' || m.city || ' submarket.',
    :'sponsor'::uuid,
    now() - make_interval(secs => :count - i),
    now() - make_interval(secs => :count - i)
FROM generate_series(1, :count) AS i
CROSS JOIN words w
JOIN metros m ON m.n = pg_temp.h(i, 21) % 40;
COMMIT;
ANALYZE properties.properties;
