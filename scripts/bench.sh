#!/usr/bin/env bash
# `make bench`: the benchmarks, on this machine, each reported against a baseline measured in the
# same run (the machine is shared and noisy). Builds in release and uses a database of its own
# (tract_bench).
#   1. auth (issue 3): Benchmarks/AuthBench against auth and analytics with rate limits out of the way.
#   3. investments (issue 5): Benchmarks/InvestmentsBench, one distribution over 10,000 investors
#      (pro rata, waterfall) and a 200-position portfolio with XIRR, beside a baseline sum.
#   3b. distribution (issue 19): one distribution to BENCH_DISTRIBUTION_INVESTORS (10,000) funded investors
#      created and completed through the API of a release investments, end to end, checked in the database.
#   4. ingestion (issue 13): Benchmarks/IngestBench, 500-event batches through POST /v1/analytics/batch
#      beside a raw COPY of as many rows into analytics.events (BENCH_INGEST_CONCURRENCY, 8).
#   2. property search (issue 4): 100k listings (Benchmarks/PropertySearch/load-properties.sql),
#      typical searches over HTTP with wrk, p50/p99 beside GET /health/live on the same service.
# Never part of `make test`: timings on a shared 2-core machine are not pass/fail material.
#   5. analytics funnel (issue 13): Benchmarks/AnalyticsFunnel/generate-events.sql makes BENCH_EVENTS
#      events (10,000,000: ~200k actors, 30 names, 12 months, skewed), then analytics-funnel-bench
#      times the 5-step investment funnel over 30, 90 and 365 days and prints the year's plan.
#   6. live delivery (issue 14): Benchmarks/LiveLatency, BENCH_LIVE_CONNECTIONS (1000) open SSE streams
#      on GET /v1/communications/stream over BENCH_LIVE_USERS (250) users, BENCH_LIVE_RATE (100)
#      appends/s then fan-outs to everyone: commit → client p50/p99, beside the same append read back
#      by a plain poll and GET /health/live, in the same run.
#   7. notification fan-out (issue 14): Benchmarks/NotificationFanout, one renovation.progress_updated to
#      BENCH_FANOUT_INVESTORS (10,000) investors through the notification handler's transaction
#      (notifications, planned mails, live items), beside plain INSERT … SELECT baselines.
#   9. passkeys (issue 15): Benchmarks/AuthBench (BENCH_PHASE=passkeys), WebAuthn assertion verifications
#      in process beside raw ES256 (P256.Signing) over the same bytes, then full passkey sign-ins over
#      HTTP (options + verify) beside GET /health/live, all in the same run.
#   8. messaging (issue 14): Benchmarks/Messaging, BENCH_MESSAGING_SENDERS (20) concurrent senders posting
#      into one conversation of BENCH_MESSAGING_MEMBERS (50), then each into its own of the same size,
#      and the unread total of a user with 200 conversations × 50 unread; baseline GET /health/live;
#      ends by checking the shared conversation's unread count against the messages sent.
#  11. kit (issue 19): the kit's per-request cost over HTTP. Release investments with access logs on
#      (LOG_LEVEL=info) beside Benchmarks/ReferenceService (plain Hummingbird 2 + PostgresNIO, no
#      ServiceKit), wrk -t2 -c64, alternating twice, the better of each: GET /health/live against
#      GET /hello, and an authenticated GET /v1/investments/{id} (token signed by Benchmarks/KitBench,
#      which serves its JWKS) against GET /select1. Then each of the five services started alone:
#      start to ready, and resident memory after 5 s idle.
#  10. campaigns (issue 17): Benchmarks/CampaignBench, one list campaign to BENCH_CAMPAIGN_RECIPIENTS (20,000)
#      through the real sender (claim, render, pipelined SMTP over BENCH_CAMPAIGN_SENDERS (8) kept
#      connections, commit) to a NIO sink that only counts, beside the same SMTP path's ceiling without
#      the campaign (pre-built messages, no database) to the same sink, in the same run.
#  12. soak (issue 19): the suite as make run starts it (release, demo data, gateway), Benchmarks/Soak/mixed.lua through
#      the gateway for BENCH_SOAK_SECONDS (600) at a moderate pace, RSS of every service sampled every 30 s; rows: RSS
#      growth of the worst service after a minute's warm-up, and errors. Needs make run stopped (same ports).
# Env: BENCH_SECONDS (10 per measurement), BENCH_CONCURRENCY (32), BENCH_ONLY (auth|search|investments|distribution|ingest|funnel|live|fanout|messaging|passkeys|campaign|kit|soak),
#      BENCH_PROPERTIES (100000), BENCH_SEARCH_CONNECTIONS (1: latency of one client at a time;
#      more measure throughput, with queueing on 2 cores in the latencies).
set -euo pipefail
# shellcheck source=scripts/lib/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib/common.sh"
cd "$REPO_ROOT"

SECONDS_EACH=${BENCH_SECONDS:-10}
CONCURRENCY=${BENCH_CONCURRENCY:-32}
# BENCH_DATABASE_NAME and BENCH_PORT_OFFSET let two benches run side by side (one per worktree).
DB=${BENCH_DATABASE_NAME:-tract_bench}
OFFSET=${BENCH_PORT_OFFSET:-0}
AUTH_PORT=$((18081 + OFFSET))
ANALYTICS_PORT=$((18085 + OFFSET))
OUT_DIR="$DATA_DIR/bench"
mkdir -p "$OUT_DIR" "$DATA_DIR/logs"

# A cluster already answering on the port (another checkout's) is used as it is.
pg_isready -q -h 127.0.0.1 -p 55432 || scripts/db.sh up
load_local_secrets
export PGPASSWORD=tract-local-admin
PSQL=(psql -h 127.0.0.1 -p 55432 -U postgres -v ON_ERROR_STOP=1 -q)
"${PSQL[@]}" -d postgres -c "DROP DATABASE IF EXISTS $DB WITH (FORCE)"
"${PSQL[@]}" -d postgres -v database="$DB" -v role_password_suffix=_local -f scripts/sql/bootstrap.sql

ensure_build_deps
log "swift build -c release --static-swift-stdlib (each executable, as the image builds)"
# The services, then every benchmark executable (Package.swift's executable targets under Benchmarks/).
# shellcheck disable=SC2046 # one product name per word
build_release $(services | cut -d' ' -f1) $(awk -F'"' '/name: "[a-z-]+-bench"|name: "reference-service"/ { print $2 }' Package.swift)
bin=$(swift build -c release --show-bin-path)

# wrk prints latencies as 812.00us, 3.21ms or 1.02s.
to_ms() {
    awk -v v="$1" 'BEGIN {
        n = v + 0
        if (v ~ /us$/) n = n / 1000; else if (v ~ /ms$/) n = n; else if (v ~ /s$/) n = n * 1000
        printf "%.3f", n
    }'
}

# The issue-19 table: each section adds its rows with `row`, and the end of the run prints them and
# writes them into docs/benchmarks.md between the `bench:summary` markers, with the date and the machine.
SUMMARY="$OUT_DIR/summary-$(date -u +%Y%m%dT%H%M%SZ).tsv"
: >"$SUMMARY"
# row WHAT TRACT REFERENCE RATIO AIM MET(yes|no): one line of the table, "—" where a cell has nothing.
row() { printf '%s\t%s\t%s\t%s\t%s\t%s\n' "$@" >>"$SUMMARY"; }
# rss_kb PID: the process's resident memory in kB (0 when it is gone).
rss_kb() { awk '/VmRSS/ {print $2}' "/proc/$1/status" 2>/dev/null || echo 0; }
# new_id: a random UUID.
new_id() { cat /proc/sys/kernel/random/uuid; }
# ratio A B: A / B to two places.
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b == 0) print "—"; else printf "%.2f", a / b }'; }
# at_least VALUE AIM / at_most VALUE AIM: "yes" when the value meets the aim.
at_least() { awk -v v="$1" -v a="$2" 'BEGIN { print (v >= a) ? "yes" : "no" }'; }
at_most() { awk -v v="$1" -v a="$2" 'BEGIN { print (v <= a) ? "yes" : "no" }'; }

write_summary() {
    [ -s "$SUMMARY" ] || return 0
    local machine table
    machine="$(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GiB", $2 / 1048576}' /proc/meminfo), $(awk -F= '/^PRETTY_NAME=/ {gsub(/"/, "", $2); print $2}' /etc/os-release), $(swift --version 2>/dev/null | awk '/Swift version/ {print "Swift " $3; exit}')"
    table=$(
        printf '<!-- bench:summary (written by make bench; do not edit by hand) -->\n'
        printf "%s, %s, \`BENCH_SECONDS=%s\`:\n\n" "$(date -u +'%Y-%m-%d %H:%M UTC')" "$machine" "$SECONDS_EACH"
        printf '| what | Tract | same-run reference | ratio | aim | met |\n|---|---|---|---|---|---|\n'
        awk -F'\t' '{ printf "| %s | %s | %s | %s | %s | %s |\n", $1, $2, $3, $4, $5, $6 }' "$SUMMARY"
        printf '<!-- /bench:summary -->'
    )
    printf '\n%s\n' "$table"
    # A partial run (BENCH_ONLY) prints its rows; only a full run replaces the documented table.
    [ -z "$ONLY" ] || return 0
    TABLE="$table" python3 - docs/benchmarks.md <<'PY'
import os, re, sys
path = sys.argv[1]
text = open(path).read()
block = os.environ["TABLE"]
pattern = re.compile(r"<!-- bench:summary.*?<!-- /bench:summary -->", re.S)
text = pattern.sub(lambda _: block, text) if pattern.search(text) else text.replace("\n", "\n\n## Summary (issue 19)\n\n" + block + "\n", 1)
open(path, "w").write(text)
PY
    log "wrote the summary table into docs/benchmarks.md"
}

pids=()
cleanup() { for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done; wait 2>/dev/null || true; }
trap cleanup EXIT

launch() {  # launch SERVICE PORT: the service in the background (its pid last in pids), not waited for
    local svc=$1 port=$2 secret="CLIENT_SECRET_${1^^}"
    # With its client secret and the bench's auth to ask for service tokens, a service's outbox
    # delivers its events as in production (without them every delivery was a 401 and a retry,
    # so the sign-in benchmark measured a relay that never handed analytics anything).
    env PORT="$port" LOG_LEVEL="${BENCH_LOG_LEVEL:-warning}" \
        DATABASE_URL="postgres://tract_$svc:tract_${svc}_local@127.0.0.1:55432/$DB" \
        SERVICE_CLIENT_SECRET="${!secret}" AUTH_TOKEN_URL="http://127.0.0.1:$AUTH_PORT/v1/auth/token" \
        AUTH_JWKS_URL="${BENCH_JWKS_URL:-http://127.0.0.1:$AUTH_PORT/.well-known/jwks.json}" \
        AUTH_URL="http://127.0.0.1:$AUTH_PORT" ANALYTICS_URL="http://127.0.0.1:$ANALYTICS_PORT" \
        RATE_LIMIT_REFRESH_PER_5MIN_PER_IP=1000000 RATE_LIMIT_SIGNIN_PER_5MIN_PER_IP=1000000 \
        RATE_LIMIT_SIGNUP_PER_HOUR_PER_IP=100000 RATE_LIMIT_EMAIL_PER_HOUR_PER_IP=100000 \
        RATE_LIMIT_ANALYTICS_PER_MIN_PER_IP=1000000 RATE_LIMIT_PASSKEY_PER_5MIN_PER_IP=1000000 \
        PASSKEY_RP_ID=localhost PASSKEY_ORIGINS=http://localhost:8080 \
        "$bin/$svc" serve >"$DATA_DIR/logs/bench-$svc.log" 2>&1 &
    pids+=($!)
}
start() {  # start SERVICE PORT: launched and ready
    local svc=$1 port=$2
    launch "$svc" "$port"
    for _ in $(seq 1 100); do
        curl -sf "http://127.0.0.1:$port/health/ready" >/dev/null && return 0
        sleep 0.2
    done
    tail -n 20 "$DATA_DIR/logs/bench-$svc.log" >&2
    die "$svc did not become ready"
}
# wait_for_quiet_database: until no statement runs in the bench database for two seconds in a row
# (at most five minutes). A service's start-up work must not share the machine with a measurement:
# analytics rolls up its metrics at start, and after the ingest section that is a million events,
# which once halved the auth section's raw Argon2id rate and made sign-ins look faster than hashing.
wait_for_quiet_database() {
    local quiet=0 active
    for _ in $(seq 1 300); do
        active=$("${PSQL[@]}" -d "$DB" -Atc "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND state = 'active' AND pid <> pg_backend_pid()")
        if [ "$active" = 0 ]; then quiet=$((quiet + 1)); else quiet=0; fi
        [ "$quiet" -lt 2 ] || return 0
        sleep 1
    done
    warn "the bench database was still busy after five minutes; measuring anyway"
}
# A section that starts its own processes stops them when it is done (end_section), so the next
# one finds its ports free and the machine quiet; the trap still stops everything on exit.
mark=0
begin_section() { mark=${#pids[@]}; }
end_section() {
    local pid
    for pid in "${pids[@]:$mark}"; do
        kill -TERM "$pid" 2>/dev/null || true
        wait "$pid" 2>/dev/null || true
    done
}
ONLY=${BENCH_ONLY:-}
# Whether the benchmark named runs: all of them without BENCH_ONLY, else only that one.
runs() { [ -z "$ONLY" ] || [ "$ONLY" = "$1" ]; }
stamp=$(date -u +%Y%m%dT%H%M%SZ)

if runs kit; then
begin_section
ensure_apt wrk
KIT_PORT=$((18186 + OFFSET))
REFERENCE_PORT=$((18187 + OFFSET))
KIT_JWKS_PORT=$((18192 + OFFSET))
investor=$(new_id); property=$(new_id); offering=$(new_id); investment=$(new_id)
# The bench signs an investor's token and serves its JWKS itself (as the tests' issuer does).
BENCH_SUBJECT=$investor BENCH_JWKS_PORT=$KIT_JWKS_PORT "$bin/kit-bench" >"$OUT_DIR/kit-token.txt" 2>&1 &
pids+=($!)
for _ in $(seq 1 100); do [ -s "$OUT_DIR/kit-token.txt" ] && break; sleep 0.1; done
token=$(head -n 1 "$OUT_DIR/kit-token.txt")
# Access logs on, as in production.
BENCH_LOG_LEVEL=info BENCH_JWKS_URL="http://127.0.0.1:$KIT_JWKS_PORT/.well-known/jwks.json" start investments $KIT_PORT
kit_pid=${pids[-1]}
# One position the token's investor holds: the minimum rows a GET /v1/investments/{id} reads.
"${PSQL[@]}" -d "$DB" <<SQL
INSERT INTO investments.property_copies (property_id, sponsor_id, property_name, slug, status, visibility, city, state, in_oz, investment_open)
VALUES ('$property', gen_random_uuid(), 'Bench Lofts', 'bench-lofts', 'active', 'investors', 'Prattville', 'AL', false, true);
INSERT INTO investments.offerings (id, property_id, sponsor_id, name, minimum_investment, target_raise)
SELECT '$offering', property_id, sponsor_id, 'Bench', 1000, 1000000 FROM investments.property_copies WHERE property_id = '$property';
INSERT INTO investments.investments (id, offering_id, property_id, investor_id, amount, share_class)
VALUES ('$investment', '$offering', '$property', '$investor', 5000, 'common');
SQL
# The reference: plain Hummingbird + PostgresNIO on the same database, pooled as Tract is.
env PORT=$REFERENCE_PORT DATABASE_URL="postgres://tract_investments:tract_investments_local@127.0.0.1:55432/$DB" \
    "$bin/reference-service" >"$DATA_DIR/logs/bench-reference.log" 2>&1 &
pids+=($!)
reference_pid=$!
for _ in $(seq 1 100); do curl -sf "http://127.0.0.1:$REFERENCE_PORT/hello" >/dev/null && break; sleep 0.1; done
tract="http://127.0.0.1:$KIT_PORT"; reference="http://127.0.0.1:$REFERENCE_PORT"
read_path="/v1/investments/$investment"
status=$(curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $token" "$tract$read_path")
[ "$status" = 200 ] || die "GET $read_path answered $status, not 200"
[ "$(curl -s "$reference/select1")" = 1 ] || die "the reference service's /select1 does not answer 1"

# rate URL [wrk options]: requests per second over BENCH_SECONDS, refusing a run with failed answers.
rate() {
    local report
    report=$(wrk -t2 -c64 -d"${SECONDS_EACH}s" "$@")
    if grep -q 'Non-2xx' <<<"$report"; then
        printf '%s\n' "$report" >&2
        die "wrk saw failed answers from $1"
    fi
    awk '/Requests\/sec/ {printf "%.0f", $2}' <<<"$report"
}
better() { awk -v a="$1" -v b="$2" 'BEGIN { print (a > b) ? a : b }'; }
out="$OUT_DIR/kit-$stamp.txt"
printf 'kit per-request cost: wrk -t2 -c64, %ss each, Tract (LOG_LEVEL=info) and the reference alternating twice; load %s\n' \
    "$SECONDS_EACH" "$(cut -d' ' -f1-3 /proc/loadavg)" | tee "$out"
wrk -t2 -c64 -d2s "$tract/health/live" >/dev/null; wrk -t2 -c64 -d2s "$reference/hello" >/dev/null   # warm-up
live=0; hello=0; readrate=0; select1=0
for round in 1 2; do
    a=$(rate "$tract/health/live"); b=$(rate "$reference/hello")
    c=$(rate "$tract$read_path" -H "Authorization: Bearer $token"); d=$(rate "$reference/select1")
    printf 'round %s: GET /health/live %7s /s  GET /hello %7s /s  GET /v1/investments/{id} %7s /s  GET /select1 %7s /s\n' \
        "$round" "$a" "$b" "$c" "$d" | tee -a "$out"
    live=$(better "$live" "$a"); hello=$(better "$hello" "$b"); readrate=$(better "$readrate" "$c"); select1=$(better "$select1" "$d")
done
r=$(ratio "$live" "$hello")
row 'GET /health/live (kit middleware, access logs at info)' "$live req/s" "plain Hummingbird GET /hello: $hello req/s" "$r" "≥ 0.6" "$(at_least "$r" 0.6)"
r=$(ratio "$readrate" "$select1")
row 'authenticated one-query read GET /v1/investments/{id}' "$readrate req/s" "Hummingbird + PostgresNIO SELECT 1: $select1 req/s" "$r" "≥ 0.5" "$(at_least "$r" 0.5)"
kill -TERM "$kit_pid" "$reference_pid"; wait "$kit_pid" "$reference_pid" 2>/dev/null || true
# The access log written under load is large and of no further use.
: >"$DATA_DIR/logs/bench-investments.log"

# Idle memory and start-up of each service on its own: migrated first, then started and timed
# from the process's start to its first 200 from /health/ready, then left idle 5 s.
worst_rss=0; worst_ready=0; rss_list=""
for svc in auth properties investments communications analytics; do
    DATABASE_URL="postgres://tract_$svc:tract_${svc}_local@127.0.0.1:55432/$DB" LOG_LEVEL=warning "$bin/$svc" migrate >/dev/null
    port=$((18193 + OFFSET))
    began=$(date +%s.%N)
    launch "$svc" "$port"
    pid=${pids[-1]}
    for _ in $(seq 1 1000); do curl -sf "http://127.0.0.1:$port/health/ready" >/dev/null && break; sleep 0.01; done
    ready=$(awk -v a="$began" -v b="$(date +%s.%N)" 'BEGIN { printf "%.2f", b - a }')
    sleep 5
    rss=$(awk -v kb="$(rss_kb "$pid")" 'BEGIN { printf "%.1f", kb / 1024 }')
    kill -TERM "$pid"; wait "$pid" 2>/dev/null || true
    printf '%-15s start to ready %5s s   idle RSS %5s MB\n' "$svc" "$ready" "$rss" | tee -a "$out"
    rss_list="$rss_list${rss_list:+, }$svc $rss"
    worst_rss=$(better "$worst_rss" "$rss"); worst_ready=$(better "$worst_ready" "$ready")
done
row 'idle RSS per service' "$rss_list MB" "—" "—" "< 40 MB" "$(awk -v v="$worst_rss" 'BEGIN { print (v < 40) ? "yes" : "no" }')"
row 'start to ready' "$worst_ready s (slowest of five)" "—" "—" "< 1 s" "$(awk -v v="$worst_ready" 'BEGIN { print (v < 1) ? "yes" : "no" }')"
log "saved $out"
end_section
fi

if runs investments; then
out="$OUT_DIR/investments-$stamp.txt"
"$bin/investments-bench" | tee "$out"
log "saved $out"
fi

if runs distribution; then
begin_section
# A distribution through the API for 10,000 investors: POST /v1/distributions (allocation and the
# ledger lines) then POST /v1/distributions/{id}/complete (payments, ledger entries, the positions'
# totals, one DistributionPaid event per investor queued in the outbox for communications' notices),
# end to end as the sponsor's client sees it, beside the allocation alone in process.
DISTRIBUTION_PORT=$((18188 + OFFSET))
DISTRIBUTION_JWKS_PORT=$((18189 + OFFSET))
DISTRIBUTION_INVESTORS=${BENCH_DISTRIBUTION_INVESTORS:-10000}
sponsor=$(new_id); property=$(new_id); offering=$(new_id)
BENCH_SUBJECT=$sponsor BENCH_ROLES=sponsor BENCH_JWKS_PORT=$DISTRIBUTION_JWKS_PORT "$bin/kit-bench" >"$OUT_DIR/distribution-token.txt" 2>&1 &
pids+=($!)
for _ in $(seq 1 100); do [ -s "$OUT_DIR/distribution-token.txt" ] && break; sleep 0.1; done
sponsor_token=$(head -n 1 "$OUT_DIR/distribution-token.txt")
BENCH_JWKS_URL="http://127.0.0.1:$DISTRIBUTION_JWKS_PORT/.well-known/jwks.json" start investments $DISTRIBUTION_PORT
"${PSQL[@]}" -d "$DB" <<SQL
INSERT INTO investments.property_copies (property_id, sponsor_id, property_name, slug, status, visibility, city, state, in_oz, investment_open)
VALUES ('$property', '$sponsor', 'Distribution Bench', 'distribution-bench-$offering', 'active', 'investors', 'Mobile', 'AL', true, true);
INSERT INTO investments.offerings (id, property_id, sponsor_id, name, minimum_investment, target_raise)
VALUES ('$offering', '$property', '$sponsor', 'Distribution Bench', 1000, 1000000000);
INSERT INTO investments.investments (id, offering_id, property_id, investor_id, amount, share_class, status, commitment_date, funding_date)
SELECT gen_random_uuid(), '$offering', '$property', gen_random_uuid(), 25000 + (n * 7919) % 500000, 'common', 'funded',
       date '2024-01-01' + n % 365, date '2024-01-01' + n % 365
FROM generate_series(1, $DISTRIBUTION_INVESTORS) n;
ANALYZE investments.investments;
SQL
# One timed call: prints "seconds status" and keeps the body in $2.
timed_post() {
    curl -s -o "$2" -w '%{time_total} %{http_code}' -X POST -H "Authorization: Bearer $sponsor_token" \
        -H 'Content-Type: application/json' -H "Idempotency-Key: $(new_id)" ${3:+-d "$3"} "$1"
    echo   # `read` wants a whole line
}
tract="http://127.0.0.1:$DISTRIBUTION_PORT"
body='{"offering_id":"'$offering'","distribution_type":"quarterly","distribution_date":"2026-06-30","total_amount":"1234567.89","calculation_method":"pro_rata"}'
read -r create_s create_status < <(timed_post "$tract/v1/distributions" "$OUT_DIR/distribution-created.json" "$body")
[ "$create_status" = 201 ] || { cat "$OUT_DIR/distribution-created.json" >&2; die "POST /v1/distributions answered $create_status"; }
distribution=$(python3 -c 'import json, sys; print(json.load(open(sys.argv[1]))["id"])' "$OUT_DIR/distribution-created.json")
read -r complete_s complete_status < <(timed_post "$tract/v1/distributions/$distribution/complete" "$OUT_DIR/distribution-completed.json")
[ "$complete_status" = 200 ] || { cat "$OUT_DIR/distribution-completed.json" >&2; die "POST …/complete answered $complete_status"; }
# What the completion must have written, counted in the database: a bench that skipped work would fail here.
read -r paid ledger queued < <("${PSQL[@]}" -d "$DB" -At -F' ' -c "
    SELECT (SELECT count(*) FROM investments.investor_distributions WHERE distribution_id = '$distribution' AND payment_status = 'completed'),
           (SELECT count(*) FROM investments.transactions WHERE distribution_id = '$distribution'),
           (SELECT count(DISTINCT event_id) FROM investments.outbox
            WHERE event_type = 'distribution.paid' AND lower(envelope->'payload'->>'distribution_id') = '$distribution')")
if [ "$paid" != "$DISTRIBUTION_INVESTORS" ] || [ "$ledger" -lt "$DISTRIBUTION_INVESTORS" ] || [ "$queued" != "$DISTRIBUTION_INVESTORS" ]; then
    die "the completed distribution wrote $paid payments, $ledger ledger rows, $queued queued events for $DISTRIBUTION_INVESTORS investors"
fi
out="$OUT_DIR/distribution-$stamp.txt"
total_s=$(awk -v a="$create_s" -v b="$complete_s" 'BEGIN { printf "%.3f", a + b }')
allocation_ms=$("$bin/investments-bench" | awk '/^pro rata/ && match($0, /[0-9.]+ ms/) {print substr($0, RSTART, RLENGTH - 3)}')
printf 'distribution to %s investors: create %.3f s, complete %.3f s, end to end %s s (%s payments, %s ledger rows, %s events queued); allocation alone %s ms\n' \
    "$DISTRIBUTION_INVESTORS" "$create_s" "$complete_s" "$total_s" "$paid" "$ledger" "$queued" "$allocation_ms" | tee "$out"
row "distribution completed through the API, $DISTRIBUTION_INVESTORS investors (create + complete)" "$total_s s" \
    "allocation alone in process: $allocation_ms ms" "—" "< 1 s" "$(awk -v v="$total_s" 'BEGIN { print (v < 1) ? "yes" : "no" }')"
log "saved $out"
end_section
fi

if runs ingest; then
begin_section
INGEST_PORT=$((18185 + OFFSET))
start analytics $INGEST_PORT   # migrates tract_bench's analytics schema
out="$OUT_DIR/ingest-$stamp.txt"
ANALYTICS_URL="http://127.0.0.1:$INGEST_PORT" BENCH_DATABASE_URL="postgres://postgres:tract-local-admin@127.0.0.1:55432/$DB" \
    BENCH_SECONDS="$SECONDS_EACH" BENCH_CONCURRENCY="${BENCH_INGEST_CONCURRENCY:-8}" "$bin/ingest-bench" | tee "$out"
log "saved $out"
end_section
fi

# auth and passkeys share their auth and analytics, stopped after both (the analytics left running
# used to roll up its metrics in the middle of the funnel benchmark).
begin_section
if runs auth; then
start auth $AUTH_PORT
start analytics $ANALYTICS_PORT
wait_for_quiet_database

BENCH_PHASE=signup "$bin/auth-bench" "http://127.0.0.1:$AUTH_PORT" "http://127.0.0.1:$ANALYTICS_PORT" 1 "$CONCURRENCY"
"${PSQL[@]}" -d "$DB" -c "UPDATE auth.users SET email_verified_at = now() WHERE email LIKE 'bench%@example.com'"

out="$OUT_DIR/auth-$stamp.txt"
"$bin/auth-bench" "http://127.0.0.1:$AUTH_PORT" "http://127.0.0.1:$ANALYTICS_PORT" "$SECONDS_EACH" "$CONCURRENCY" | tee "$out"
log "saved $out"
# result NAME: the rate auth-bench printed as `result NAME RATE`.
result() { awk -v name="$1" '$1 == "result" && $2 == name { print $3 }' "$out"; }
verify_ratio=$(ratio "$(result verified)" "$(result anonymous)")
row "token verification (auth-bench)" "$(result verified) /s" "same request without a token: $(result anonymous) /s" \
    "$verify_ratio" "≥ 0.8" "$(at_least "$verify_ratio" 0.8)"
row "refresh-token rotation" "$(result refreshes) /s = $(result refreshes_per_core) per core ($(nproc) cores)" "—" "—" \
    "≥ 1,000 per core" "$(at_least "$(result refreshes_per_core)" 1000)"
signin_ratio=$(ratio "$(result sign_ins)" "$(result hashes)")
row "password sign-in" "$(result sign_ins) /s" "raw Argon2id at the same parameters: $(result hashes) /s" \
    "$signin_ratio" "≥ 0.9" "$(at_least "$signin_ratio" 0.9)"
fi

if runs passkeys; then
runs auth || start auth $AUTH_PORT
BENCH_PHASE=signup "$bin/auth-bench" "http://127.0.0.1:$AUTH_PORT" "http://127.0.0.1:$ANALYTICS_PORT" 1 "$CONCURRENCY"
"${PSQL[@]}" -d "$DB" -c "UPDATE auth.users SET email_verified_at = now() WHERE email LIKE 'bench%@example.com'"
out="$OUT_DIR/passkeys-$stamp.txt"
BENCH_PHASE=passkeys "$bin/auth-bench" "http://127.0.0.1:$AUTH_PORT" "http://127.0.0.1:$ANALYTICS_PORT" "$SECONDS_EACH" "$CONCURRENCY" |
    tee "$out"
log "saved $out"
fi
end_section

if runs search; then
ensure_apt wrk
PROPERTIES_PORT=$((18082 + OFFSET))
COUNT=${BENCH_PROPERTIES:-100000}
start properties $PROPERTIES_PORT   # migrates tract_bench's properties schema
log "loading $COUNT listings"
"${PSQL[@]}" -d "$DB" -v count="$COUNT" -v sponsor=00000000-0000-7000-8000-000000000001 \
    -f Benchmarks/PropertySearch/load-properties.sql
base="http://127.0.0.1:$PROPERTIES_PORT"
# Typical searches: a first page, filters, full text, a typo, a map, offering filters, a sort.
searches=(
    "/health/live"
    "/v1/properties?limit=20"
    "/v1/properties?state=TX&limit=20"
    "/v1/properties?state=CA&city=los%20angeles&min_units=100&limit=20"
    "/v1/properties?q=riverfront%20lofts&limit=20"
    "/v1/properties?q=magnolai&limit=20"
    "/v1/properties?q=riverfront%20lofts&sort=relevance&limit=20"
    "/v1/properties?q=magnolai&sort=relevance&limit=20"
    "/v1/properties?near=32.38,-86.30&radius_km=25&limit=20"
    "/v1/properties?oz=true&investment_open=true&raise_min=5000000&limit=20"
    "/v1/properties?type=mixed_use&class=A&sort=name&limit=20"
)
CONNECTIONS=${BENCH_SEARCH_CONNECTIONS:-1}
out="$OUT_DIR/search-$stamp.txt"
{
    printf 'property search over %s listings, wrk -c%s for %ss each; baseline = GET /health/live\n' "$COUNT" "$CONNECTIONS" "$SECONDS_EACH"
    printf '%-72s %9s %9s %9s %10s\n' search req/s p50_ms p99_ms p99/base
    base_p99=""
    for path in "${searches[@]}"; do
        report=$(wrk -t1 -c"$CONNECTIONS" -d"${SECONDS_EACH}s" --latency "$base$path")
        rps=$(awk '/Requests\/sec/ {print $2}' <<<"$report")
        p50=$(awk '$1 == "50%" {print $2}' <<<"$report")
        p99=$(awk '$1 == "99%" {print $2}' <<<"$report")
        p50_ms=$(to_ms "$p50"); p99_ms=$(to_ms "$p99")
        [ -n "$base_p99" ] || base_p99=$p99_ms
        printf '%-72s %9s %9.2f %9.2f %9.1fx\n' "$path" "$rps" "$p50_ms" "$p99_ms" "$(awk -v a="$p99_ms" -v b="$base_p99" 'BEGIN {print a / b}')"
        # The issue-19 rows: relevance ranking, a typo included, against /health/live's p99.
        case "$path" in
        *q=riverfront%20lofts\&sort=relevance*) what="search \`q=riverfront lofts&sort=relevance\`, $((COUNT / 1000))k listings, one client" ;;
        *q=magnolai\&sort=relevance*) what="search \`q=magnolai&sort=relevance\` (typo), $((COUNT / 1000))k listings, one client" ;;
        *) what="" ;;
        esac
        [ -z "$what" ] || row "$what" "p99 $p99_ms ms" "\`/health/live\` p99 $base_p99 ms" "$(ratio "$p99_ms" "$base_p99")" "p99 < 20 ms" "$(at_most "$p99_ms" 20)"
    done
} | tee "$out"
log "saved $out"
fi

if runs funnel; then
EVENTS=${BENCH_EVENTS:-10000000}
ANALYTICS_URL_BENCH="postgres://tract_analytics:tract_analytics_local@127.0.0.1:55432/$DB"
DATABASE_URL="$ANALYTICS_URL_BENCH" "$bin/analytics" migrate >/dev/null
log "generating $EVENTS analytics events (minutes on 2 cores)"
PGPASSWORD=tract_analytics_local psql -h 127.0.0.1 -p 55432 -U tract_analytics -d "$DB" -v ON_ERROR_STOP=1 -q \
    -v events="$EVENTS" -f Benchmarks/AnalyticsFunnel/generate-events.sql >/dev/null
out="$OUT_DIR/funnel-$stamp.txt"
DATABASE_URL="$ANALYTICS_URL_BENCH" "$bin/analytics-funnel-bench" | tee "$out"
log "saved $out"
fi

if runs live; then
begin_section
LIVE_PORT=$((18184 + OFFSET))
JWKS_PORT=$((18190 + OFFSET))
CONNECTIONS_LIVE=${BENCH_LIVE_CONNECTIONS:-1000}
# A socket per stream on each side, beside the database's.
ulimit -n 65536 2>/dev/null || ulimit -n 8192 2>/dev/null || true
# The bench signs the tokens and serves their JWKS itself (as the tests' issuer does).
BENCH_JWKS_URL="http://127.0.0.1:$JWKS_PORT/.well-known/jwks.json" LIVE_MAX_STREAMS_PER_USER=100 \
    LIVE_MAX_STREAMS=$((CONNECTIONS_LIVE + 100)) start communications $LIVE_PORT   # migrates tract_bench's communications schema
out="$OUT_DIR/live-$stamp.txt"
COMMUNICATIONS_URL="http://127.0.0.1:$LIVE_PORT" BENCH_JWKS_PORT=$JWKS_PORT BENCH_SECONDS="$SECONDS_EACH" \
    BENCH_DATABASE_URL="postgres://tract_communications:tract_communications_local@127.0.0.1:55432/$DB" \
    BENCH_LIVE_CONNECTIONS="$CONNECTIONS_LIVE" "$bin/live-latency-bench" | tee "$out"
log "saved $out"
end_section
fi

if runs fanout; then
# Migrations alone (`communications migrate`): no delivery worker is running to mail the 10,000.
COMMUNICATIONS_BENCH_URL="postgres://tract_communications:tract_communications_local@127.0.0.1:55432/$DB"
DATABASE_URL="$COMMUNICATIONS_BENCH_URL" LOG_LEVEL=warning "$bin/communications" migrate
out="$OUT_DIR/fanout-$stamp.txt"
BENCH_DATABASE_URL="$COMMUNICATIONS_BENCH_URL" "$bin/notification-fanout-bench" | tee "$out"
log "saved $out"
fi

if runs messaging; then
begin_section
MESSAGING_PORT=$((18185 + OFFSET))
MESSAGING_JWKS_PORT=$((18191 + OFFSET))
# The bench signs the tokens and serves their JWKS itself (as the tests' issuer does).
BENCH_JWKS_URL="http://127.0.0.1:$MESSAGING_JWKS_PORT/.well-known/jwks.json" start communications $MESSAGING_PORT
out="$OUT_DIR/messaging-$stamp.txt"
COMMUNICATIONS_URL="http://127.0.0.1:$MESSAGING_PORT" BENCH_JWKS_PORT=$MESSAGING_JWKS_PORT BENCH_SECONDS="$SECONDS_EACH" \
    BENCH_DATABASE_URL="postgres://tract_communications:tract_communications_local@127.0.0.1:55432/$DB" \
    "$bin/messaging-bench" | tee "$out"
log "saved $out"
end_section
fi

if runs campaign; then
# Migrations alone (`communications migrate`): the bench runs the sender itself.
COMMUNICATIONS_BENCH_URL="postgres://tract_communications:tract_communications_local@127.0.0.1:55432/$DB"
DATABASE_URL="$COMMUNICATIONS_BENCH_URL" LOG_LEVEL=warning "$bin/communications" migrate
out="$OUT_DIR/campaign-$stamp.txt"
BENCH_DATABASE_URL="$COMMUNICATIONS_BENCH_URL" "$bin/campaign-bench" | tee "$out"
log "saved $out"
fi

if runs soak; then
# The whole suite as `make run` starts it (release, demo data, the gateway on 8080), then
# Benchmarks/Soak/mixed.lua through the gateway for BENCH_SOAK_SECONDS (600), with every service's
# RSS sampled every 30 s. Flat means the last sample within 10 % of the first after a minute's warm-up.
ensure_apt wrk
SOAK_SECONDS=${BENCH_SOAK_SECONDS:-600}
if [ -s "$DATA_DIR/run/run.pid" ] && kill -0 "$(cat "$DATA_DIR/run/run.pid")" 2>/dev/null; then
    die "make run is running: stop it first (scripts/run.sh stop); the soak starts the suite itself"
fi
log "soak: starting the suite (release) with scripts/run.sh"
CONFIGURATION=release RATE_LIMIT_SIGNIN_PER_5MIN_PER_IP=1000000 RATE_LIMIT_ANALYTICS_PER_MIN_PER_IP=1000000 \
    RATE_LIMIT_REFRESH_PER_5MIN_PER_IP=1000000 scripts/run.sh >"$DATA_DIR/logs/bench-soak-run.log" 2>&1 &
pids+=($!)
gateway=http://127.0.0.1:8080
signin='{"grant_type":"password","email":"investor@demo.tract.test","password":"demo investor passphrase"}'
token=""
for _ in $(seq 1 900); do
    token=$(curl -sf -H 'Content-Type: application/json' -d "$signin" "$gateway/v1/auth/token" |
        python3 -c 'import json, sys; print(json.load(sys.stdin)["access_token"])' 2>/dev/null || true)
    [ -z "$token" ] || break
    sleep 1
done
[ -n "$token" ] || die "the suite did not come up with its demo data (see $DATA_DIR/logs/bench-soak-run.log)"
rss_file="$OUT_DIR/soak-rss-$stamp.tsv"
sample_rss() {  # elapsed-seconds, then service:pid:rss_kb for each service
    local line=$1 svc pid
    while read -r svc _; do
        pid=$(cat "$DATA_DIR/run/$svc.pid" 2>/dev/null || echo 0)
        line+=" $svc:$pid:$(rss_kb "$pid")"
    done < <(services)
    echo "$line" >>"$rss_file"
}
out="$OUT_DIR/soak-$stamp.txt"
log "soak: $SOAK_SECONDS s of mixed load through the gateway"
SOAK_TOKEN=$token SOAK_EMAIL=investor@demo.tract.test SOAK_PASSWORD="demo investor passphrase" \
    wrk -t2 -c8 -d"${SOAK_SECONDS}s" --timeout 10s -s Benchmarks/Soak/mixed.lua "$gateway" >"$out" 2>&1 &
wrk_pid=$!
started=$SECONDS
while kill -0 "$wrk_pid" 2>/dev/null; do
    sample_rss $((SECONDS - started))
    for _ in $(seq 1 30); do kill -0 "$wrk_pid" 2>/dev/null && sleep 1; done
done
wait "$wrk_pid" || true
sample_rss $((SECONDS - started))
cat "$out"
# The first sample at or after a minute's warm-up (or the first, for a short soak) against the last;
# a service whose pid changed was restarted, which counts as an error.
read -r worst growth first_kb last_kb restarts < <(awk -v warm=60 '
    { t = $1
      for (i = 2; i <= NF; i++) {
          split($i, f, ":"); svc = f[1]
          if ((svc in pid) && pid[svc] != f[2]) restarts++
          pid[svc] = f[2]
          if (!(svc in early)) early[svc] = f[3]
          if (t >= warm && !(svc in first)) first[svc] = f[3]
          last[svc] = f[3]
      } }
    END { best = -1e9
          for (svc in last) {
              if (!(svc in first)) first[svc] = early[svc]
              g = first[svc] > 0 ? (last[svc] - first[svc]) / first[svc] : 0
              if (g > best) { best = g; w = svc }
          }
          printf "%s %.4f %d %d %d\n", w, best, first[w], last[w], restarts + 0 }' "$rss_file")
requests=$(awk '/^soak:/ {print $2}' "$out")
errors=$(awk '/^soak:/ {print $4}' "$out")
errors=$((${errors:-1} + restarts))
row "soak: RSS over ${SOAK_SECONDS} s of mixed load through the gateway, worst service" \
    "$worst $(awk -v a="$first_kb" -v b="$last_kb" -v g="$growth" 'BEGIN { printf "%.1f → %.1f MB (%+.1f %%)", a / 1024, b / 1024, g * 100 }')" \
    "—" "$(awk -v g="$growth" 'BEGIN { printf "%.2f", 1 + g }')" "flat (≤ 1.10)" "$(at_most "$growth" 0.10)"
row "soak: errors (4xx/5xx, socket errors, restarts)" "$errors of ${requests:-0} requests" "—" "—" "0" \
    "$( [ "$errors" -eq 0 ] && echo yes || echo no)"
log "saved $out and $rss_file"
fi

write_summary
