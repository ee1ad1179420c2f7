#!/usr/bin/env bash
# Offline checks of everything that is not Swift: scripts, route map renders, nginx configs (the
# local one also started on loopback, scripts/test-gateway.py), docker-compose.yml, Kubernetes
# manifests. Run by `make test`, `make lint-deploy` and CI.
# Installs its tools when missing (apt: nginx, docker-compose, shellcheck; venv: scripts/requirements-validate.txt).
# Runs every check, then exits 1 if any failed.
set -euo pipefail
# shellcheck source=scripts/lib/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib/common.sh"
cd "$REPO_ROOT"

# The oldest Kubernetes the manifests promise to work on.
KUBERNETES_VERSION=1.28.0

failures=()
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT

# check NAME CMD...: run CMD quietly; show its output only when it fails.
check() {
    local name=$1; shift
    if "$@" >"$scratch/out" 2>&1; then
        printf '  ok    %s\n' "$name"
    else
        printf '  FAIL  %s\n' "$name"
        sed 's/^/        /' "$scratch/out"
        failures+=("$name")
    fi
}
skip() { printf '  skip  %s\n' "$*"; }
section() { printf '== %s\n' "$*"; }

log "installing validation tools if missing"
ensure_apt nginx
ensure_venv
has_compose=1; ensure_apt docker-compose || has_compose=0
has_shellcheck=1; ensure_apt shellcheck || has_shellcheck=0

shell_files=(scripts/*.sh scripts/lib/*.sh .ci/run)

section "shell scripts"
for f in "${shell_files[@]}"; do check "bash -n $f" bash -n "$f"; done
if [ "$has_shellcheck" = 1 ]; then
    check "shellcheck" shellcheck -x -P SCRIPTDIR "${shell_files[@]}"
else
    warn "shellcheck not installable: skipped"; skip "shellcheck"
fi

section "generated files (route map, Opportunity Zone data)"
check "render-deploy --check" scripts/render-deploy.sh --check
oz_csv="$REPO_ROOT/../shared/data/designated-qozs-2018.csv"
if [ -f "$oz_csv" ]; then
    check "oz_tracts 2018 migration matches the CDFI list" python3 scripts/generate-oz-migration.py --check \
        "$oz_csv" 2018 Services/Properties/Library/Resources/Migrations/0002_oz_tracts_2018.sql
else
    skip "oz_tracts 2018 migration (no ../shared/data here)"
fi

section "gateway nginx configs"
nginx_test() {   # nginx_test STYLE: render, make it testable here, nginx -t
    local style=$1 dir="$scratch/nginx-$1"
    mkdir -p "$dir"
    # Upstream hostnames (auth, properties, ...) only resolve inside compose/Kubernetes, and /tmp
    # paths would leave litter: point both at local stand-ins; everything else is tested as is.
    GATEWAY_DIR=$dir scripts/gateway.sh render "$style" >"$dir/rendered.conf"
    if [ "$style" = local ]; then
        cp "$dir/rendered.conf" "$dir/nginx.conf"
    else
        sed -E -e 's/^( *upstream [a-z0-9-]+ \{ server )[a-z0-9-]+:/\1127.0.0.1:/' -e "s#/tmp/#$dir/#g" \
            "$dir/rendered.conf" >"$dir/nginx.conf"
    fi
    nginx -t -q -e "$dir/error.log" -c "$dir/nginx.conf"
}
for style in local compose kubernetes; do check "nginx -t ($style)" nginx_test "$style"; done
# The local render run for real: nginx's own errors as problem+json (scripts/test-gateway.py).
check "gateway behaviour (scripts/test-gateway.py)" /usr/bin/python3 scripts/test-gateway.py

section "docker-compose.yml"
if [ "$has_compose" = 1 ]; then
    check "docker-compose config -q" docker-compose -f docker-compose.yml config -q
else
    warn "docker-compose not installable: skipped"; skip "docker-compose config"
fi
check "compose-spec schema" "$VENV_DIR/bin/check-jsonschema" --builtin-schema vendor.compose-spec docker-compose.yml

section "Kubernetes manifests (schemas of $KUBERNETES_VERSION, strict)"
manifests=()
for f in deploy/kubernetes/*.yaml deploy/kubernetes/generated/*.yaml; do
    [ "$(basename "$f")" = kustomization.yaml ] || manifests+=("$f")
done
check "kubernetes-validate" "$VENV_DIR/bin/kubernetes-validate" --strict --quiet -k "$KUBERNETES_VERSION" "${manifests[@]}"
# Optional manifests of other operators' kinds (CloudNativePG): no schema here, but well-formed YAML.
check "optional manifests parse" "$VENV_DIR/bin/python" -c \
    'import sys, yaml; [list(yaml.safe_load_all(open(f))) for f in sys.argv[1:]]' deploy/kubernetes/optional/*.yaml
# Every service admits the gateway and only the callers the code has (the test keeps callers.txt true).
network_policy_check() {
    local name
    while read -r name _; do
        grep -q "^  name: $name\$" deploy/kubernetes/generated/network-policies.yaml || { echo "no NetworkPolicy for $name"; return 1; }
    done < <(services)
    grep -q "name: default-deny-ingress" deploy/kubernetes/generated/network-policies.yaml
}
check "a NetworkPolicy per service and a default deny" network_policy_check
if command -v kubectl >/dev/null; then
    kustomize_build() {   # kustomize_build DIR NAME
        kubectl kustomize "$1" >"$scratch/$2.yaml" \
            && "$VENV_DIR/bin/kubernetes-validate" --strict --quiet -k "$KUBERNETES_VERSION" "$scratch/$2.yaml" \
            && "$VENV_DIR/bin/python" scripts/check-manifests.py "$scratch/$2.yaml"
    }
    check "kubectl kustomize + validate + probes/limits/PDB/HPA/policies (base)" kustomize_build deploy/kubernetes base
    for overlay in deploy/overlays/*/; do
        check "the same for overlay $(basename "$overlay")" kustomize_build "$overlay" "$(basename "$overlay")"
    done
else
    # No kubectl (it is not in Debian bookworm's main archive in a usable version): at least make
    # sure every resource the kustomization names exists.
    kustomize_files() {
        local f ok=0
        while read -r f; do
            [ -f "deploy/kubernetes/$f" ] || { echo "missing: deploy/kubernetes/$f"; ok=1; }
        done < <(awk '/^resources:/ {on=1; next} /^[a-z]/ {on=0} on && $1 == "-" {print $2}' deploy/kubernetes/kustomization.yaml)
        return "$ok"
    }
    check "kustomization resources exist" kustomize_files
    # The manifests kustomize would join, joined by hand (overlays need kubectl: skipped).
    joined_manifests() {
        local f
        for f in deploy/kubernetes/gateway.yaml deploy/kubernetes/generated/services.yaml deploy/kubernetes/generated/network-policies.yaml; do
            cat "$f"; printf '\n---\n'
        done >"$scratch/joined.yaml"
        "$VENV_DIR/bin/python" scripts/check-manifests.py "$scratch/joined.yaml"
    }
    check "probes/limits/PDB/HPA/policies (base, joined by hand)" joined_manifests
    skip "overlays (no kubectl)"
fi

section "gateway route map (deploy/gateway/routes.txt)"
check "every documented /v1/ path reaches the service that documents it" python3 scripts/check-gateway-routes.py

section "authorization matrix (docs/authorization-matrix.txt)"
check "a row for every documented operation and an operation for every row" python3 scripts/authz-matrix.py --missing --stale

section "monitoring (deploy/monitoring)"
check "alert rules and dashboard query only metrics the code exports" "$VENV_DIR/bin/python" scripts/check-monitoring.py

if [ ${#failures[@]} -gt 0 ]; then
    die "deploy validation failed: ${failures[*]}"
fi
log "deploy validation passed"
