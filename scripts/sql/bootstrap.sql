-- Tract database bootstrap: roles, database, schemas, grants, extensions.
-- THE one place that says which service owns which schemas.
--
-- Run as a superuser with psql, any number of times (every statement is idempotent):
--   scripts/db.sh up                      (local cluster, on every `up`)
--   docker-compose's db-bootstrap service (same file, mounted)
-- psql variables (all optional):
--   database              default tract
--   role_password_suffix  default _local  -> role tract_<svc> gets password tract_<svc>_local;
--                         set it to '' to leave passwords alone (real environments manage them).
-- It must stay plain psql (no shell), so that any Postgres image can run it.

\set ON_ERROR_STOP on
\if :{?database}
\else
  \set database tract
\endif
\if :{?role_password_suffix}
\else
  \set role_password_suffix _local
\endif

-- CREATE DATABASE cannot run in a DO block or transaction: \gexec runs it only when missing.
SELECT format('CREATE DATABASE %I', :'database')
 WHERE NOT EXISTS (SELECT FROM pg_database WHERE datname = :'database') \gexec

\connect :database
-- Quiet the "already exists, skipping" notices of the idempotent statements.
SET client_min_messages = warning;

-- psql variables are not expanded inside $$ bodies: hand them over as session settings.
SELECT set_config('tract.role_password_suffix', :'role_password_suffix', false) \g /dev/null
SELECT set_config('tract.database', :'database', false) \g /dev/null

DO $bootstrap$
DECLARE
    -- service => schemas it owns. Add a service or a schema here and nowhere else.
    owners CONSTANT jsonb := '{
        "auth":           ["auth"],
        "properties":     ["properties", "media"],
        "investments":    ["investments", "financials"],
        "communications": ["communications"],
        "analytics":      ["analytics"]
    }';
    -- Extensions to install when the server has them (e.g. "postgis", "pgcrypto", "citext").
    -- Missing ones are skipped with a warning, so the list may run ahead of the packages.
    -- properties: geography columns and `near=` search (postgis), typo-tolerant names (pg_trgm).
    wanted_extensions CONSTANT text[] := ARRAY['postgis', 'pg_trgm'];
    suffix CONSTANT text := current_setting('tract.role_password_suffix');
    db CONSTANT text := current_setting('tract.database');
    svc text;
    role text;
    schema_name text;
    ext text;
BEGIN
    -- Nobody but the owners creates anything: not in public, not new schemas.
    EXECUTE 'REVOKE CREATE ON SCHEMA public FROM PUBLIC';
    EXECUTE format('REVOKE ALL ON DATABASE %I FROM PUBLIC', db);

    FOR svc IN SELECT jsonb_object_keys(owners) LOOP
        role := 'tract_' || svc;
        IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = role) THEN
            EXECUTE format('CREATE ROLE %I LOGIN', role);
        END IF;
        -- Re-asserted every run so a hand-edited role drifts back to the contract.
        EXECUTE format('ALTER ROLE %I LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS', role);
        IF suffix <> '' THEN
            EXECUTE format('ALTER ROLE %I PASSWORD %L', role, role || suffix);
        END IF;
        EXECUTE format('GRANT CONNECT, TEMPORARY ON DATABASE %I TO %I', db, role);

        FOR schema_name IN SELECT jsonb_array_elements_text(owners -> svc) LOOP
            EXECUTE format('CREATE SCHEMA IF NOT EXISTS %I AUTHORIZATION %I', schema_name, role);
            EXECUTE format('ALTER SCHEMA %I OWNER TO %I', schema_name, role);
            EXECUTE format('REVOKE ALL ON SCHEMA %I FROM PUBLIC', schema_name);
        END LOOP;
    END LOOP;

    FOREACH ext IN ARRAY wanted_extensions LOOP
        IF EXISTS (SELECT FROM pg_available_extensions WHERE name = ext) THEN
            EXECUTE format('CREATE EXTENSION IF NOT EXISTS %I', ext);
        ELSE
            RAISE WARNING 'extension % is not available on this server; skipped', ext;
        END IF;
    END LOOP;
END
$bootstrap$;
