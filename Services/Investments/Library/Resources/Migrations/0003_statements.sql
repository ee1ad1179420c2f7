-- seed 001 investments.statements: one statement per investor, type and period. Its content is
-- computed from the ledger while it is a draft and frozen when it is made final, when the HTML
-- document is rendered and stored with its SHA-256; `sent` means the investor was emailed.
CREATE TABLE investments.statements (
    id uuid PRIMARY KEY,
    investor_id uuid NOT NULL,
    type text NOT NULL CHECK (type IN ('monthly', 'quarterly', 'annual', 'tax')),
    period_start date NOT NULL,
    period_end date NOT NULL,
    summary jsonb NOT NULL,
    transactions jsonb NOT NULL,
    holdings jsonb NOT NULL,
    performance jsonb NOT NULL,
    -- The rendered document (HTML, a few kilobytes), kept so what was sent can be shown again
    -- byte for byte; document_hash is its SHA-256 in hex.
    document text,
    document_content_type text,
    document_hash char(64),
    status text NOT NULL DEFAULT 'draft' CHECK (status IN ('draft', 'final', 'sent')),
    finalized_at timestamptz,
    sent_at timestamptz,
    viewed_at timestamptz,
    created_by uuid NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    UNIQUE (investor_id, type, period_start, period_end),
    CHECK (period_end >= period_start),
    CHECK (status = 'draft' OR (document IS NOT NULL AND document_hash IS NOT NULL AND finalized_at IS NOT NULL)),
    CHECK (status <> 'sent' OR sent_at IS NOT NULL)
);

CREATE INDEX statements_investor ON investments.statements (investor_id, created_at DESC, id DESC);
CREATE INDEX statements_period ON investments.statements (period_start, period_end);
CREATE INDEX statements_newest ON investments.statements (created_at DESC, id DESC);

-- A statement as the API sends it; the document itself is served on its own route.
CREATE FUNCTION investments.statement_document(s investments.statements) RETURNS jsonb
LANGUAGE sql STABLE AS $$
    SELECT jsonb_build_object(
        'id', s.id, 'investor_id', s.investor_id, 'type', s.type,
        'period_start', s.period_start, 'period_end', s.period_end,
        'summary', s.summary, 'transactions', s.transactions, 'holdings', s.holdings, 'performance', s.performance,
        'status', s.status,
        'document_url', CASE WHEN s.document IS NOT NULL THEN '/v1/statements/' || s.id || '/document' END,
        'document_content_type', s.document_content_type, 'document_sha256', s.document_hash,
        'finalized_at', s.finalized_at, 'sent_at', s.sent_at, 'viewed_at', s.viewed_at,
        'created_at', s.created_at, 'updated_at', s.updated_at)
$$;

-- The short form lists use: no ledger lines or holdings.
CREATE FUNCTION investments.statement_listing(s investments.statements) RETURNS jsonb
LANGUAGE sql STABLE AS $$
    SELECT jsonb_build_object(
        'id', s.id, 'investor_id', s.investor_id, 'type', s.type,
        'period_start', s.period_start, 'period_end', s.period_end, 'period_label', s.summary->'period_label',
        'net_cash_received', s.summary->'net_cash_received', 'closing_capital', s.summary->'closing_capital',
        'status', s.status, 'document_sha256', s.document_hash,
        'finalized_at', s.finalized_at, 'sent_at', s.sent_at, 'viewed_at', s.viewed_at, 'created_at', s.created_at)
$$;
