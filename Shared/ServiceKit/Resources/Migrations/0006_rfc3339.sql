-- One timestamp format for JSON built in SQL, the format Swift's RFC3339 writes (ARCHITECTURE.md,
-- "IDs"): RFC 3339, UTC, `Z`, always six fractional digits — whatever the session's TimeZone, which
-- to_json(timestamptz) would otherwise follow (`+00:00`, trailing zeros dropped).
CREATE FUNCTION rfc3339(value timestamptz) RETURNS text
    LANGUAGE sql STABLE STRICT PARALLEL SAFE
    RETURN to_char(value AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"');
