-- Demo listings for `make run` (scripts/demo-data.sh): published, a few in designated Opportunity
-- Zone tracts. Idempotent: listings are keyed by slug. Their sponsor is the demo sponsor account
-- (psql -v sponsor=<user id>, made by scripts/demo-investing.py accounts).
\set ON_ERROR_STOP on
INSERT INTO properties.properties (
    id, slug, property_name, property_type, address_line1, city, state, zip_code, latitude, longitude, oz_tract_geoid,
    total_units, year_built, property_class, property_subtype, status, visibility, occupancy_rate, investment_open,
    minimum_investment, maximum_investment, target_raise, purchase_price, target_irr, amenities, description,
    executive_summary, sponsor_id
) VALUES
    ('01900000-0000-7000-8000-000000000001', 'magnolia-court', 'Magnolia Court', 'multi_family', '200 Main St', 'Prattville', 'AL', '36067',
     32.4640, -86.4597, '01001020700', 120, 1978, 'B', 'garden', 'renovating', 'public', 91.5, true,
     25000, 500000, 6000000, 9200000, 14.5, '{pool,fitness center,dog park}',
     'A value-add renovation of 120 garden units in a designated Opportunity Zone, ten minutes from downtown Montgomery.',
     'Interior upgrades and new amenities; ten-year hold for the full OZ basis step-up.', :'sponsor'),
    ('01900000-0000-7000-8000-000000000002', 'bay-minette-commons', 'Bay Minette Commons', 'apartment_complex', '15 Hand Ave', 'Bay Minette', 'AL', '36507',
     30.8830, -87.7730, '01003010400', 64, 2026, 'A', 'mid_rise', 'active', 'public', NULL, true,
     50000, 1000000, 12000000, NULL, 17.0, '{rooftop terrace,ev charging}',
     'Ground-up workforce housing on a contiguous Opportunity Zone tract in Baldwin County.',
     'New construction, stabilisation in year three, refinance in year five.', :'sponsor'),
    ('01900000-0000-7000-8000-000000000003', 'riverside-lofts', 'Riverside Lofts', 'mixed_use', '1 Commerce St', 'Montgomery', 'AL', '36104',
     32.3792, -86.3077, NULL, 48, 1925, 'A', 'mid_rise', 'active', 'public', 96.0, false,
     NULL, NULL, NULL, 7400000, 11.0, '{retail,riverfront}',
     'Loft conversions of a 1920s warehouse on the riverfront, with retail below.',
     'Stabilised asset with ground-floor retail.', :'sponsor'),
    ('01900000-0000-7000-8000-000000000004', 'oak-hollow', 'Oak Hollow', 'multi_family', '900 Oak St', 'Birmingham', 'AL', '35203',
     33.5186, -86.8104, NULL, 36, 1968, 'C', 'garden', 'selling', 'investors', 88.0, false,
     NULL, NULL, NULL, 2100000, 9.5, '{laundry}',
     'Small garden community being marketed for sale.', 'Exit in progress.', :'sponsor')
ON CONFLICT (slug) DO NOTHING;
-- Listings loaded before the sponsor was a real account (or for an earlier one) follow it.
UPDATE properties.properties SET sponsor_id = :'sponsor'
WHERE id::text LIKE '01900000-0000-7000-8000-00000000000_' AND sponsor_id IS DISTINCT FROM :'sponsor';

-- Their parts: floor plans and units for Magnolia Court and Riverside Lofts, and Magnolia Court's
-- renovation in progress with two unit renovations and its progress so far (the project's
-- completion is its latest update's, as the API keeps it). Fixed ids, so loading twice adds nothing.
INSERT INTO properties.floor_plans (id, property_id, name, unit_type, bedrooms, bathrooms, sqft_min, sqft_max, base_rent, market_rent, total_units, available_units, appliances) VALUES
    ('01900000-0000-7000-8000-000000000101', '01900000-0000-7000-8000-000000000001', 'Dogwood', '1br', 1, 1, 680, 720, 925, 1050, 60, 4, '{range,refrigerator}'),
    ('01900000-0000-7000-8000-000000000102', '01900000-0000-7000-8000-000000000001', 'Camellia', '2br', 2, 2, 940, 1010, 1150, 1295, 60, 2, '{range,refrigerator,dishwasher}'),
    ('01900000-0000-7000-8000-000000000103', '01900000-0000-7000-8000-000000000003', 'Warehouse Loft', 'studio', 0, 1, 610, 800, 1400, 1475, 48, 1, '{range,refrigerator,dishwasher}')
ON CONFLICT (id) DO NOTHING;

INSERT INTO properties.units (id, property_id, floor_plan_id, unit_number, building_number, floor, unit_type, bedrooms, bathrooms, sqft, current_rent, market_rent, occupancy_status, lease_start_date, lease_end_date, condition_rating, renovation_status, has_patio) VALUES
    ('01900000-0000-7000-8000-000000000201', '01900000-0000-7000-8000-000000000001', '01900000-0000-7000-8000-000000000101', '101', 'A', 1, '1br', 1, 1, 700, 925, 1050, 'occupied', '2025-02-01', '2026-01-31', 3, 'classic', true),
    ('01900000-0000-7000-8000-000000000202', '01900000-0000-7000-8000-000000000001', '01900000-0000-7000-8000-000000000101', '102', 'A', 1, '1br', 1, 1, 700, NULL, 1050, 'renovation', NULL, NULL, 4, 'in_progress', true),
    ('01900000-0000-7000-8000-000000000203', '01900000-0000-7000-8000-000000000001', '01900000-0000-7000-8000-000000000102', '201', 'A', 2, '2br', 2, 2, 980, 1295, 1295, 'occupied', '2025-06-01', '2026-05-31', 5, 'renovated', false),
    ('01900000-0000-7000-8000-000000000204', '01900000-0000-7000-8000-000000000001', '01900000-0000-7000-8000-000000000102', '202', 'A', 2, '2br', 2, 2, 980, NULL, 1295, 'renovation', NULL, NULL, 4, 'in_progress', false),
    ('01900000-0000-7000-8000-000000000205', '01900000-0000-7000-8000-000000000003', '01900000-0000-7000-8000-000000000103', 'L-3', '1', 3, 'studio', 0, 1, 760, 1450, 1475, 'occupied', '2025-03-01', '2026-02-28', 5, 'renovated', false)
ON CONFLICT (id) DO NOTHING;

INSERT INTO properties.renovation_projects (id, property_id, project_name, project_type, planned_start_date, actual_start_date, planned_end_date, estimated_cost, approved_budget, scope_description, units_affected, common_areas_affected, status, completion_percentage, projected_rent_increase, projected_noi_increase) VALUES
    ('01900000-0000-7000-8000-000000000301', '01900000-0000-7000-8000-000000000001', 'Interior and amenity upgrades', 'value_add', '2025-03-01', '2025-03-10', '2026-06-30', 2400000, 2500000,
     'Kitchens, flooring and fixtures in all 120 units as they turn; new fitness center and dog park.', 120, '{fitness center,dog park}', 'in_progress', 45, 175, 252000)
ON CONFLICT (id) DO NOTHING;

INSERT INTO properties.unit_renovations (id, project_id, property_id, unit_id, renovation_scope, start_date, end_date, days_vacant, budgeted_cost, actual_cost, pre_renovation_rent, post_renovation_rent, status) VALUES
    ('01900000-0000-7000-8000-000000000401', '01900000-0000-7000-8000-000000000301', '01900000-0000-7000-8000-000000000001', '01900000-0000-7000-8000-000000000203', '{kitchen,flooring,fixtures}', '2025-04-01', '2025-05-10', 39, 14000, 13250, 1120, 1295, 'completed'),
    ('01900000-0000-7000-8000-000000000402', '01900000-0000-7000-8000-000000000301', '01900000-0000-7000-8000-000000000001', '01900000-0000-7000-8000-000000000202', '{kitchen,flooring}', '2025-09-02', NULL, NULL, 12000, NULL, 900, NULL, 'in_progress'),
    ('01900000-0000-7000-8000-000000000403', '01900000-0000-7000-8000-000000000301', '01900000-0000-7000-8000-000000000001', '01900000-0000-7000-8000-000000000204', '{kitchen,flooring,fixtures}', '2025-09-15', NULL, NULL, 14000, NULL, 1120, NULL, 'in_progress')
ON CONFLICT (id) DO NOTHING;

INSERT INTO properties.renovation_progress_updates (id, project_id, property_id, update_date, completion_percentage, units_completed, spent_to_date, photo_urls, manager_notes) VALUES
    ('01900000-0000-7000-8000-000000000501', '01900000-0000-7000-8000-000000000301', '01900000-0000-7000-8000-000000000001', '2025-06-30', 25, 30, 610000, '{}', 'Fitness center framed; 30 units turned.'),
    ('01900000-0000-7000-8000-000000000502', '01900000-0000-7000-8000-000000000301', '01900000-0000-7000-8000-000000000001', '2025-09-30', 45, 54, 1090000, '{}', 'Fitness center open; dog park next.')
ON CONFLICT (id) DO NOTHING;
