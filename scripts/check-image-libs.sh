#!/usr/bin/env bash
# Fails when a built executable needs a shared library that the Dockerfile's runtime stage does not
# install, so an image that cannot start (auth without libargon2.so.1) is caught in CI, where no
# Docker engine runs; and when the build stage lacks a system library Package.swift links
# (`providers: [.apt([...])]`, e.g. libargon2-dev).
#   [DOCKERFILE=path] scripts/check-image-libs.sh [BIN_DIR]   BIN_DIR: default `swift build --show-bin-path`
# Run by scripts/test.sh after its build. For each service executable (routes.txt) it follows the
# NEEDED entries (readelf -d, paths as ldd resolves them), maps each library to its Debian package
# (dpkg -S on this machine, Debian bookworm like the image) and requires that package to be one the
# runtime stage's `apt-get install` brings in (listed, or a dependency of one listed), or one
# debian:bookworm-slim already has.
# Libraries inside the Swift toolchain are not needed by the image: the Dockerfile builds with
# --static-swift-stdlib, so the Swift runtime and Foundation are linked into the executable. The
# local debug build links them dynamically instead, so the check looks through them: what THEY need
# outside the toolchain (libcurl for FoundationNetworking, ...) the static executable needs too.
set -euo pipefail
# shellcheck source=scripts/lib/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib/common.sh"
cd "$REPO_ROOT"

DOCKERFILE=${DOCKERFILE:-$REPO_ROOT/Dockerfile}
# What debian:bookworm-slim has without installing anything (the libraries of its required set:
# libc6 with the loader, libstdc++6 and libgcc-s1 for apt, zlib1g for dpkg); anything else must be
# installed by the Dockerfile.
BASE_PACKAGES=(libc6 libstdc++6 libgcc-s1 zlib1g)

bin_dir=${1:-$(swift build --show-bin-path)}
toolchain=$(dirname "$(dirname "$(readlink -f "$(command -v swift)")")")   # e.g. /opt/swift/usr

# stage_packages first|last: the packages a stage of the Dockerfile installs with apt-get install.
stage_packages() {
    awk -v want="$1" '
        /^[[:space:]]*FROM[[:space:]]/ { stages++; if (want == "last" || stages == 1) { from = NR; delete lines } }
        /^[[:space:]]*#/ { next }   # comments, also between the continued lines of a RUN
        want == "last" || stages == 1 { lines[NR] = $0 }
        END {
            for (i = from; i <= NR; i++) {
                if (!(i in lines)) continue
                line = lines[i]
                joined = joined " " line
                if (line ~ /\\[[:space:]]*$/) { sub(/\\[[:space:]]*$/, "", joined); continue }
                n = split(joined, commands, /&&|;|\|\|/)
                for (c = 1; c <= n; c++) {
                    if (commands[c] !~ /apt-get[[:space:]]+(-[^[:space:]]+[[:space:]]+)*install/) continue
                    sub(/.*install/, "", commands[c])
                    m = split(commands[c], words, /[[:space:]]+/)
                    for (w = 1; w <= m; w++) if (words[w] != "" && words[w] !~ /^-/) print words[w]
                }
                joined = ""
            }
        }' "$DOCKERFILE"
}

# runtime_base: the image the last stage starts from.
runtime_base() { awk '/^[[:space:]]*FROM[[:space:]]/ { base = $2 } END { print base }' "$DOCKERFILE"; }

# package_of PATH: the Debian package that ships the library at PATH (usrmerge: /lib is /usr/lib).
package_of() {
    local path=$1 candidate owner
    for candidate in "$path" "$(readlink -f "$path")" "${path#/usr}" "/usr${path}"; do
        if owner=$(dpkg -S "$candidate" 2>/dev/null | head -n 1); then
            echo "${owner%%:*}"   # "libargon2-1:amd64: /usr/lib/..." -> libargon2-1
            return 0
        fi
    done
    return 1
}

# outside_libraries EXE: "soname path needed-by" for each library EXE needs outside the toolchain,
# looking through the toolchain's own libraries (linked statically in the image).
outside_libraries() {
    local exe=$1 file soname path
    declare -A where=() seen=()
    while read -r soname path; do where[$soname]=$path; done < <(
        ldd "$exe" | awk '
            $2 == "=>" { print $1, ($3 == "not" ? "-" : $3) }
            $1 ~ /^\// { n = split($1, parts, "/"); print parts[n], $1 }   # the loader, named by path')
    local -a queue=("$exe")
    while [ ${#queue[@]} -gt 0 ]; do
        file=${queue[0]}; queue=("${queue[@]:1}")
        while read -r soname; do
            [ -n "${seen[$soname]:-}" ] && continue
            seen[$soname]=1
            path=${where[$soname]:--}
            if [ "$path" != - ] && [[ "$(readlink -f "$path")" == "$toolchain"/* ]]; then
                queue+=("$path")
            else
                echo "$soname $path $(basename "$file")"
            fi
        done < <(readelf -d "$file" | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p')
    done
}

[ -f "$DOCKERFILE" ] || die "no $DOCKERFILE"
ensure_apt binutils   # readelf (the Swift toolchain needs binutils anyway)
base=$(runtime_base)
case "$base" in
    debian:bookworm-slim) ;;
    *) die "the runtime stage starts FROM $base; this check knows what debian:bookworm-slim has (BASE_PACKAGES)" ;;
esac
mapfile -t listed < <(stage_packages last)
[ ${#listed[@]} -gt 0 ] || die "found no apt-get install in the last stage of $DOCKERFILE"
# Listed packages bring their dependencies: apt-cache (this machine's lists, bookworm) knows them.
declare -A provided=()
for p in "${BASE_PACKAGES[@]}" "${listed[@]}"; do provided[$p]=1; done
while read -r p; do provided[${p%%:*}]=1; done < <(
    apt-cache depends --recurse --no-recommends --no-suggests --no-conflicts --no-breaks --no-replaces \
        --no-enhances "${listed[@]}" 2>/dev/null | awk '/^[a-z0-9]/ { print $1 }')

log "runtime stage ($base) installs: ${listed[*]}"
failures=0
# The build stage needs the -dev packages of Package.swift's system libraries (providers: .apt).
mapfile -t building < <(stage_packages first)
for p in $(grep -o '\.apt(\[[^]]*\])' Package.swift | grep -o '"[^"]*"' | tr -d '"'); do
    if printf '%s\n' "${building[@]}" | grep -qxF "$p"; then
        printf '  ok    build stage installs %s (Package.swift)\n' "$p"
    else
        printf '  FAIL  build stage does not install %s, which Package.swift links\n' "$p"
        failures=$((failures + 1))
    fi
done
checked=0
while read -r svc _; do
    exe="$bin_dir/$svc"
    [ -x "$exe" ] || die "no executable $exe (build first)"
    checked=$((checked + 1))
    found=()
    while read -r soname path needed_by; do
        if [ "$path" = - ]; then
            printf '  FAIL  %s needs %s (via %s), which this machine cannot resolve either\n' "$svc" "$soname" "$needed_by"
            failures=$((failures + 1))
        elif ! package=$(package_of "$path"); then
            printf '  FAIL  %s needs %s (%s, via %s), which no Debian package ships\n' "$svc" "$soname" "$path" "$needed_by"
            failures=$((failures + 1))
        elif [ -z "${provided[$package]:-}" ]; then
            printf '  FAIL  %s needs %s (via %s) from package %s, which the runtime stage does not install\n' \
                "$svc" "$soname" "$needed_by" "$package"
            failures=$((failures + 1))
        else
            found+=("$soname ($package)")
        fi
    done < <(outside_libraries "$exe")
    list=$(printf '%s, ' "${found[@]}")
    printf '  ok    %s: %s\n' "$svc" "${list%, }"
done < <(services)

if [ "$failures" -gt 0 ]; then
    die "$failures package(s) missing from $DOCKERFILE: add them to the stage named above"
fi
log "every library the $checked executables need is in the runtime image"
