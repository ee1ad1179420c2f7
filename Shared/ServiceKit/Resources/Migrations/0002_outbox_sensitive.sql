-- Some events carry secrets meant for one recipient (one-time links and codes in email requests).
-- Their envelopes are replaced by a stub once delivered, so the outbox does not keep them.
ALTER TABLE outbox ADD COLUMN sensitive boolean NOT NULL DEFAULT false;
