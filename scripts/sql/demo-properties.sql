-- Demo listings for `make run` (scripts/demo-data.sh): published, a few in designated Opportunity
-- Zone tracts. Idempotent: listings are keyed by slug. The sponsor is a fixed demo id.
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
     'Interior upgrades and new amenities; ten-year hold for the full OZ basis step-up.', '01900000-0000-7000-8000-0000000000aa'),
    ('01900000-0000-7000-8000-000000000002', 'bay-minette-commons', 'Bay Minette Commons', 'apartment_complex', '15 Hand Ave', 'Bay Minette', 'AL', '36507',
     30.8830, -87.7730, '01003010400', 64, 2026, 'A', 'mid_rise', 'active', 'public', NULL, true,
     50000, 1000000, 12000000, NULL, 17.0, '{rooftop terrace,ev charging}',
     'Ground-up workforce housing on a contiguous Opportunity Zone tract in Baldwin County.',
     'New construction, stabilisation in year three, refinance in year five.', '01900000-0000-7000-8000-0000000000aa'),
    ('01900000-0000-7000-8000-000000000003', 'riverside-lofts', 'Riverside Lofts', 'mixed_use', '1 Commerce St', 'Montgomery', 'AL', '36104',
     32.3792, -86.3077, NULL, 48, 1925, 'A', 'mid_rise', 'active', 'public', 96.0, false,
     NULL, NULL, NULL, 7400000, 11.0, '{retail,riverfront}',
     'Loft conversions of a 1920s warehouse on the riverfront, with retail below.',
     'Stabilised asset with ground-floor retail.', '01900000-0000-7000-8000-0000000000aa'),
    ('01900000-0000-7000-8000-000000000004', 'oak-hollow', 'Oak Hollow', 'multi_family', '900 Oak St', 'Birmingham', 'AL', '35203',
     33.5186, -86.8104, NULL, 36, 1968, 'C', 'garden', 'selling', 'investors', 88.0, false,
     NULL, NULL, NULL, 2100000, 9.5, '{laundry}',
     'Small garden community being marketed for sale.', 'Exit in progress.', '01900000-0000-7000-8000-0000000000aa')
ON CONFLICT (slug) DO NOTHING;
