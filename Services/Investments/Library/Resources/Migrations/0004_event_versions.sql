-- Issue 11 #21 and #22: versions that make events safe to apply in any order.
--
-- `property_copies.source_version` is the version of the properties row the copy was taken from
-- (`PropertySnapshot.version`): a `property.*` event older than the copy changes nothing, so a late
-- `property.updated` can neither bring back a deleted property nor overwrite newer terms. Copies
-- made before versions existed hold 0.
--
-- `offerings.totals_version` is raised with every change of `amount_raised`/`investor_count`
-- (in the same statement, under the row lock) and travels with `offering.totals_changed`, so
-- properties keeps the newest totals for its listing.

ALTER TABLE investments.property_copies ADD COLUMN source_version bigint NOT NULL DEFAULT 0;

ALTER TABLE investments.offerings ADD COLUMN totals_version bigint NOT NULL DEFAULT 0;
