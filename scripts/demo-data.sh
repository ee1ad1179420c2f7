#!/usr/bin/env bash
# Demo data for `make run`, loaded once the suite is ready (scripts/run.sh calls this with
# GATEWAY_URL), through the public API where there is one. Idempotent: loading twice changes nothing.
#   1. accounts: a sponsor, an admin and three investors (scripts/demo-investing.py accounts)
#   2. the sponsor's listings, two in designated Opportunity Zones, with units, floor plans and a
#      renovation in progress (scripts/sql/demo-properties.sql), each with a generated photo
#      (scripts/demo-photos.py, filesystem media storage only)
#   3. offerings on two listings, funded positions, a completed distribution and a sent statement,
#      and Magnolia Court set up as an OZ fund with its 2026 90% tests (scripts/demo-investing.py investing)
#   4. analytics: 90 days of generated visitors and the demo accounts' own browsing, written through
#      the same EventWriter as real traffic (`analytics demo-events`, seeded ids: a rerun adds
#      nothing), then the daily rollup over them, so the staff dashboard has a quarter to show
set -euo pipefail
# shellcheck source=scripts/lib/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib/common.sh"
cd "$REPO_ROOT"
GATEWAY_URL=${GATEWAY_URL:-http://127.0.0.1:8080}
export GATEWAY_URL

sponsor=$(python3 scripts/demo-investing.py accounts)
scripts/db.sh psql -X -q -v sponsor="$sponsor" -f scripts/sql/demo-properties.sql
if [ "${MEDIA_STORAGE:-filesystem}" = filesystem ]; then
    DEMO_SPONSOR_ID=$sponsor python3 scripts/demo-photos.py "${MEDIA_STORAGE_PATH:-.data/media}" | scripts/db.sh psql -X -q
    log "demo data: a photo per listing (e.g. $GATEWAY_URL/v1/media/photos/01900000-0000-7000-8000-000000000101)"
else
    log "demo data: MEDIA_STORAGE=${MEDIA_STORAGE} — demo photos are only written for the filesystem backend"
fi
count=$(curl -sf "$GATEWAY_URL/v1/properties?limit=200" | { grep -o '"slug"' || true; } | wc -l)
log "demo data: $count public listings (try $GATEWAY_URL/v1/properties?oz=true)"
python3 scripts/demo-investing.py investing
bin=$(swift build -c "${CONFIGURATION:-debug}" --show-bin-path)
demo_args=()
for id in $(scripts/db.sh psql -X -q -At -c "SELECT id FROM auth.users WHERE email LIKE '%@demo.tract.test' AND deleted_at IS NULL ORDER BY email"); do
    demo_args+=(--user "$id")
done
for id in $(scripts/db.sh psql -X -q -At -c "SELECT id FROM investments.offerings ORDER BY id LIMIT 6"); do
    demo_args+=(--offering "$id")
done
"$bin/analytics" demo-events "${demo_args[@]}" >&2
cat <<TEXT

Demo accounts (sign in with POST $GATEWAY_URL/v1/auth/token, grant_type=password):
  investor  investor@demo.tract.test  "demo investor passphrase"   GET /v1/portfolio, /v1/statements,
                                                                 /v1/compliance/positions, /v1/compliance/form-8997/2025
  sponsor   sponsor@demo.tract.test   "demo sponsor passphrase"    became a sponsor by applying (admin approved);
                                                                 owns the demo listings and offerings;
                                                                 GET /v1/compliance/funds/<Magnolia offering>/form-8996/2026
                                                                 public page: GET /v1/auth/profiles/sloane-ridge-capital
  admin     admin@demo.tract.test     "demo admin passphrase"      statements, verifications, analytics

Analytics dashboard (staff): as the admin, POST $GATEWAY_URL/v1/analytics/dashboard/links and open
  $GATEWAY_URL + the "url" it answers in a browser (works once, within 5 minutes), e.g.
  python3 scripts/demo-investing.py dashboard-link
TEXT
