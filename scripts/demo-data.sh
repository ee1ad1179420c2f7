#!/usr/bin/env bash
# Demo data for `make run`, loaded once the suite is ready (scripts/run.sh calls this with
# GATEWAY_URL): a few published listings, two in designated Opportunity Zones. Idempotent.
set -euo pipefail
# shellcheck source=scripts/lib/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib/common.sh"
cd "$REPO_ROOT"

scripts/db.sh psql -X -q -f scripts/sql/demo-properties.sql
count=$(curl -sf "${GATEWAY_URL:-http://127.0.0.1:8080}/v1/properties?limit=200" | grep -o '"slug"' | wc -l)
log "demo data: $count public listings (try ${GATEWAY_URL:-http://127.0.0.1:8080}/v1/properties?oz=true)"
