# One image for the whole suite; the command picks the service: `docker run tract auth` (or
# properties, investments, communications, analytics; add `migrate` to only migrate).
# docker build -t tract .

ARG SWIFT_VERSION=6.3
FROM swift:${SWIFT_VERSION}-bookworm AS build
# The C libraries the build links: libargon2 for auth's password hashing (Shared/CArgon2, found
# through pkg-config) and zlib for K-1 archives (Shared/CZlib), as scripts/lib/common.sh
# ensure_build_deps installs them outside Docker.
RUN apt-get update \
 && apt-get install -y --no-install-recommends libargon2-dev pkg-config zlib1g-dev \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /src
# Resolve dependencies first so source edits reuse this layer.
COPY Package.swift ./
RUN swift package resolve
COPY Shared ./Shared
COPY Services ./Services
COPY Tests ./Tests
# Static Swift runtime: the runtime stage needs no toolchain. One product at a time (as
# scripts/lib/common.sh build_release does): a build of every target would include TestSupport,
# which imports Testing, and the static SDK has no Testing module.
RUN for svc in auth properties investments communications analytics; do \
        swift build -c release --static-swift-stdlib --product "$svc" || exit 1; \
    done \
 && bin="$(swift build -c release --show-bin-path)" \
 && mkdir -p /staging \
 && for svc in auth properties investments communications analytics; do cp "$bin/$svc" /staging/; done \
 # SwiftPM resource bundles (migrations, openapi.json, ...) are looked up next to the executable.
 && find "$bin" -maxdepth 1 -name '*.resources' -exec cp -R {} /staging/ \;

FROM debian:bookworm-slim
# ca-certificates/tzdata for TLS and time zones, libcurl4/libxml2 for FoundationNetworking,
# libargon2-1 for auth's password hashing, curl for the compose healthchecks. CI checks that every
# shared library the executables need is installed here (scripts/check-image-libs.sh).
RUN apt-get update \
 && apt-get install -y --no-install-recommends ca-certificates tzdata libcurl4 libxml2 libargon2-1 curl \
 && rm -rf /var/lib/apt/lists/* \
 && useradd --system --uid 10001 --user-group --no-create-home --home-dir /app tract
WORKDIR /app
COPY --from=build /staging/ /app/
ENV PATH=/app:$PATH \
    HOST=0.0.0.0
# Numeric, so Kubernetes' runAsNonRoot can check it.
USER 10001:10001
EXPOSE 8081 8082 8083 8084 8085
CMD ["auth"]
