#!/usr/bin/env bash
# `make run`: the whole suite on this machine, no Docker. Local Postgres (scripts/db.sh up), one
# build, migrations, the five services and the nginx gateway on http://127.0.0.1:8080; Ctrl-C stops
# it all. `scripts/run.sh stop` stops a suite started elsewhere.
# Env: CONFIGURATION=debug|release (default debug), READY_TIMEOUT seconds (60), REPLICAS (1-9,
# default 1: processes of each service; replica k listens on the service's port + 100·(k-1), and
# the services call each other through the gateway's peer addresses, port + 1000, which spread
# over the replicas as a Kubernetes Service does); service settings (LOG_LEVEL, ...) pass through.
# A service process that exits is started again after a back-off, as Kubernetes restarts a pod.
# State: .data/run/*.pid (what is running), .data/logs/<service>[-<k>].log, .data/gateway/ (nginx),
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
REPLICAS=${REPLICAS:-1}
[[ "$REPLICAS" =~ ^[1-9]$ ]] || die "REPLICAS must be 1 to 9, not '$REPLICAS'"
export REPLICAS   # scripts/gateway.sh renders the upstreams from it
# nginx needs no privilege for port 8080: when we are root, its processes run as this user.
NGINX_USER=nobody

declare -A PORT=()
SERVICES=()
while read -r name port; do SERVICES+=("$name"); PORT[$name]=$port; done < <(services)

# Replica k (1..REPLICAS) of a service: its name in pid and log files (replica 1 keeps the plain
# service name, as with one replica) and its port.
INSTANCES=()   # "<service> <k>"
for svc in "${SERVICES[@]}"; do for ((k = 1; k <= REPLICAS; k++)); do INSTANCES+=("$svc $k"); done; done
instance_name() { if [ "$2" -eq 1 ]; then echo "$1"; else echo "$1-$2"; fi; }
replica_port() { echo $(( PORT[$1] + 100 * ($2 - 1) )); }
peer_port() { echo $(( PORT[$1] + 1000 )); }

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
    local pid svc file
    pid=$(cat "$RUN_DIR/run.pid" 2>/dev/null || true)
    if [ "$pid" != "$$" ] && alive_as "$pid" "run.sh"; then
        log "stopping the previous run (pid $pid)"
        stop_pid "$pid" 40
    fi
    rm -f "$RUN_DIR/run.pid"
    stop_mail_sink
    # Every replica a previous run left, whatever its REPLICAS was.
    for svc in "${SERVICES[@]}"; do
        for file in "$RUN_DIR/$svc.pid" "$RUN_DIR/$svc"-[0-9].pid; do
            [ -e "$file" ] || continue
            pid=$(cat "$file" 2>/dev/null || true)
            if alive_as "$pid" "/$svc serve"; then
                log "stopping stale $(basename "$file" .pid) (pid $pid)"
                stop_pid "$pid"
            fi
            rm -f "$file"
        done
    done
    stop_gateway
}

port_busy() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

STARTED=()   # pids of the services this run started
cleanup() {
    trap - EXIT INT TERM
    local instance name pid
    log "stopping the suite"
    stop_gateway
    stop_mail_sink
    # SIGTERM all first so they drain in parallel, then wait for each.
    for pid in "${STARTED[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
    for instance in "${INSTANCES[@]}"; do
        # shellcheck disable=SC2086 # "<service> <k>" splits into the two arguments
        name=$(instance_name $instance)
        pid=$(cat "$RUN_DIR/$name.pid" 2>/dev/null || true)
        [ -z "$pid" ] || stop_pid "$pid"
        rm -f "$RUN_DIR/$name.pid"
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

# wait_ready: every replica answers 200 on its own /health/ready, and every service's
# /v1/<svc>/health/ready answers 200 through the gateway; or explain and fail.
wait_ready() {
    local deadline=$((SECONDS + READY_TIMEOUT)) instance svc k name url code pending
    declare -A status=()
    while :; do
        pending=()
        for instance in "${INSTANCES[@]}"; do
            read -r svc k <<<"$instance"
            name=$(instance_name "$svc" "$k")
            [ "${status[$name]:-}" = 200 ] && continue
            if ! kill -0 "$(cat "$RUN_DIR/$name.pid")" 2>/dev/null; then
                echo "$svc replica $k exited during start-up; last lines of $LOG_DIR/$name.log:" >&2
                tail -n 30 "$LOG_DIR/$name.log" >&2
                return 1
            fi
            url=http://127.0.0.1:$(replica_port "$svc" "$k")/health/ready
            code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 2 "$url" || true)
            status[$name]=$code
            [ "$code" = 200 ] || pending+=("$name $url")
        done
        for svc in "${SERVICES[@]}"; do
            [ "${status[gateway/$svc]:-}" = 200 ] && continue
            url=$GATEWAY_URL/v1/$svc/health/ready
            code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 2 "$url" || true)
            status[gateway/$svc]=$code
            [ "$code" = 200 ] || pending+=("$svc $url")
        done
        [ ${#pending[@]} -eq 0 ] && return 0
        if [ "$SECONDS" -ge "$deadline" ]; then
            local entry
            for entry in "${pending[@]}"; do
                read -r name url <<<"$entry"
                echo "$name not ready after ${READY_TIMEOUT}s (GET $url -> ${status[$name]:-${status[gateway/$name]:-}}); last lines of $LOG_DIR/$name.log:" >&2
                tail -n 30 "$LOG_DIR/$name.log" >&2
            done
            return 1
        fi
        sleep 0.5
    done
}

run() {
    local svc k pid bin instance name
    case "$CONFIGURATION" in
        debug | release) ;;
        *) die "CONFIGURATION must be debug or release, not '$CONFIGURATION'" ;;
    esac
    mkdir -p "$RUN_DIR" "$LOG_DIR"
    stop_previous
    local -a ports=(8080 "$MAIL_PORT")
    for instance in "${INSTANCES[@]}"; do
        # shellcheck disable=SC2086 # "<service> <k>" splits into the two arguments
        ports+=("$(replica_port $instance)")
    done
    if [ "$REPLICAS" -gt 1 ]; then for svc in "${SERVICES[@]}"; do ports+=("$(peer_port "$svc")"); done; fi
    for port in "${ports[@]}"; do
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
    if [ "$CONFIGURATION" = release ]; then
        log "swift build -c release --static-swift-stdlib (each service, as the image builds)"
        build_release "${SERVICES[@]}"
        bin=$(swift build -c release --show-bin-path)
    else
        log "swift build"
        swift build
        bin=$(swift build --show-bin-path)
    fi

    for instance in "${INSTANCES[@]}"; do
        # shellcheck disable=SC2086 # "<service> <k>" splits into the two arguments
        : >"$LOG_DIR/$(instance_name $instance).log"
    done
    for svc in "${SERVICES[@]}"; do
        log "$svc migrate"
        if ! "$bin/$svc" migrate >>"$LOG_DIR/$svc.log" 2>&1; then
            tail -n 30 "$LOG_DIR/$svc.log" >&2
            die "$svc migrate failed (log: $LOG_DIR/$svc.log)"
        fi
    done

    # With replicas, the services reach each other through the peer addresses (port + 1000), as
    # pods reach a Kubernetes Service, so their calls spread over the replicas too.
    local -a peers=()
    if [ "$REPLICAS" -gt 1 ]; then
        for svc in "${SERVICES[@]}"; do peers+=("${svc^^}_URL=http://127.0.0.1:$(peer_port "$svc")"); done
        peers+=("AUTH_JWKS_URL=http://127.0.0.1:$(peer_port auth)/.well-known/jwks.json"
            "AUTH_TOKEN_URL=http://127.0.0.1:$(peer_port auth)/v1/auth/token")
    fi
    declare -A PID_OF=()   # instance name -> pid of its current process
    start_service() {   # start_service SVC K: replica K in the background, its pid in $RUN_DIR/<name>.pid
        local svc=$1 k=$2 secret="CLIENT_SECRET_${1^^}" name
        name=$(instance_name "$svc" "$k")
        # setsid: Ctrl-C reaches only this script, which then stops the services with SIGTERM.
        # Behind the gateway, which overwrites X-Forwarded-For, so the services may trust it.
        env "${peers[@]}" HOST=127.0.0.1 PORT="$(replica_port "$svc" "$k")" MIGRATE_ON_START=false \
            TRUSTED_PROXIES=127.0.0.1,::1 SERVICE_CLIENT_SECRET="${!secret}" SMTP_PORT=$MAIL_PORT \
            setsid "$bin/$svc" serve >>"$LOG_DIR/$name.log" 2>&1 </dev/null &
        STARTED+=("$!")
        PID_OF[$name]=$!
        echo "$!" >"$RUN_DIR/$name.pid"
    }
    for instance in "${INSTANCES[@]}"; do
        # shellcheck disable=SC2086 # "<service> <k>" splits into the two arguments
        start_service $instance
    done

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
    echo "Tract is running ($CONFIGURATION build, $REPLICAS replica(s) of each service). Ctrl-C stops it."
    echo "  gateway      $GATEWAY_URL   (e.g. $GATEWAY_URL/v1/auth/health/ready)"
    for instance in "${INSTANCES[@]}"; do
        read -r svc k <<<"$instance"
        name=$(instance_name "$svc" "$k")
        printf '  %-17s http://127.0.0.1:%s   log %s\n' "$name" "$(replica_port "$svc" "$k")" "$LOG_DIR/$name.log"
    done
    if [ "$REPLICAS" -gt 1 ]; then
        echo "  peers        each service's peer address (port + 1000, e.g. http://127.0.0.1:$(peer_port auth)) spreads over its replicas"
    fi
    echo "  gateway logs $GATEWAY_DIR/access.log, $GATEWAY_DIR/error.log"
    echo "  mail         every email the suite sends is kept in $MAIL_DIR (one line each in $LOG_DIR/mail.log)"
    echo "  postgres     postgres://postgres:tract-local-admin@127.0.0.1:55432/tract (scripts/db.sh psql)"
    echo

    # Until Ctrl-C/SIGTERM (the traps exit, and cleanup runs). A replica that exits is started
    # again, as Kubernetes would restart its pod, after a pause that doubles with each restart in
    # a row (1 s up to 30 s; back to 1 s once it has stayed up for a minute). The others keep
    # serving meanwhile, and the gateway sends requests to them.
    declare -A restarts=() started_at=()
    for name in "${!PID_OF[@]}"; do restarts[$name]=0; started_at[$name]=$SECONDS; done
    local exited code pause
    while :; do
        exited=""
        code=0
        wait -n -p exited "${STARTED[@]}" 2>/dev/null || code=$?
        [ -n "$exited" ] || sleep 1   # nothing of ours exited (e.g. no child left to wait for)
        for instance in "${INSTANCES[@]}"; do
            read -r svc k <<<"$instance"
            name=$(instance_name "$svc" "$k")
            pid=${PID_OF[$name]}
            if [ "$pid" = "$exited" ]; then
                :
            elif kill -0 "$pid" 2>/dev/null; then
                continue
            else
                code=0
                wait "$pid" 2>/dev/null || code=$?
            fi
            (( SECONDS - started_at[$name] >= 60 )) && restarts[$name]=0
            pause=$(( 1 << restarts[$name] ))
            (( pause > 30 )) && pause=30
            restarts[$name]=$(( restarts[$name] + 1 ))
            warn "$svc replica $k exited with status $code; restarting in ${pause}s (restart ${restarts[$name]} in a row; log: $LOG_DIR/$name.log)"
            tail -n 5 "$LOG_DIR/$name.log" >&2
            sleep "$pause"
            start_service "$svc" "$k"
            started_at[$name]=$SECONDS
        done
        # Only the live processes: a pid that exited may be reused by something else.
        STARTED=("${PID_OF[@]}")
    done
}

case "${1:-}" in
    "") run ;;
    stop) stop_previous ;;
    *) echo "usage: $0 [stop]" >&2; exit 2 ;;
esac
