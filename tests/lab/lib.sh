# shellcheck shell=bash
# Common helpers for the lab scripts. Sourced, never executed.
#
# Everything downloaded or built goes under $LAB_CACHE (outside the repo):
#   ${LINUXDEVICES_CACHE:-$HOME/.cache/linuxdevices}

LAB_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
LAB_REPO="$(cd "$LAB_DIR/../.." && pwd)"
LINUXDEVICES_CACHE="${LINUXDEVICES_CACHE:-${HOME:-/root}/.cache/linuxdevices}"
LAB_CACHE="$LINUXDEVICES_CACHE"
export LINUXDEVICES_CACHE

# Exit code meaning "the lab cannot run on this machine" (callers may skip).
LAB_EX_UNAVAILABLE=77

lab_msg() { printf 'lab: %s\n' "$*" >&2; }
lab_die() { printf 'lab: error: %s\n' "$*" >&2; exit 1; }
lab_unavailable() { printf 'lab: unavailable: %s\n' "$*" >&2; exit "$LAB_EX_UNAVAILABLE"; }

# Run a command as root (directly, or through sudo when available).
lab_as_root() {
    if [ "$(id -u)" -eq 0 ]; then
        "$@"
    elif command -v sudo >/dev/null 2>&1; then
        sudo -n "$@"
    else
        lab_die "need root for: $* (no sudo available)"
    fi
}

# The packages the lab needs on the host.
LAB_HOST_PACKAGES=(qemu-system-x86 busybox-static kmod xz-utils pahole make bc gcc-12 cpio v4l-utils unifdef gcc
    # the per-architecture ABI probe (tests/abi/uapi-arch.sh, tests/LinuxDevices.Tests/Abi/AbiArch.cs)
    gcc-aarch64-linux-gnu libc6-dev-arm64-cross gcc-arm-linux-gnueabihf libc6-dev-armhf-cross qemu-user-static)

# Prints the packages of "$@" that are not installed.
lab_missing_packages() {
    local p st
    for p in "$@"; do
        st="$(dpkg-query -W -f='${db:Status-Status}' "$p" 2>/dev/null || true)"
        [ "$st" = installed ] || printf '%s\n' "$p"
    done
}

# Hash of a directory's regular files (names + content), stable across runs.
lab_hash_dir() {
    local d="$1"
    (cd "$d" && find . -type f ! -name '*.swp' -print0 | LC_ALL=C sort -z |
        xargs -0r sha256sum) | sha256sum | cut -c1-16
}

# Acquire an exclusive lock file on fd 9 (concurrent lab runs share the cache).
lab_lock() {
    mkdir -p "$(dirname "$1")"
    exec 9>"$1"
    flock 9
}
lab_unlock() { exec 9>&-; }
