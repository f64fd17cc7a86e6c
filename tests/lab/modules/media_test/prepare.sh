#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# prepare.sh BUILD_DIR — run by ./lab modules before `make M=BUILD_DIR`.
# Debian's amd64 kernel builds neither vimc, vicodec, vim2m nor the v4l2-mem2mem core. This
# extracts ONLY those upstream sources from Debian's linux-source-6.12 package (version matched to
# the running kernel's upstream version as closely as the mirror offers) into BUILD_DIR. Kernel
# source is cached outside the repository ($LINUXDEVICES_CACHE/media-src/<version>) and never
# committed. Same recipe as tests/lab/modules/rpmsg/prepare.sh.
set -euo pipefail
bd="${1:?usage: prepare.sh BUILD_DIR}"
cache="${LINUXDEVICES_CACHE:-$HOME/.cache/linuxdevices}"
kver="${KVER:?KVER not set}"
upstream="${kver%%+*}"          # 6.12.117+deb12-amd64 -> 6.12.117
upstream="${upstream%%-*}"
series="$(echo "$upstream" | cut -d. -f1,2)"   # 6.12
pkg="linux-source-$series"
members=(
    drivers/media/v4l2-core/v4l2-mem2mem.c
    drivers/media/test-drivers/vim2m.c
    drivers/media/test-drivers/vicodec/vicodec-core.c
    drivers/media/test-drivers/vicodec/codec-fwht.c
    drivers/media/test-drivers/vicodec/codec-fwht.h
    drivers/media/test-drivers/vicodec/codec-v4l2-fwht.c
    drivers/media/test-drivers/vicodec/codec-v4l2-fwht.h
    drivers/media/test-drivers/vimc/vimc-core.c
    drivers/media/test-drivers/vimc/vimc-common.c
    drivers/media/test-drivers/vimc/vimc-common.h
    drivers/media/test-drivers/vimc/vimc-streamer.c
    drivers/media/test-drivers/vimc/vimc-streamer.h
    drivers/media/test-drivers/vimc/vimc-capture.c
    drivers/media/test-drivers/vimc/vimc-debayer.c
    drivers/media/test-drivers/vimc/vimc-scaler.c
    drivers/media/test-drivers/vimc/vimc-sensor.c
    drivers/media/test-drivers/vimc/vimc-lens.c
)

# Already extracted for this kernel's upstream version? (warm path: no network, no tarball)
pick_cached() {
    local d
    for d in "$cache/media-src/$upstream"-*; do
        [ -f "$d/.complete" ] && { echo "$d"; return 0; }
    done
    return 1
}

if ! src="$(pick_cached)"; then
    # Choose the package version: prefer the same upstream version, else the newest offered.
    versions="$(apt-cache madison "$pkg" 2>/dev/null | awk -F'|' '{gsub(/ /,"",$2); print $2}')"
    if [ -z "$versions" ]; then
        apt-get update -qq >/dev/null 2>&1 || true
        versions="$(apt-cache madison "$pkg" 2>/dev/null | awk -F'|' '{gsub(/ /,"",$2); print $2}')"
    fi
    [ -n "$versions" ] || { echo "prepare.sh: $pkg not offered by apt" >&2; exit 1; }
    ver="$(echo "$versions" | grep -m1 "^$upstream-" || true)"
    [ -n "$ver" ] || { ver="$(echo "$versions" | head -n1)"; echo "prepare.sh: no $pkg for $upstream, using $ver" >&2; }
    src="$cache/media-src/$upstream-${ver//[^A-Za-z0-9.+~-]/_}"
    dl="$cache/media-src/.download"
    mkdir -p "$dl"
    deb="$(ls "$dl"/${pkg}_"${ver//:/%3a}"_all.deb 2>/dev/null | head -n1 || true)"
    if [ -z "$deb" ]; then
        (cd "$dl" && apt-get download -q "$pkg=$ver" >/dev/null)
        deb="$(ls "$dl"/${pkg}_*_all.deb | head -n1)"
    fi
    tmp="$(mktemp -d "$cache/media-src/.x.XXXXXX")"
    trap 'rm -rf "$tmp"' EXIT
    # The .deb holds usr/src/linux-source-6.12.tar.xz; stream it out and pull only our members.
    dpkg-deb --fsys-tarfile "$deb" | tar -x -C "$tmp" --wildcards "*usr/src/$pkg.tar.xz"
    tarball="$(find "$tmp" -name "$pkg.tar.xz" | head -n1)"
    [ -n "$tarball" ] || { echo "prepare.sh: $pkg.tar.xz not found in $deb" >&2; exit 1; }
    mkdir -p "$tmp/out"
    tar -xJf "$tarball" -C "$tmp/out" "${members[@]/#/$pkg/}"
    mkdir -p "$src"
    cp -a "$tmp/out/$pkg/." "$src/"
    echo "$ver" >"$src/.version"
    touch "$src/.complete"
    rm -f "$deb"        # 150 MB; the extracted members are what we keep
fi

for m in "${members[@]}"; do
    cp "$src/$m" "$bd/$(basename "$m")"
done
echo "prepare.sh: media sources from $pkg $(cat "$src/.version") -> $bd"
