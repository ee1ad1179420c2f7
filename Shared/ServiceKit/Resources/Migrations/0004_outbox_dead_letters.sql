-- A delivery that has failed EVENT_MAX_ATTEMPTS times stops being retried and waits here, dead,
-- for an operator (GET /internal/outbox/dead-letters, POST …/{id}/retry): a poison event no longer
-- retries forever, and the rows still due stay cheap to find.
ALTER TABLE outbox ADD COLUMN dead_at timestamptz;

DROP INDEX outbox_due;
CREATE INDEX outbox_due ON outbox (next_attempt_at, id) WHERE delivered_at IS NULL AND dead_at IS NULL;
CREATE INDEX outbox_dead ON outbox (id) WHERE dead_at IS NOT NULL;
