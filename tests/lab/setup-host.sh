#!/usr/bin/env bash
# Installs (idempotently) the host packages the lab needs.
# Warm (everything present): no apt call at all.
#   tests/lab/setup-host.sh           install what is missing
#   tests/lab/setup-host.sh --check   only report; exit 1 when something is missing
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

check_only=0
arch_pkgs=()
while [ $# -gt 0 ]; do
    case "$1" in
        --check) check_only=1 ;;
        # The packages of an architecture's cells (e.g. arm64: qemu-system-arm, cross gcc), only when asked.
        --arch) read -ra arch_pkgs <<<"$(lab_arch_packages "$(lab_norm_arch "${2:?}")")"; shift ;;
    esac
    shift
done
LAB_HOST_PACKAGES+=("${arch_pkgs[@]}")

command -v dpkg-query >/dev/null 2>&1 || lab_unavailable "not a Debian/Ubuntu host (no dpkg-query); install by hand: ${LAB_HOST_PACKAGES[*]}"

mapfile -t missing < <(lab_missing_packages "${LAB_HOST_PACKAGES[@]}")
if [ "${#missing[@]}" -eq 0 ]; then
    [ "$check_only" = 1 ] && lab_msg "host packages: all present (${LAB_HOST_PACKAGES[*]})"
    exit 0
fi
if [ "$check_only" = 1 ]; then
    lab_msg "host packages missing: ${missing[*]} (run tests/lab/setup-host.sh)"
    exit 1
fi

lab_msg "installing host packages: ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
if ! lab_as_root apt-get install -y -q --no-install-recommends "${missing[@]}" >/tmp/lab-apt.$$.log 2>&1; then
    lab_msg "apt-get install failed; refreshing package lists"
    lab_as_root apt-get update -q >>/tmp/lab-apt.$$.log 2>&1 ||
        { tail -20 /tmp/lab-apt.$$.log >&2; rm -f /tmp/lab-apt.$$.log; lab_die "apt-get update failed (is the Debian mirror reachable?)"; }
    lab_as_root apt-get install -y -q --no-install-recommends "${missing[@]}" >>/tmp/lab-apt.$$.log 2>&1 ||
        { tail -30 /tmp/lab-apt.$$.log >&2; rm -f /tmp/lab-apt.$$.log; lab_die "apt-get install ${missing[*]} failed"; }
fi
rm -f /tmp/lab-apt.$$.log
mapfile -t missing < <(lab_missing_packages "${LAB_HOST_PACKAGES[@]}")
[ "${#missing[@]}" -eq 0 ] || lab_die "still missing after install: ${missing[*]}"
lab_msg "host packages installed"
