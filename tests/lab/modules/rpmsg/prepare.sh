#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# prepare.sh BUILD_DIR — run by ./lab modules before `make M=BUILD_DIR`.
# Debian's amd64 kernel has no rpmsg. This extracts ONLY the upstream rpmsg core, name service,
# char/ctrl and tty driver sources from Debian's linux-source-X.Y package of the lab kernel's series (version matched to the
# running kernel's upstream version as closely as the mirror offers) into BUILD_DIR. Kernel source
# is cached outside the repository ($LINUXDEVICES_CACHE/rpmsg-src/<version>) and never committed.
set -euo pipefail
bd="${1:?usage: prepare.sh BUILD_DIR}"
LAB_REPO_DIR="$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/../../../.." && pwd)"
cache="${LINUXDEVICES_CACHE:-$HOME/.cache/linuxdevices}"
kver="${KVER:?KVER not set}"
upstream="${kver%%+*}"          # 6.12.117+deb12-amd64 -> 6.12.117
upstream="${upstream%%-*}"
series="$(echo "$upstream" | cut -d. -f1,2)"   # 6.12
pkg="linux-source-$series"
members=(
    drivers/rpmsg/rpmsg_core.c
    drivers/rpmsg/rpmsg_internal.h
    drivers/rpmsg/rpmsg_ns.c
    drivers/rpmsg/rpmsg_char.c
    drivers/rpmsg/rpmsg_char.h
    drivers/rpmsg/rpmsg_ctrl.c
    drivers/tty/rpmsg_tty.c
)

# The kernel spec's own suites (bookworm for 6.1/6.12, sid for newest), through the lab's
# private apt configuration (never the host's sources).
# shellcheck disable=SC1091
. "$LAB_REPO_DIR/tests/lab/lib.sh"
lab_source_papt "${LAB_KERNEL:-6.12}" >&2
papt=("${LAB_PAPT[@]}")

# Already extracted for this kernel's upstream version? (warm path: no network, no tarball)
pick_cached() {
    local d
    for d in "$cache/rpmsg-src/$upstream"-*; do
        [ -f "$d/.complete" ] && { echo "$d"; return 0; }
    done
    return 1
}

if ! src="$(pick_cached)"; then
    # Choose the package version: prefer the same upstream version, else the newest offered.
    versions="$(apt-cache "${papt[@]}" madison "$pkg" 2>/dev/null | awk -F'|' '{gsub(/ /,"",$2); print $2}')"
    if [ -z "$versions" ]; then
        lab_papt_update "${LAB_PAPT_DIR##*/}" 1 >&2
        versions="$(apt-cache "${papt[@]}" madison "$pkg" 2>/dev/null | awk -F'|' '{gsub(/ /,"",$2); print $2}')"
    fi
    [ -n "$versions" ] || { echo "prepare.sh: $pkg not offered by apt" >&2; exit 1; }
    ver="$(echo "$versions" | grep -m1 "^$upstream-" || true)"
    [ -n "$ver" ] || { ver="$(echo "$versions" | head -n1)"; echo "prepare.sh: no $pkg for $upstream, using $ver" >&2; }
    src="$cache/rpmsg-src/$upstream-${ver//[^A-Za-z0-9.+~-]/_}"
    dl="$cache/rpmsg-src/.download"
    mkdir -p "$dl"
    deb="$(ls "$dl"/${pkg}_"${ver//:/%3a}"_all.deb 2>/dev/null | head -n1 || true)"
    if [ -z "$deb" ]; then
        (cd "$dl" && apt-get "${papt[@]}" download -q "$pkg=$ver" >/dev/null)
        deb="$(ls "$dl"/${pkg}_*_all.deb | head -n1)"
    fi
    tmp="$(mktemp -d "$cache/rpmsg-src/.x.XXXXXX")"
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
echo "prepare.sh: rpmsg sources from $pkg $(cat "$src/.version") -> $bd"
