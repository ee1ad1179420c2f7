#!/usr/bin/env bash
# Demo data for `make run`, loaded once the suite is ready (scripts/run.sh calls this with
# GATEWAY_URL): a few published listings, two in designated Opportunity Zones, each with a
# generated photo (scripts/demo-photos.py, filesystem media storage only). Idempotent.
set -euo pipefail
# shellcheck source=scripts/lib/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib/common.sh"
cd "$REPO_ROOT"

scripts/db.sh psql -X -q -f scripts/sql/demo-properties.sql
if [ "${MEDIA_STORAGE:-filesystem}" = filesystem ]; then
    python3 scripts/demo-photos.py "${MEDIA_STORAGE_PATH:-.data/media}" | scripts/db.sh psql -X -q
    log "demo data: a photo per listing (e.g. ${GATEWAY_URL:-http://127.0.0.1:8080}/v1/media/photos/01900000-0000-7000-8000-000000000101)"
else
    log "demo data: MEDIA_STORAGE=${MEDIA_STORAGE} — demo photos are only written for the filesystem backend"
fi
count=$(curl -sf "${GATEWAY_URL:-http://127.0.0.1:8080}/v1/properties?limit=200" | grep -o '"slug"' | wc -l)
log "demo data: $count public listings (try ${GATEWAY_URL:-http://127.0.0.1:8080}/v1/properties?oz=true)"
