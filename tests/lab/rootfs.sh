#!/usr/bin/env bash
# The guest user space of a non-host architecture (arm64), built from Debian packages and cached:
#   tests/lab/rootfs.sh --arch arm64 path    build if needed; print the root directory
# $LINUXDEVICES_CACHE/rootfs/<debarch>-bookworm/, keyed by the package list below and this script.
# mmdebstrap's `extract` variant downloads the packages and their dependencies for the target
# architecture and unpacks them (no maintainer scripts, so no emulation: ~8 s); the few things
# maintainer scripts would do (ld.so.cache, passwd/group) are done here, ldconfig through
# qemu-user (it is a static binary). The host's apt sources and state are never touched.
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

arch=arm64
while [ $# -gt 0 ]; do
    case "$1" in
        --arch) arch="$(lab_norm_arch "$2")"; shift 2 ;;
        --arch=*) arch="$(lab_norm_arch "${1#*=}")"; shift ;;
        *) break ;;
    esac
done
debarch="$(lab_debarch "$arch")"

# What the guest runs: stage 1 (busybox-static), guest.sh and the fixtures (bash, coreutils, kmod,
# util-linux incl. setpriv, procps, iproute2, v4l-utils), the self-contained .NET apps (libc,
# libstdc++, libgcc, zlib, ICU, OpenSSL) and the MHI benchmark's C side (trace-cmd).
LAB_ROOTFS_PACKAGES=(bash dash coreutils busybox-static kmod util-linux mount procps iproute2 grep sed gawk findutils
    diffutils psmisc libc-bin libstdc++6 libgcc-s1 zlib1g libicu72 libssl3 v4l-utils trace-cmd)

root_path() {
    local key
    key="$( { echo "$debarch"; printf '%s\n' "${LAB_ROOTFS_PACKAGES[@]}"; sha256sum "${BASH_SOURCE[0]}" | cut -c1-64; } | sha256sum | cut -c1-12)"
    ROOT_BASE="$LAB_CACHE/rootfs/$debarch-bookworm"
    ROOT="$ROOT_BASE/$key"
}

build() {
    root_path
    [ -f "$ROOT/.lab-complete" ] && return 0
    command -v mmdebstrap >/dev/null 2>&1 || lab_die "mmdebstrap is missing (./lab setup --arch $arch)"
    command -v "qemu-$( [ "$arch" = arm64 ] && echo aarch64)-static" >/dev/null 2>&1 ||
        lab_die "qemu-user-static is missing (./lab setup --arch $arch)"
    mkdir -p "$ROOT_BASE"
    lab_lock "$ROOT_BASE/.lock"
    if [ ! -f "$ROOT/.lab-complete" ]; then
        local t0=$SECONDS tmp log mirror inc
        mirror="$(lab_debian_mirror)"
        lab_msg "building the $debarch guest user space (mmdebstrap, Debian bookworm) in $ROOT"
        tmp="$ROOT_BASE/.build.$$"
        rm -rf "$tmp"
        log="$ROOT_BASE/.build.log"
        inc="$(IFS=,; echo "${LAB_ROOTFS_PACKAGES[*]}")"
        if ! mmdebstrap --mode=unshare --variant=extract --architectures="$debarch" --include="$inc" \
            --format=directory bookworm "$tmp" "deb $mirror bookworm main" >"$log" 2>&1; then
            tail -20 "$log" >&2
            rm -rf "$tmp"
            lab_unlock
            lab_die "mmdebstrap failed (log: $log)"
        fi
        # What maintainer scripts would have done.
        qemu-aarch64-static "$tmp/sbin/ldconfig" -r "$tmp"
        [ -s "$tmp/etc/passwd" ] || printf '%s\n' 'root:x:0:0:root:/root:/bin/bash' \
            'nobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin' >"$tmp/etc/passwd"
        [ -s "$tmp/etc/group" ] || printf '%s\n' 'root:x:0:' 'tty:x:5:' 'video:x:44:' 'nogroup:x:65534:' >"$tmp/etc/group"
        mkdir -p "$tmp/root" "$tmp/tmp" "$tmp/run" "$tmp/proc" "$tmp/sys" "$tmp/dev"
        chmod 1777 "$tmp/tmp"
        rm -rf "$ROOT"
        mv "$tmp" "$ROOT"
        date -u +%FT%TZ >"$ROOT/.lab-complete"
        # Older keys (a changed package list) are dropped.
        find "$ROOT_BASE" -mindepth 1 -maxdepth 1 -type d ! -path "$ROOT" -exec rm -rf {} +
        lab_msg "$debarch user space built in $((SECONDS - t0)) s ($(du -sh "$ROOT" | cut -f1))"
    fi
    lab_unlock
}

case "${1:-path}" in
    path) build; echo "$ROOT" ;;
    *) lab_die "usage: rootfs.sh [--arch arm64] path" ;;
esac
