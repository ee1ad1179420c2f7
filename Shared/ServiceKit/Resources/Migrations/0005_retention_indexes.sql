-- What the retention purge looks rows up by (ServiceKit/Retention): without these each hourly run
-- would scan the whole table to find the few rows that have aged out.
CREATE INDEX outbox_delivered ON outbox (delivered_at) WHERE delivered_at IS NOT NULL;
CREATE INDEX inbox_received ON inbox (received_at);
