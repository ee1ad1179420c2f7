-- Timestamps in every JSON document this service builds in SQL leave as RFC 3339 UTC with `Z` and
-- microseconds (the kit's rfc3339), not as to_json renders timestamptz (`+00:00`, per session
-- TimeZone, trailing zeros dropped): one format whichever side, Swift or SQL, writes it
-- (ARCHITECTURE.md, "IDs"; issue 11, item 25). The functions are the latest definitions with only
-- their timestamps wrapped.

CREATE OR REPLACE FUNCTION investments.offering_document(o investments.offerings, p investments.property_copies) RETURNS jsonb
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
        'created_at', investments.rfc3339(o.created_at), 'updated_at', investments.rfc3339(o.updated_at))
$$;

CREATE OR REPLACE FUNCTION investments.investment_document(i investments.investments) RETURNS jsonb
LANGUAGE sql STABLE AS $$
    SELECT jsonb_build_object(
        'id', i.id, 'offering_id', i.offering_id, 'property_id', i.property_id, 'investor_id', i.investor_id,
        'amount', i.amount::text, 'share_class', i.share_class, 'status', i.status,
        'commitment_date', i.commitment_date, 'funding_date', i.funding_date,
        'expected_exit_date', i.expected_exit_date, 'actual_exit_date', i.actual_exit_date,
        'exit_proceeds', i.exit_proceeds::text, 'total_distributions', i.total_distributions::text,
        'created_at', investments.rfc3339(i.created_at), 'updated_at', investments.rfc3339(i.updated_at))
$$;

CREATE OR REPLACE FUNCTION financials.income_document(i financials.property_income) RETURNS jsonb
LANGUAGE sql STABLE AS $$
    SELECT jsonb_build_object(
        'id', i.id, 'property_id', i.property_id, 'period_start', i.period_start, 'period_end', i.period_end,
        'gross_rental_income', i.gross_rental_income::text, 'vacancy_loss', i.vacancy_loss::text,
        'concessions', i.concessions::text, 'bad_debt', i.bad_debt::text,
        'effective_rental_income', i.effective_rental_income::text, 'parking_income', i.parking_income::text,
        'laundry_income', i.laundry_income::text, 'pet_income', i.pet_income::text,
        'application_fees', i.application_fees::text, 'late_fees', i.late_fees::text,
        'other_income', i.other_income::text, 'total_income', i.total_income::text,
        'created_at', investments.rfc3339(i.created_at), 'updated_at', investments.rfc3339(i.updated_at))
$$;

CREATE OR REPLACE FUNCTION financials.expenses_document(e financials.property_expenses) RETURNS jsonb
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
        'created_at', investments.rfc3339(e.created_at), 'updated_at', investments.rfc3339(e.updated_at))
$$;

CREATE OR REPLACE FUNCTION financials.performance_document(p financials.property_performance) RETURNS jsonb
LANGUAGE sql STABLE AS $$
    SELECT jsonb_build_object(
        'id', p.id, 'property_id', p.property_id, 'period_start', p.period_start, 'period_end', p.period_end,
        'property_value', p.property_value::text, 'equity', p.equity::text, 'units_total', p.units_total,
        'units_occupied', p.units_occupied, 'rent_collected', p.rent_collected::text,
        'created_at', investments.rfc3339(p.created_at), 'updated_at', investments.rfc3339(p.updated_at))
$$;

CREATE OR REPLACE FUNCTION financials.rent_roll_document(r financials.rent_roll) RETURNS jsonb
LANGUAGE sql STABLE AS $$
    SELECT jsonb_build_object(
        'id', r.id, 'property_id', r.property_id, 'as_of_date', r.as_of_date, 'unit_id', r.unit_id,
        'unit_number', r.unit_number, 'tenant_name', r.tenant_name, 'lease_start', r.lease_start,
        'lease_end', r.lease_end, 'monthly_rent', r.monthly_rent::text, 'security_deposit', r.security_deposit::text,
        'current_balance', r.current_balance::text, 'days_delinquent', r.days_delinquent,
        'created_at', investments.rfc3339(r.created_at), 'updated_at', investments.rfc3339(r.updated_at))
$$;

CREATE OR REPLACE FUNCTION investments.statement_document(s investments.statements) RETURNS jsonb
LANGUAGE sql STABLE AS $$
    SELECT jsonb_build_object(
        'id', s.id, 'investor_id', s.investor_id, 'type', s.type,
        'period_start', s.period_start, 'period_end', s.period_end,
        'summary', s.summary, 'transactions', s.transactions, 'holdings', s.holdings, 'performance', s.performance,
        'status', s.status,
        'document_url', CASE WHEN s.document IS NOT NULL THEN '/v1/statements/' || s.id || '/document' END,
        'document_content_type', s.document_content_type, 'document_sha256', s.document_hash,
        'finalized_at', investments.rfc3339(s.finalized_at), 'sent_at', investments.rfc3339(s.sent_at), 'viewed_at', investments.rfc3339(s.viewed_at),
        'created_at', investments.rfc3339(s.created_at), 'updated_at', investments.rfc3339(s.updated_at))
$$;

CREATE OR REPLACE FUNCTION investments.statement_listing(s investments.statements) RETURNS jsonb
LANGUAGE sql STABLE AS $$
    SELECT jsonb_build_object(
        'id', s.id, 'investor_id', s.investor_id, 'type', s.type,
        'period_start', s.period_start, 'period_end', s.period_end, 'period_label', s.summary->'period_label',
        'net_cash_received', s.summary->'net_cash_received', 'closing_capital', s.summary->'closing_capital',
        'status', s.status, 'document_sha256', s.document_hash,
        'finalized_at', investments.rfc3339(s.finalized_at), 'sent_at', investments.rfc3339(s.sent_at), 'viewed_at', investments.rfc3339(s.viewed_at), 'created_at', investments.rfc3339(s.created_at))
$$;
