-- Timestamps in every JSON document this service builds in SQL leave as RFC 3339 UTC with `Z` and
-- microseconds (the kit's rfc3339) instead of milliseconds: one format across the suite, whichever
-- side, Swift or SQL, writes it (ARCHITECTURE.md, "IDs"; issue 11, item 25). media.utc, which the
-- media documents call, now defers to the kit; the two documents that formatted their own
-- timestamps are their latest definitions with only those wrapped.
CREATE OR REPLACE FUNCTION media.utc(t timestamptz) RETURNS text LANGUAGE sql IMMUTABLE AS $$
    SELECT properties.rfc3339(t)
$$;

CREATE OR REPLACE FUNCTION property_document(p properties) RETURNS jsonb
    LANGUAGE sql STABLE PARALLEL SAFE
AS $$
    SELECT jsonb_strip_nulls(jsonb_build_object(
        'id', p.id,
        'slug', p.slug,
        'property_name', p.property_name,
        'property_type', p.property_type,
        'address_line1', p.address_line1,
        'address_line2', p.address_line2,
        'city', p.city,
        'state', p.state::text,
        'zip_code', p.zip_code,
        'country', p.country,
        'latitude', p.latitude::double precision,
        'longitude', p.longitude::double precision,
        'oz_tract_geoid', p.oz_tract_geoid::text,
        'in_oz', p.in_oz,
        'year_built', p.year_built,
        'last_renovated', p.last_renovated,
        'total_units', p.total_units,
        'total_buildings', p.total_buildings,
        'total_sqft', p.total_sqft,
        'lot_size_acres', p.lot_size_acres::double precision,
        'parking_spaces', p.parking_spaces,
        'property_class', p.property_class,
        'property_subtype', p.property_subtype,
        'purchase_price', p.purchase_price::text,
        'purchase_date', p.purchase_date,
        'current_valuation', p.current_valuation::text,
        'valuation_date', p.valuation_date,
        'target_irr', p.target_irr::double precision,
        'target_cash_on_cash', p.target_cash_on_cash::double precision,
        'status', p.status
    ) || jsonb_build_object(
        'acquisition_status', p.acquisition_status,
        'occupancy_rate', p.occupancy_rate::double precision,
        'visibility', p.visibility,
        'management_company', p.management_company,
        'property_manager_name', p.property_manager_name,
        'property_manager_phone', p.property_manager_phone,
        'property_manager_email', p.property_manager_email,
        'investment_open', p.investment_open,
        'minimum_investment', p.minimum_investment::text,
        'maximum_investment', p.maximum_investment::text,
        'target_raise', p.target_raise::text,
        'amount_raised', p.amount_raised::text,
        'investor_count', p.investor_count,
        'amenities', p.amenities,
        'features', p.features,
        'utilities_included', p.utilities_included,
        'pet_policy', p.pet_policy,
        'market_name', p.market_name,
        'submarket_name', p.submarket_name,
        'walk_score', p.walk_score,
        'transit_score', p.transit_score,
        'bike_score', p.bike_score,
        'description', p.description,
        'investment_thesis', p.investment_thesis,
        'executive_summary', p.executive_summary,
        'sponsor_id', p.sponsor_id,
        'organization_id', p.organization_id,
        'created_at', properties.rfc3339(p.created_at),
        'updated_at', properties.rfc3339(p.updated_at)
    ))
$$;

CREATE OR REPLACE FUNCTION part_document(part jsonb, amounts text[]) RETURNS jsonb
    LANGUAGE sql STABLE PARALLEL SAFE
AS $$
    SELECT jsonb_strip_nulls(
        (part - 'deleted_at')
        || coalesce((
            SELECT jsonb_object_agg(key, value #>> '{}') FROM jsonb_each(part)
            WHERE key = ANY (amounts) AND jsonb_typeof(value) = 'number'
        ), '{}')
        || jsonb_build_object(
            'created_at', properties.rfc3339((part ->> 'created_at')::timestamptz),
            'updated_at', properties.rfc3339((part ->> 'updated_at')::timestamptz)
        )
    )
$$;
