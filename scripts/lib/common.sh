# shellcheck shell=bash
# Sourced by the scripts in scripts/ and by .ci/run: repo paths, messages, and the
# "install what is missing" helpers, so every entry point works on a fresh machine.

REPO_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
DATA_DIR="$REPO_ROOT/.data"   # git-ignored: clusters, logs, pids, venv
export REPO_ROOT DATA_DIR

log()  { printf '==> %s\n' "$*" >&2; }
warn() { printf 'warning: %s\n' "$*" >&2; }
die()  { printf 'error: %s\n' "$*" >&2; exit 1; }

# Root is the normal case here (CI, dev machines); sudo lets a non-root developer use the same scripts.
as_root() {
    if [ "$(id -u)" -eq 0 ]; then "$@"
    elif command -v sudo >/dev/null; then sudo "$@"
    else die "need root for: $*"; fi
}

apt_missing() {
    local p
    for p in "$@"; do
        dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'ok installed' || echo "$p"
    done
}

# ensure_apt PKG...: install the Debian packages that are not installed yet.
ensure_apt() {
    local missing p candidate need_update=0 made_policy=0
    missing=$(apt_missing "$@")
    [ -n "$missing" ] || return 0
    # `apt-get update` only when the current lists cannot serve a package (fresh image, stale lists).
    for p in $missing; do
        candidate=$(apt-cache policy "$p" 2>/dev/null | awk '/Candidate:/ {print $2}')
        if [ -z "$candidate" ] || [ "$candidate" = "(none)" ]; then need_update=1; fi
    done
    if [ "$need_update" = 1 ]; then
        log "apt-get update"
        as_root apt-get update -qq
    fi
    # Stop dpkg from starting daemons (nginx on :80, the "main" postgres cluster): we run our own.
    if [ ! -e /usr/sbin/policy-rc.d ]; then
        printf '#!/bin/sh\nexit 101\n' | as_root tee /usr/sbin/policy-rc.d >/dev/null
        as_root chmod +x /usr/sbin/policy-rc.d
        made_policy=1
    fi
    log "apt-get install $(echo "$missing" | tr '\n' ' ')"
    # shellcheck disable=SC2086 # word splitting of the package list is intended
    if ! as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $missing >&2; then
        [ "$made_policy" = 1 ] && as_root rm -f /usr/sbin/policy-rc.d
        return 1
    fi
    [ "$made_policy" = 1 ] && as_root rm -f /usr/sbin/policy-rc.d
    return 0
}

# ensure_build_deps: the system libraries the Swift build links (libargon2 for auth's password
# hashing, Shared/CArgon2; zlib for K-1 archives, Shared/CZlib, which the Swift toolchain's own
# requirements already bring). Called before every `swift build`.
ensure_build_deps() {
    ensure_apt libargon2-dev pkg-config zlib1g-dev
}

# build_release PRODUCT...: optimised builds linked as the image links them, with the Swift runtime
# and Foundation inside the executable (--static-swift-stdlib; Package.swift's
# releaseLinkerSettings say why that matters for memory). One product at a time: building
# everything would include TestSupport, which imports Testing, and the static SDK has none.
build_release() {
    local product
    for product in "$@"; do
        swift build -c release --static-swift-stdlib --product "$product"
    done
}

# ensure_venv: .data/venv with the pinned validation tools (kept off the system python).
VENV_DIR="$DATA_DIR/venv"
ensure_venv() {
    local req="$REPO_ROOT/scripts/requirements-validate.txt" nodeps="$REPO_ROOT/scripts/requirements-nodeps.txt"
    local stamp="$VENV_DIR/.requirements"
    if [ -x "$VENV_DIR/bin/python" ] && cat "$req" "$nodeps" | cmp -s - "$stamp"; then return 0; fi
    ensure_apt python3 python3-venv
    log "creating $VENV_DIR"
    rm -rf "$VENV_DIR"
    # Debian's python3, not whatever python3 is first on PATH: the same everywhere.
    /usr/bin/python3 -m venv "$VENV_DIR"
    "$VENV_DIR/bin/pip" install -q --disable-pip-version-check -r "$req" >&2
    "$VENV_DIR/bin/pip" install -q --disable-pip-version-check --no-deps -r "$nodeps" >&2
    cat "$req" "$nodeps" > "$stamp"
}

# ensure_traversable USER DIR: let USER reach DIR (chmod o+x on the parents that stop it). Needed
# when root runs a daemon as another user (postgres, nobody) on files inside the repo.
ensure_traversable() {
    local user=$1 dir=$2
    [ "$(id -u)" -eq 0 ] || return 0
    while [ "$dir" != "/" ]; do
        if [ -d "$dir" ] && ! runuser -u "$user" -- test -x "$dir"; then
            log "chmod o+x $dir (so $user can reach files below it)"
            chmod o+x "$dir"
        fi
        dir=$(dirname "$dir")
    done
}

# The service list (name and port) lives in deploy/gateway/routes.txt; print "name port" lines.
services() {
    awk '$1 == "service" { print $2, $3 }' "$REPO_ROOT/deploy/gateway/routes.txt"
}

# Swift is at /opt/swift on the project's machines but not always on PATH (CI's env).
if ! command -v swift >/dev/null && [ -x /opt/swift/usr/bin/swift ]; then
    PATH="/opt/swift/usr/bin:$PATH"
fi

# load_local_secrets: the secrets a local suite needs (the auth signing-key sealing key, each
# service's client secret, communications' unsubscribe-link key), made once into
# .data/secrets.env (mode 600) and exported. Production
# takes them from its secret store instead (deploy/kubernetes/secrets.example.yaml).
load_local_secrets() {
    local file="$DATA_DIR/secrets.env" svc clients=""
    if [ ! -s "$file" ]; then
        mkdir -p "$DATA_DIR"
        (
            umask 077
            echo "SIGNING_KEY_ENCRYPTION_KEY=$(head -c 32 /dev/urandom | base64)"
            while read -r svc _; do
                echo "CLIENT_SECRET_${svc^^}=$(head -c 24 /dev/urandom | base64 | tr -d '/+=')"
            done < <(services)
        ) >"$file"
    fi
    # Added after the file's first version: older local files get it appended once.
    grep -q '^UNSUBSCRIBE_SIGNING_KEY=' "$file" || echo "UNSUBSCRIBE_SIGNING_KEY=$(head -c 32 /dev/urandom | base64)" >>"$file"
    grep -q '^K1_ENCRYPTION_KEY=' "$file" || echo "K1_ENCRYPTION_KEY=$(head -c 32 /dev/urandom | base64)" >>"$file"
    set -a
    # shellcheck disable=SC1090 # generated above
    source "$file"
    set +a
    while read -r svc _; do
        local var="CLIENT_SECRET_${svc^^}"
        clients+="${clients:+,}$svc:${!var}"
    done < <(services)
    export SERVICE_CLIENTS=$clients
}
