-- Each actor's first event of each name per UTC day (README "Funnels"), kept by the metrics
-- rollup with the rest of a day's rows. A long funnel's first step reads the rolled-up days here
-- instead of the events: one btree in (name, actor) order, so the first time per actor is a
-- streaming aggregate over an index-only scan, where the events' monthly partitions need a hash
-- aggregate of every event (on 10M events, a year's listing_viewed: ~0.25 s here, ~0.5 s there).
-- min over the days of a range of each day's first = the first in the range (ranges are whole days).
CREATE TABLE funnel_firsts (
    name text NOT NULL,
    actor text NOT NULL,
    day date NOT NULL,
    first_at timestamptz NOT NULL,
    PRIMARY KEY (name, actor, day) INCLUDE (first_at)
);

-- The days `funnel_firsts` holds and when the rollup made them: a funnel reads a day from the
-- rollup only if it was over by then (later days come from the events).
CREATE TABLE funnel_days (
    day date PRIMARY KEY,
    computed_at timestamptz NOT NULL
);
