#!/usr/bin/env bash
# The private local Postgres cluster of the repo (no Docker): .data/postgres on 127.0.0.1:55432.
#   scripts/db.sh install | up | down | status | psql [ARGS] | reset
# `up` installs, initialises, starts and bootstraps (scripts/sql/bootstrap.sql), each step only
# when needed, so it is safe to run any number of times (make run and make test do).
set -euo pipefail
# shellcheck source=scripts/lib/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib/common.sh"

PG_MAJOR=15
PGBIN=/usr/lib/postgresql/$PG_MAJOR/bin
PGPORT=55432
PGDATA="$DATA_DIR/postgres"
PGLOG="$DATA_DIR/postgres.log"
ADMIN_PASSWORD=tract-local-admin
ADMIN_URL="postgres://postgres:$ADMIN_PASSWORD@127.0.0.1:$PGPORT"
# postgis is not used yet but wanted soon: install it with the server so the bootstrap can enable it.
PACKAGES=("postgresql-$PG_MAJOR" "postgresql-$PG_MAJOR-postgis-3" postgresql-contrib)

# initdb and postgres refuse to run as root: run them as the OS user postgres then.
as_pg() {
    if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

cmd_install() {
    ensure_apt "${PACKAGES[@]}"
    [ -x "$PGBIN/postgres" ] || die "$PGBIN/postgres missing after install"
}

# The socket path must stay under the kernel's 107-byte limit; a deep checkout falls back to /tmp.
socket_dir() {
    if [ ${#PGDATA} -le 80 ]; then echo "$PGDATA"
    else echo "/tmp/tract-pg-$(printf '%s' "$PGDATA" | cksum | cut -d' ' -f1)"; fi
}

# When run as root the cluster belongs to postgres, which must be able to reach .data/.
make_traversable() { ensure_traversable postgres "$DATA_DIR"; }

# Settings live in tract.conf (included from postgresql.conf), rewritten on every up.
write_settings() {
    local conf="$PGDATA/tract.conf" tmp
    tmp=$(mktemp)
    cat >"$tmp" <<CONF
# Written by scripts/db.sh on every up; edit there, not here.
listen_addresses = '127.0.0.1'
port = $PGPORT
unix_socket_directories = '$(socket_dir)'
password_encryption = 'scram-sha-256'
# Every test suite opens its own database and pools, in parallel.
max_connections = 300
# A throwaway dev cluster: losing the last few ms of commits on a crash is fine, speed is not.
synchronous_commit = off
# Sized as a production server's would be for this machine (the defaults are for a small box):
# a 10,000-investor distribution writes more WAL than the default 4 MB of WAL buffers hold, and
# the benchmarks' data does not fit in the default 128 MB of shared buffers.
shared_buffers = 1GB
wal_buffers = 64MB
log_min_duration_statement = 1000
log_line_prefix = '%m [%p] %q%u@%d '
CONF
    if ! cmp -s "$tmp" "$conf"; then
        install -m 0600 -o "$(stat -c %U "$PGDATA")" "$tmp" "$conf"
        if running; then warn "settings changed: restart to apply (scripts/db.sh down && scripts/db.sh up)"; fi
    fi
    rm -f "$tmp"
}

running() { [ -f "$PGDATA/PG_VERSION" ] && as_pg "$PGBIN/pg_ctl" -D "$PGDATA" status >/dev/null 2>&1; }

cmd_init() {
    if [ -f "$PGDATA/PG_VERSION" ]; then return 0; fi
    mkdir -p "$DATA_DIR"
    make_traversable
    rm -rf "$PGDATA"   # a half-made folder from an interrupted init
    mkdir -m 0700 "$PGDATA"
    local pwfile
    pwfile=$(mktemp)
    printf '%s\n' "$ADMIN_PASSWORD" >"$pwfile"
    if [ "$(id -u)" -eq 0 ]; then chown postgres: "$PGDATA" "$pwfile"; fi
    log "initdb $PGDATA"
    # Unix socket: peer (the socket sits in the 0700 data dir anyway); TCP: scram passwords.
    as_pg "$PGBIN/initdb" -D "$PGDATA" --username=postgres --pwfile="$pwfile" \
        --auth-local=peer --auth-host=scram-sha-256 --encoding=UTF8 --locale=C.UTF-8 >/dev/null
    rm -f "$pwfile"
    echo "include_if_exists = 'tract.conf'" | as_pg tee -a "$PGDATA/postgresql.conf" >/dev/null
}

cmd_start() {
    make_traversable
    write_settings
    if running; then log "postgres already running on 127.0.0.1:$PGPORT"; return 0; fi
    # A cluster from another checkout (or anything else) on our port: say so instead of a bind error.
    if "$PGBIN/pg_isready" -q -h 127.0.0.1 -p "$PGPORT"; then
        die "port $PGPORT is taken by another server (another checkout's cluster?); stop it first"
    fi
    local sock
    sock=$(socket_dir)
    if [ "$sock" != "$PGDATA" ]; then
        mkdir -p "$sock"
        if [ "$(id -u)" -eq 0 ]; then chown postgres: "$sock"; fi
        chmod 0700 "$sock"
    fi
    touch "$PGLOG"
    if [ "$(id -u)" -eq 0 ]; then chown postgres: "$PGLOG"; fi
    log "starting postgres on 127.0.0.1:$PGPORT (log: $PGLOG)"
    as_pg "$PGBIN/pg_ctl" -D "$PGDATA" -l "$PGLOG" -w -t 60 start >/dev/null \
        || { tail -n 20 "$PGLOG" >&2; die "postgres did not start"; }
}

cmd_bootstrap() {
    log "bootstrap (roles, database, schemas, grants)"
    PGPASSWORD=$ADMIN_PASSWORD "$PGBIN/psql" -X -q -h 127.0.0.1 -p "$PGPORT" -U postgres -d postgres \
        -v ON_ERROR_STOP=1 -f "$REPO_ROOT/scripts/sql/bootstrap.sql"
}

cmd_up() {
    if [ ! -x "$PGBIN/postgres" ] || [ -n "$(apt_missing "${PACKAGES[@]}")" ]; then cmd_install; fi
    cmd_init
    cmd_start
    cmd_bootstrap
    log "ready: $ADMIN_URL/tract (admin), services connect as tract_<service>"
}

cmd_down() {
    if running; then
        log "stopping postgres"
        as_pg "$PGBIN/pg_ctl" -D "$PGDATA" -m fast -w -t 60 stop >/dev/null
    else
        log "postgres is not running"
    fi
}

cmd_status() {
    if [ ! -f "$PGDATA/PG_VERSION" ]; then echo "no cluster at $PGDATA (run: scripts/db.sh up)"; exit 3; fi
    if running; then
        echo "running: 127.0.0.1:$PGPORT, data $PGDATA, log $PGLOG"
        "$PGBIN/pg_isready" -h 127.0.0.1 -p "$PGPORT"
    else
        echo "stopped: data $PGDATA"; exit 3
    fi
}

cmd_psql() {
    PGPASSWORD=$ADMIN_PASSWORD exec "$PGBIN/psql" -h 127.0.0.1 -p "$PGPORT" -U postgres -d tract "$@"
}

cmd_reset() {
    cmd_down
    log "deleting $PGDATA and $PGLOG"
    rm -rf "$PGDATA" "$PGLOG"
}

case "${1:-}" in
    install) cmd_install ;;
    up) cmd_up ;;
    down|stop) cmd_down ;;
    status) cmd_status ;;
    psql) shift; cmd_psql "$@" ;;
    reset) cmd_reset ;;
    *) echo "usage: $0 install|up|down|status|psql [psql args]|reset" >&2; exit 2 ;;
esac
