-- Issue 19: a distribution's completion updates every one of its lines (pending → completed) and
-- every position it pays (the running total), 10,000 of each for a large offering. With full pages
-- each of those updates wrote a new entry into every index of the table; with room on the page the
-- new row version stays beside the old one (a HOT update) and no index is touched, since neither
-- update changes an indexed column.
--   - investor_distributions: each line is updated exactly once, soon after it is written, so half
--     of each page is kept for that one update; after vacuum the table is no larger than the dead
--     row versions of non-HOT updates left it, and its indexes no longer bloat.
--   - investments: updated by every distribution and status change: the usual 70 % for a table
--     updated often.
-- Pages written from now on follow the setting.
ALTER TABLE investments.investor_distributions SET (fillfactor = 50);
ALTER TABLE investments.investments SET (fillfactor = 70);
