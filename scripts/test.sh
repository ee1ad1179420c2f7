#!/usr/bin/env bash
# The Swift tests against the local cluster (make test runs scripts/db.sh up first).
# Builds once, then runs the test bundle without rebuilding; extra arguments go to it (e.g. --filter Auth).
set -euo pipefail
# shellcheck source=scripts/lib/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib/common.sh"
cd "$REPO_ROOT"

# The harness connects as admin here and makes one database per suite.
export TRACT_TEST_ADMIN_URL=${TRACT_TEST_ADMIN_URL:-postgres://postgres:tract-local-admin@127.0.0.1:55432/postgres}

# aiosmtpd, the real SMTP server the SMTP client's tests talk to, lives in the venv.
ensure_venv
export TRACT_PYTHON="$VENV_DIR/bin/python"

# The analytics dashboard's test renders the page in real headless Chromium (fonts named: ensure_apt
# installs without recommends, and a page drawn without fonts would be blank text).
ensure_apt chromium fonts-liberation

ensure_build_deps
log "swift build --build-tests"
started=$SECONDS
swift build --build-tests
log "swift build --build-tests took $((SECONDS - started))s"
# The executables just built need nothing the container image lacks (item 29 of issue 11: auth
# could not start in the image without libargon2).
bin=$(swift build --show-bin-path)
scripts/check-image-libs.sh "$bin"
# Every suite is Swift Testing, which by default starts every test at once: on two cores 350 tests
# each starting servers, migrations and Argon2 spent most of their time waiting for CPU, and waits
# bounded for good reason (a peer call, a start-up) ran out. SwiftPM's --num-workers does not reach
# Swift Testing, so the test bundle runs directly with its width capped; `--filter X` passes through.
# 8, not 16, since schemathesis joined the system tests: at 16 the five suites of real processes
# at once overloaded the one local Postgres until a service's outage guard answered 503 (seen once).
width=${TEST_PARALLELISM:-8}
# A safety net, not a fix: a test that hangs (a wait with no bound) must not eat CI's 90 minutes and
# land nothing. The whole bundle takes ~14 minutes on two cores (schemathesis and the hostile-input
# sweep against the five real processes are most of it); TEST_TIMEOUT_MINUTES (40) leaves room.
minutes=${TEST_TIMEOUT_MINUTES:-40}
log "tractPackageTests --experimental-maximum-parallelization-width $width $* (at most $minutes min)"
status=0
started=$SECONDS
timeout --kill-after=30s "${minutes}m" \
    "$bin/tractPackageTests.xctest" --testing-library swift-testing --experimental-maximum-parallelization-width "$width" "$@" || status=$?
log "the test bundle took $((SECONDS - started))s (exit $status)"
if [ "$status" -eq 124 ] || [ "$status" -eq 137 ]; then
    echo "error: the tests did not finish within $minutes minutes and were stopped: a test is hanging." >&2
    echo "error: the tests still running are those above with a '◇ … started' line and no 'passed'/'failed' line." >&2
fi
exit "$status"
