#!/usr/bin/env bash
# `make bench`: the auth benchmark (issue 3) on this machine. Builds in release, starts auth and
# analytics on a database of their own (tract_bench) with rate limits out of the way, and runs
# Benchmarks/AuthBench, which prints each rate beside a baseline measured in the same run.
# Never part of `make test`: timings on a shared 2-core machine are not pass/fail material.
# Env: BENCH_SECONDS (10 per measurement), BENCH_CONCURRENCY (32).
set -euo pipefail
# shellcheck source=scripts/lib/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib/common.sh"
cd "$REPO_ROOT"

SECONDS_EACH=${BENCH_SECONDS:-10}
CONCURRENCY=${BENCH_CONCURRENCY:-32}
DB=tract_bench
AUTH_PORT=18081
ANALYTICS_PORT=18085
OUT_DIR="$DATA_DIR/bench"
mkdir -p "$OUT_DIR" "$DATA_DIR/logs"

scripts/db.sh up
load_local_secrets
export PGPASSWORD=tract-local-admin
PSQL=(psql -h 127.0.0.1 -p 55432 -U postgres -v ON_ERROR_STOP=1 -q)
"${PSQL[@]}" -d postgres -c "DROP DATABASE IF EXISTS $DB WITH (FORCE)"
"${PSQL[@]}" -d postgres -v database=$DB -v role_password_suffix=_local -f scripts/sql/bootstrap.sql

ensure_build_deps
log "swift build -c release"
swift build -c release
bin=$(swift build -c release --show-bin-path)

pids=()
cleanup() { for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done; wait 2>/dev/null || true; }
trap cleanup EXIT

start() {  # start SERVICE PORT
    local svc=$1 port=$2
    env PORT="$port" LOG_LEVEL=warning \
        DATABASE_URL="postgres://tract_$svc:tract_${svc}_local@127.0.0.1:55432/$DB" \
        AUTH_JWKS_URL="http://127.0.0.1:$AUTH_PORT/.well-known/jwks.json" \
        AUTH_URL="http://127.0.0.1:$AUTH_PORT" ANALYTICS_URL="http://127.0.0.1:$ANALYTICS_PORT" \
        RATE_LIMIT_REFRESH_PER_5MIN_PER_IP=1000000 RATE_LIMIT_SIGNIN_PER_5MIN_PER_IP=1000000 \
        RATE_LIMIT_SIGNUP_PER_HOUR_PER_IP=100000 RATE_LIMIT_EMAIL_PER_HOUR_PER_IP=100000 \
        "$bin/$svc" serve >"$DATA_DIR/logs/bench-$svc.log" 2>&1 &
    pids+=($!)
    for _ in $(seq 1 100); do
        curl -sf "http://127.0.0.1:$port/health/ready" >/dev/null && return 0
        sleep 0.2
    done
    tail -n 20 "$DATA_DIR/logs/bench-$svc.log" >&2
    die "$svc did not become ready"
}
start auth $AUTH_PORT
start analytics $ANALYTICS_PORT

BENCH_PHASE=signup "$bin/auth-bench" "http://127.0.0.1:$AUTH_PORT" "http://127.0.0.1:$ANALYTICS_PORT" 1 "$CONCURRENCY"
"${PSQL[@]}" -d $DB -c "UPDATE auth.users SET email_verified_at = now() WHERE email LIKE 'bench%@example.com'"

out="$OUT_DIR/auth-$(date -u +%Y%m%dT%H%M%SZ).txt"
"$bin/auth-bench" "http://127.0.0.1:$AUTH_PORT" "http://127.0.0.1:$ANALYTICS_PORT" "$SECONDS_EACH" "$CONCURRENCY" | tee "$out"
log "saved $out"
