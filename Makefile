# Entry points for developers and CI; the work is in scripts/ (each usable on its own).
SHELL := /bin/bash
.DEFAULT_GOAL := help
# debug (default) or release, for build and run.
CONFIGURATION ?= debug
# What `make format` rewrites and `make format-check` (run by `make test`) checks.
SWIFT_SOURCES := Package.swift Shared Services Tests Benchmarks
export CONFIGURATION
# Swift lives at /opt/swift on the project's machines but is not always on PATH.
export PATH := $(PATH):/opt/swift/usr/bin

.PHONY: help run test test-faults build db-up db-down bench format format-check lint-deploy render-deploy clean-data

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{ printf "  make %-14s %s\n", $$1, $$2 }'

run: ## Postgres, build, migrate, the five services and the gateway on :8080 (Ctrl-C stops; REPLICAS=3: three of each)
	scripts/run.sh

test: ## format and deploy checks, local Postgres, then swift build --build-tests and the tests
	$(MAKE) --no-print-directory format-check
	scripts/validate-deploy.sh
	scripts/db.sh up
	scripts/test.sh

test-faults: ## fault tests, run by CI after make test: kill -9 each service, Postgres restarted, a peer down, a poison event
	scripts/db.sh up
	TRACT_FAULT_TESTS=1 TEST_TIMEOUT_MINUTES=$${TEST_TIMEOUT_MINUTES:-15} scripts/test.sh --filter FaultTests

build: ## swift build (CONFIGURATION=release for an optimised build)
	source scripts/lib/common.sh && ensure_build_deps
	$(if $(filter release,$(CONFIGURATION)),source scripts/lib/common.sh && build_release $$(services | cut -d" " -f1),swift build)

db-up: ## start (installing and initialising when needed) the local Postgres on 127.0.0.1:55432
	scripts/db.sh up

db-down: ## stop the local Postgres
	scripts/db.sh down

bench: ## benchmarks (scripts/bench.sh)
	@if [ -x scripts/bench.sh ]; then scripts/bench.sh; else echo "No benchmarks yet (add scripts/bench.sh)."; fi

format: ## apply .swift-format to the Swift sources in place
	swift format format --in-place --recursive --parallel $(SWIFT_SOURCES)

format-check: ## fail if any Swift source is not as .swift-format writes it (CI runs this)
	swift format lint --strict --recursive --parallel $(SWIFT_SOURCES)

lint-deploy: ## offline checks of scripts, gateway, compose and Kubernetes files
	scripts/validate-deploy.sh

render-deploy: ## re-render the generated gateway/Kubernetes files after editing deploy/gateway/routes.txt
	scripts/render-deploy.sh

clean-data: ## stop everything and delete .data/ (cluster, logs, venv)
	scripts/run.sh stop
	scripts/db.sh reset
	rm -rf .data
