-- Issue 11 #21 and #22: versions that let followers apply events in any order.
--
-- `version` is raised by every change of a listing's row, under the row lock, so it is strictly
-- increasing per property; `property.*` events carry it and investments keeps a copy only when an
-- event is not older than the copy (deliveries are parallel and retried, and arrive out of order).
-- A trigger rather than each UPDATE statement: no future write path can forget it.
--
-- `investment_totals_version` is the version of the offering totals (`amount_raised`,
-- `investor_count`) last applied from investments' `offering.totals_changed`; an older or repeated
-- event changes nothing.

ALTER TABLE properties.properties
    ADD COLUMN version bigint NOT NULL DEFAULT 1,
    ADD COLUMN investment_totals_version bigint NOT NULL DEFAULT 0;

CREATE FUNCTION properties.raise_version() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    NEW.version := OLD.version + 1;
    RETURN NEW;
END
$$;

CREATE TRIGGER properties_raise_version BEFORE UPDATE ON properties.properties
    FOR EACH ROW EXECUTE FUNCTION properties.raise_version();
