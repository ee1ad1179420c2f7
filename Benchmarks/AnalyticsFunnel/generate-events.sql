-- Synthetic analytics events for the funnel benchmark (`make bench`) and, smaller, for demo data:
-- :events rows (default 10,000,000) from :actors actors (200,000) over the :days days (365) that
-- end at :end_day (today), with the skew real traffic has: a few heavy actors and a long tail
-- (actor = floor(actors * random()^2): the busiest has ~0.2% of all events), ~30 names from common (page_viewed) to rare
-- (investment.funded), 30% of actors anonymous. Funnel events carry properties.offering_id
-- (one of 40 offerings) and properties.plan; user.created carries first_auth_source.
-- Run as a role that can write analytics.events, e.g.
--   psql -v events=1000000 -v actors=20000 -f Benchmarks/AnalyticsFunnel/generate-events.sql
-- Deterministic for a given setseed, so two runs compare like with like.
\if :{?events} \else \set events 10000000 \endif
\if :{?actors} \else \set actors 200000 \endif
\if :{?days} \else \set days 365 \endif
\if :{?end_day} \else \set end_day `date -u +%Y-%m-%d` \endif

SELECT setseed(0.42);
SELECT analytics.ensure_event_partitions((date :'end_day' - :days - 31)::date, (:days / 28) + 4);

-- Names by rank, rank i chosen with probability about 1/(i + 1.5) (Zipf-like, see the join below).
CREATE TEMPORARY TABLE bench_names (rank integer PRIMARY KEY, name text NOT NULL, origin text NOT NULL);
INSERT INTO bench_names (rank, name, origin)
SELECT ordinality - 1, n, CASE WHEN n LIKE '%.%' THEN split_part(n, '.', 1) ELSE 'client' END
FROM unnest(ARRAY[
    'page_viewed', 'listings_viewed', 'listing_viewed', 'search_performed', 'dashboard_viewed',
    'listing_details_opened', 'auth_initiated', 'oz_check_started', 'tax_calculator_opened', 'documents_downloaded',
    'oz_check.completed', 'signup_started', 'interest_expressed', 'user.created', 'qualification_started',
    'user.signed_in', 'investment.committed', 'community_opened', 'team_contact_opened', 'investor_profile.updated',
    'investment.funded', 'nps_submitted', 'document.uploaded', 'distribution.paid', 'statement.issued',
    'property.published', 'offering.opened', 'verification.submitted', 'user.email_verified', 'investment.cancelled'
]) WITH ORDINALITY AS t(n, ordinality);

INSERT INTO analytics.events
    (id, name, origin, occurred_at, received_at, user_id, anonymous_id, actor, session_id, utm_source, properties)
SELECT id, b.name, b.origin, at, at, user_id, anonymous_id,
       coalesce(user_id::text, 'anon:' || anonymous_id), session_id, utm_source,
       CASE
           WHEN b.name IN ('listing_viewed', 'listing_details_opened', 'documents_downloaded', 'interest_expressed',
                           'investment.committed', 'investment.funded', 'investment.cancelled')
               THEN jsonb_build_object('offering_id', md5('offering' || (actor_n % 40))::uuid, 'plan', (ARRAY['basic', 'pro'])[1 + actor_n % 2])
           WHEN b.name = 'user.created' THEN jsonb_build_object('first_auth_source', (ARRAY['check_oz', 'tax_calculator', 'see_oz_listings', 'qualify_investor'])[1 + actor_n % 4])
           ELSE '{}'::jsonb
       END
FROM (
    SELECT md5('event' || g)::uuid AS id,
           actor_n,
           CASE WHEN actor_n % 10 < 7 THEN md5('user' || actor_n)::uuid END AS user_id,
           CASE WHEN actor_n % 10 >= 7 THEN 'a' || actor_n END AS anonymous_id,
           'S' || actor_n || '-' || (g % 97) AS session_id,
           CASE actor_n % 5 WHEN 0 THEN 'google' WHEN 1 THEN 'newsletter' WHEN 2 THEN 'linkedin' END AS utm_source,
           date :'end_day' - make_interval(secs => random() * :days * 86400) AS at,
           random() AS pick
    FROM (SELECT g, floor(:actors * random() ^ 2)::integer AS actor_n FROM generate_series(1, :events) AS g) AS s
) AS e
-- rank = floor(31^pick) - 1: P(rank = i) = ln((i + 2) / (i + 1)) / ln 31, about 1/(i + 1.5) / ln 31.
JOIN bench_names b ON b.rank = least(29, floor(exp(e.pick * ln(31)))::integer - 1);

ANALYZE analytics.events;
