#!/usr/bin/env bash
# `make run`: the whole suite on this machine, no Docker. Local Postgres (scripts/db.sh up), one
# build, migrations, the five services and the nginx gateway on http://127.0.0.1:8080; Ctrl-C stops
# it all. `scripts/run.sh stop` stops a suite started elsewhere.
# Env: CONFIGURATION=debug|release (default debug), READY_TIMEOUT seconds (60); service settings
# (LOG_LEVEL, ...) pass through to the services.
# State: .data/run/*.pid (what is running), .data/logs/<service>.log, .data/gateway/ (nginx),
# .data/mail/ (every email the suite sends, kept by the local mail sink), .data/secrets.env.
set -euo pipefail
# shellcheck source=scripts/lib/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib/common.sh"
cd "$REPO_ROOT"

RUN_DIR="$DATA_DIR/run"
MAIL_DIR="$DATA_DIR/mail"
MAIL_PORT=1025
LOG_DIR="$DATA_DIR/logs"
GATEWAY_DIR="$DATA_DIR/gateway"
GATEWAY_URL=http://127.0.0.1:8080
CONFIGURATION=${CONFIGURATION:-debug}
READY_TIMEOUT=${READY_TIMEOUT:-60}
# nginx needs no privilege for port 8080: when we are root, its processes run as this user.
NGINX_USER=nobody

declare -A PORT=()
SERVICES=()
while read -r name port; do SERVICES+=("$name"); PORT[$name]=$port; done < <(services)

# alive_as PID TEXT: PID runs and its command line contains TEXT (a recycled pid does not count).
alive_as() {
    [ -n "$1" ] && [ -r "/proc/$1/cmdline" ] && tr '\0' ' ' <"/proc/$1/cmdline" | grep -qF -- "$2"
}

# stop_pid PID [SECONDS]: SIGTERM, wait for it to go, SIGKILL after SECONDS (default 20).
stop_pid() {
    local pid=$1 limit=$(( ${2:-20} * 5 )) i=0
    kill -TERM "$pid" 2>/dev/null || return 0
    while kill -0 "$pid" 2>/dev/null; do
        if [ $((i += 1)) -gt "$limit" ]; then
            warn "pid $pid ignored SIGTERM; killing it"
            kill -KILL "$pid" 2>/dev/null || true
            break
        fi
        sleep 0.2
    done
    wait "$pid" 2>/dev/null || true   # reap it when it was our child
}

stop_mail_sink() {
    local pid
    pid=$(cat "$RUN_DIR/mail-sink.pid" 2>/dev/null || true)
    if alive_as "$pid" "mail-sink.py"; then stop_pid "$pid" 5; fi
    rm -f "$RUN_DIR/mail-sink.pid"
}

# The local mail sink (scripts/mail-sink.py, aiosmtpd): communications sends to it over SMTP and it
# keeps each message as .data/mail/*.eml, announced in .data/logs/mail.log.
start_mail_sink() {
    ensure_venv
    mkdir -p "$MAIL_DIR"
    setsid "$VENV_DIR/bin/python" scripts/mail-sink.py --port "$MAIL_PORT" --folder "$MAIL_DIR" \
        >"$LOG_DIR/mail.log" 2>&1 </dev/null &
    echo $! >"$RUN_DIR/mail-sink.pid"
}

stop_gateway() {
    local pid
    pid=$(cat "$GATEWAY_DIR/nginx.pid" 2>/dev/null || true)
    if alive_as "$pid" "nginx: master"; then
        log "stopping gateway (nginx $pid)"
        stop_pid "$pid" 10
    fi
    rm -f "$GATEWAY_DIR/nginx.pid"
}

# What a previous run left behind: its run.sh (whose trap stops its own children in order), then
# any service or nginx that outlived it (run.sh killed with -9, a crash, a closed terminal).
stop_previous() {
    local pid svc
    pid=$(cat "$RUN_DIR/run.pid" 2>/dev/null || true)
    if [ "$pid" != "$$" ] && alive_as "$pid" "run.sh"; then
        log "stopping the previous run (pid $pid)"
        stop_pid "$pid" 40
    fi
    rm -f "$RUN_DIR/run.pid"
    stop_mail_sink
    for svc in "${SERVICES[@]}"; do
        pid=$(cat "$RUN_DIR/$svc.pid" 2>/dev/null || true)
        if alive_as "$pid" "/$svc serve"; then
            log "stopping stale $svc (pid $pid)"
            stop_pid "$pid"
        fi
        rm -f "$RUN_DIR/$svc.pid"
    done
    stop_gateway
}

port_busy() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

STARTED=()   # pids of the services this run started
cleanup() {
    trap - EXIT INT TERM
    local svc pid
    log "stopping the suite"
    stop_gateway
    stop_mail_sink
    # SIGTERM all first so they drain in parallel, then wait for each.
    for pid in "${STARTED[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
    for svc in "${SERVICES[@]}"; do
        pid=$(cat "$RUN_DIR/$svc.pid" 2>/dev/null || true)
        [ -z "$pid" ] || stop_pid "$pid"
        rm -f "$RUN_DIR/$svc.pid"
    done
    rm -f "$RUN_DIR/run.pid"
    log "stopped"
}

start_gateway() {
    ensure_apt nginx
    local nginx=/usr/sbin/nginx
    mkdir -p "$GATEWAY_DIR"
    GATEWAY_DIR=$GATEWAY_DIR scripts/gateway.sh render local >"$GATEWAY_DIR/nginx.conf"
    local -a as_user=()
    if [ "$(id -u)" -eq 0 ]; then
        ensure_traversable "$NGINX_USER" "$GATEWAY_DIR"
        chown -R "$NGINX_USER" "$GATEWAY_DIR"
        as_user=(runuser -u "$NGINX_USER" --)
    fi
    "${as_user[@]}" "$nginx" -t -q -e "$GATEWAY_DIR/error.log" -c "$GATEWAY_DIR/nginx.conf"
    # Daemonizes; its pid file is $GATEWAY_DIR/nginx.pid.
    "${as_user[@]}" "$nginx" -e "$GATEWAY_DIR/error.log" -c "$GATEWAY_DIR/nginx.conf"
}

# wait_ready: every /v1/<svc>/health/ready through the gateway answers 200, or explain and fail.
wait_ready() {
    local deadline=$((SECONDS + READY_TIMEOUT)) svc code pending
    declare -A status=()
    while :; do
        pending=()
        for svc in "${SERVICES[@]}"; do
            [ "${status[$svc]:-}" = 200 ] && continue
            if ! kill -0 "$(cat "$RUN_DIR/$svc.pid")" 2>/dev/null; then
                echo "$svc exited during start-up; last lines of $LOG_DIR/$svc.log:" >&2
                tail -n 30 "$LOG_DIR/$svc.log" >&2
                return 1
            fi
            code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 2 "$GATEWAY_URL/v1/$svc/health/ready" || true)
            status[$svc]=$code
            [ "$code" = 200 ] || pending+=("$svc")
        done
        [ ${#pending[@]} -eq 0 ] && return 0
        if [ "$SECONDS" -ge "$deadline" ]; then
            for svc in "${pending[@]}"; do
                echo "$svc not ready after ${READY_TIMEOUT}s (GET $GATEWAY_URL/v1/$svc/health/ready -> ${status[$svc]}); last lines of $LOG_DIR/$svc.log:" >&2
                tail -n 30 "$LOG_DIR/$svc.log" >&2
            done
            return 1
        fi
        sleep 0.5
    done
}

run() {
    local svc pid bin
    local -a build_flags=()
    case "$CONFIGURATION" in
        debug) ;;
        release) build_flags=(-c release) ;;
        *) die "CONFIGURATION must be debug or release, not '$CONFIGURATION'" ;;
    esac
    mkdir -p "$RUN_DIR" "$LOG_DIR"
    stop_previous
    for port in "${PORT[@]}" 8080 "$MAIL_PORT"; do
        if port_busy "$port"; then die "port $port is in use by a process this script did not start"; fi
    done
    echo "$$" >"$RUN_DIR/run.pid"
    trap cleanup EXIT
    trap 'exit 130' INT
    trap 'exit 143' TERM

    scripts/db.sh up
    ensure_apt curl
    load_local_secrets
    start_mail_sink

    ensure_build_deps
    log "swift build ${build_flags[*]}"
    swift build "${build_flags[@]}"
    bin=$(swift build "${build_flags[@]}" --show-bin-path)

    for svc in "${SERVICES[@]}"; do
        : >"$LOG_DIR/$svc.log"
        log "$svc migrate"
        if ! "$bin/$svc" migrate >>"$LOG_DIR/$svc.log" 2>&1; then
            tail -n 30 "$LOG_DIR/$svc.log" >&2
            die "$svc migrate failed (log: $LOG_DIR/$svc.log)"
        fi
    done

    start_service() {   # start_service SVC: in the background, its pid in $RUN_DIR/SVC.pid
        local svc=$1 secret="CLIENT_SECRET_${1^^}"
        # setsid: Ctrl-C reaches only this script, which then stops the services with SIGTERM.
        # Behind the gateway, which overwrites X-Forwarded-For, so the services may trust it.
        HOST=127.0.0.1 PORT=${PORT[$svc]} MIGRATE_ON_START=false TRUSTED_PROXIES=127.0.0.1,::1 \
            SERVICE_CLIENT_SECRET=${!secret} SMTP_PORT=$MAIL_PORT \
            setsid "$bin/$svc" serve >>"$LOG_DIR/$svc.log" 2>&1 </dev/null &
        STARTED+=("$!")
        echo "$!" >"$RUN_DIR/$svc.pid"
    }
    for svc in "${SERVICES[@]}"; do start_service "$svc"; done

    log "starting gateway on $GATEWAY_URL"
    start_gateway
    log "waiting for the services to be ready (${READY_TIMEOUT}s at most)"
    wait_ready || die "the suite did not come up"

    # Demo data hook: scripts/demo-data.sh (when present and executable) loads demo data through
    # the gateway once everything is ready. It gets GATEWAY_URL; a failure stops the run.
    if [ -x scripts/demo-data.sh ]; then
        log "loading demo data (scripts/demo-data.sh)"
        GATEWAY_URL=$GATEWAY_URL scripts/demo-data.sh
    fi

    echo
    echo "Tract is running ($CONFIGURATION build). Ctrl-C stops it."
    echo "  gateway      $GATEWAY_URL   (e.g. $GATEWAY_URL/v1/auth/health/ready)"
    for svc in "${SERVICES[@]}"; do
        printf '  %-14s http://127.0.0.1:%s   log %s\n' "$svc" "${PORT[$svc]}" "$LOG_DIR/$svc.log"
    done
    echo "  gateway logs $GATEWAY_DIR/access.log, $GATEWAY_DIR/error.log"
    echo "  mail         every email the suite sends is kept in $MAIL_DIR (one line each in $LOG_DIR/mail.log)"
    echo "  postgres     postgres://postgres:tract-local-admin@127.0.0.1:55432/tract (scripts/db.sh psql)"
    echo

    # Until Ctrl-C/SIGTERM (the traps exit, and cleanup runs). A service that exits is started
    # again, as Kubernetes would restart its pod, after a pause that doubles with each restart in
    # a row (1 s up to 30 s; back to 1 s once it has stayed up for a minute).
    declare -A restarts=() started_at=()
    for svc in "${SERVICES[@]}"; do restarts[$svc]=0; started_at[$svc]=$SECONDS; done
    while :; do
        wait -n "${STARTED[@]}" 2>/dev/null || sleep 1
        for svc in "${SERVICES[@]}"; do
            kill -0 "$(cat "$RUN_DIR/$svc.pid")" 2>/dev/null && continue
            (( SECONDS - started_at[$svc] >= 60 )) && restarts[$svc]=0
            local pause=$(( 1 << restarts[$svc] ))
            (( pause > 30 )) && pause=30
            restarts[$svc]=$(( restarts[$svc] + 1 ))
            warn "$svc exited unexpectedly; restarting it in ${pause}s (restart ${restarts[$svc]} in a row; log: $LOG_DIR/$svc.log)"
            tail -n 5 "$LOG_DIR/$svc.log" >&2
            sleep "$pause"
            start_service "$svc"
            started_at[$svc]=$SECONDS
        done
        # Only the live processes: a pid that exited may be reused by something else.
        STARTED=()
        for svc in "${SERVICES[@]}"; do STARTED+=("$(cat "$RUN_DIR/$svc.pid")"); done
    done
}

case "${1:-}" in
    "") run ;;
    stop) stop_previous ;;
    *) echo "usage: $0 [stop]" >&2; exit 2 ;;
esac
