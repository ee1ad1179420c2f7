#!/usr/bin/env bash
# The Swift tests against the local cluster (make test runs scripts/db.sh up first).
# Builds once, then runs without rebuilding; extra arguments go to `swift test` (e.g. --filter Auth).
set -euo pipefail
# shellcheck source=scripts/lib/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib/common.sh"
cd "$REPO_ROOT"

# The harness connects as admin here and makes one database per suite.
export TRACT_TEST_ADMIN_URL=${TRACT_TEST_ADMIN_URL:-postgres://postgres:tract-local-admin@127.0.0.1:55432/postgres}

# aiosmtpd, the real SMTP server the SMTP client's tests talk to, lives in the venv.
ensure_venv
export TRACT_PYTHON="$VENV_DIR/bin/python"

ensure_build_deps
log "swift build --build-tests"
swift build --build-tests
# The executables just built need nothing the container image lacks (item 29 of issue 11: auth
# could not start in the image without libargon2).
scripts/check-image-libs.sh "$(swift build --show-bin-path)"
log "swift test --skip-build --parallel $*"
# --parallel: XCTest cases in parallel processes; Swift Testing runs in parallel in-process anyway.
swift test --skip-build --parallel "$@"
