-- A sign-in attempt's admission in one round trip (issue 19): the statements `Lockout.admit` ran one
-- by one in a transaction of its own (BEGIN, three or four statements, COMMIT), now run by the
-- database in the same order, with the same locks, inside the caller's statement. The policy's
-- numbers come from LockoutPolicy.swift as arguments; nothing here decides them.
--
-- Answers 0 when the attempt is admitted (and counted), -1 when the address is locked until its
-- password is reset, otherwise the seconds this source must wait.
--
-- VOLATILE, so each statement takes a fresh snapshot as separate statements did: an attempt that
-- waited on the address's row lock then sees what the attempt before it committed. The address's
-- row is always locked first (and `Lockout.reset` deletes it first), so attempts and resets at one
-- address queue instead of deadlocking.
CREATE FUNCTION admit_sign_in(
    attempt_email text,
    attempt_source text,
    threshold integer,
    increment_seconds double precision,
    maximum_wait_seconds double precision,
    hard_limit integer,
    failures_counted_per_source integer
) RETURNS integer
LANGUAGE plpgsql VOLATILE SET search_path FROM CURRENT AS $$
DECLARE
    counted integer;
    source_admitted boolean;
    source_failures integer;
    wait_seconds integer;
BEGIN
    -- The address's row: its lock serialises every attempt at this address; `failures` holds only
    -- the failures that count toward the hard lock.
    INSERT INTO sign_in_attempts AS a (email, failures, admitted) VALUES (attempt_email, 0, true)
    ON CONFLICT (email) DO UPDATE SET updated_at = now()
    RETURNING a.failures INTO counted;
    IF counted >= hard_limit THEN
        RETURN -1;
    END IF;
    -- The source's row: consecutive failures from it and the progressive wait they earned.
    INSERT INTO sign_in_sources AS s (email, source, failures, locked_until, admitted)
    VALUES (attempt_email, attempt_source, 1, CASE WHEN 1 >= threshold
        THEN now() + make_interval(secs => LEAST(maximum_wait_seconds, increment_seconds)) END, true)
    ON CONFLICT (email, source) DO UPDATE SET
        admitted = NOT coalesce(s.locked_until > now(), false),
        failures = CASE WHEN coalesce(s.locked_until > now(), false) THEN s.failures ELSE s.failures + 1 END,
        locked_until = CASE
            WHEN coalesce(s.locked_until > now(), false) THEN s.locked_until
            WHEN s.failures + 1 >= threshold
            THEN now() + make_interval(secs => LEAST(maximum_wait_seconds, increment_seconds * (s.failures + 2 - threshold)))
            ELSE NULL END,
        updated_at = now()
    RETURNING s.admitted, s.failures, ceil(extract(epoch FROM coalesce(s.locked_until, now()) - now()))::integer
    INTO source_admitted, source_failures, wait_seconds;
    IF NOT source_admitted THEN
        RETURN greatest(1, wait_seconds);
    END IF;
    -- LockoutPolicy.countsTowardHardLock: each source adds at most its first few failures.
    IF source_failures <= failures_counted_per_source THEN
        UPDATE sign_in_attempts SET failures = failures + 1 WHERE email = attempt_email;
    END IF;
    RETURN 0;
END
$$;
