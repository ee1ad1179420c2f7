-- The audit log (issue 16; seed 002 §2.1 audit_log, seed 003 §10): every staff action and every
-- security-relevant user action — who, what, target, before/after, request id, IP.
--
-- Append-only. The application role revokes its own UPDATE, DELETE and TRUNCATE on the table and
-- a trigger refuses them anyway (the service's role owns the schema, so the revoke alone could be
-- undone by a GRANT; the trigger makes an accidental or injected UPDATE fail loudly either way).
--
-- Users appear only as pseudonyms. An account deleted under GDPR Art. 17 must leave no row that
-- holds its id, yet the audit trail must stay intact: audit rows name a user by a random
-- pseudonym kept in `audit_subjects`, and deleting that mapping (with the user row, or by
-- `AuditLog.forget`) unlinks every row about the user without touching them (GDPR Art. 4(5)).
-- For the same reason `before`/`after` never carry ids of users, emails or names.

CREATE TABLE audit_subjects (
    user_id uuid PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
    pseudonym uuid NOT NULL UNIQUE
);

CREATE TABLE audit_log (
    id uuid PRIMARY KEY,
    occurred_at timestamptz NOT NULL DEFAULT now(),
    -- user: a signed-in user acting for themselves; staff: an admin acting on someone else;
    -- service: a service client (its client id in `actor`); system: a sweep or scheduled job.
    actor_kind text NOT NULL CHECK (actor_kind IN ('user', 'staff', 'service', 'system')),
    actor text CHECK (octet_length(actor) <= 200),
    action text NOT NULL CHECK (action ~ '^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)+$' AND octet_length(action) <= 100),
    -- 'user' (then `target` is a pseudonym) or a resource type ('organization', 'api_token', …).
    target_kind text CHECK (target_kind ~ '^[a-z][a-z0-9_]*$' AND octet_length(target_kind) <= 60),
    target text CHECK (octet_length(target) <= 200),
    before jsonb,
    after jsonb,
    request_id text CHECK (octet_length(request_id) <= 200),
    ip inet
);

CREATE INDEX audit_log_newest ON audit_log (occurred_at DESC, id DESC);
CREATE INDEX audit_log_by_actor ON audit_log (actor, occurred_at DESC, id DESC) WHERE actor IS NOT NULL;
CREATE INDEX audit_log_by_target ON audit_log (target, occurred_at DESC, id DESC) WHERE target IS NOT NULL;
CREATE INDEX audit_log_by_action ON audit_log (action, occurred_at DESC, id DESC);

CREATE FUNCTION audit_log_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'auth.audit_log is append-only: % refused', TG_OP USING ERRCODE = 'insufficient_privilege';
END
$$;

CREATE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE ON audit_log
    FOR EACH ROW EXECUTE FUNCTION audit_log_refuse_change();
CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log
    FOR EACH STATEMENT EXECUTE FUNCTION audit_log_refuse_change();

REVOKE UPDATE, DELETE, TRUNCATE ON audit_log FROM CURRENT_USER;
