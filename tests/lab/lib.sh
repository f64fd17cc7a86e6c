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
    gcc-aarch64-linux-gnu libc6-dev-arm64-cross gcc-arm-linux-gnueabihf libc6-dev-armhf-cross qemu-user-static
    # tools/AbiDump published for linux-arm64 runs under qemu-aarch64-static with this sysroot (libstdc++ for CoreCLR)
    libstdc++6-arm64-cross
    # NativeAOT's linker driver (linuxdev's AOT builds: x86_64 natively, arm64 with --target)
    clang)

# Host packages needed only when a cell of that architecture is used: lab_arch_packages ARCH.
lab_arch_packages() {
    case "$1" in
        arm64) echo qemu-system-arm qemu-user-static mmdebstrap gcc-aarch64-linux-gnu device-tree-compiler ;;
    esac
}

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

# ---------------------------------------------------------------- the matrix: arch × kernel
# A lab *cell* is ARCH/KERNEL. ARCH: x86_64 (default) or arm64; KERNEL: 6.12 (default; Debian
# bookworm-security's 6.12 LTS), 6.1 (bookworm's stock LTS) or newest (the newest kernel of
# Debian unstable on the machine's own mirror, resolved at run time). `./lab run -- CMD` is
# x86_64/6.12. Options --arch/--kernel, or env LAB_ARCH/LAB_KERNEL. See tests/lab/README.md.
LAB_ARCHES=(x86_64 arm64)
LAB_KERNELS=(6.12 6.1 newest)

# lab_norm_arch NAME: canonical arch name (accepts Debian and uname spellings).
lab_norm_arch() {
    case "${1:-x86_64}" in
        x86_64 | amd64 | x64) echo x86_64 ;;
        arm64 | aarch64) echo arm64 ;;
        *) lab_die "unknown --arch '$1' (one of: ${LAB_ARCHES[*]})" ;;
    esac
}

# lab_norm_kernel NAME: canonical kernel spec.
lab_norm_kernel() {
    case "${1:-6.12}" in
        6.12 | 6.1 | newest) echo "$1" ;;
        "") echo 6.12 ;;
        *) lab_die "unknown --kernel '$1' (one of: ${LAB_KERNELS[*]})" ;;
    esac
}

# lab_cell_suites KERNEL: the Debian suites a kernel spec's packages (image, headers, source)
# come from, for lab_papt_init.
lab_cell_suites() {
    case "$1" in
        6.12 | 6.1) echo bookworm bookworm-security ;;
        newest) echo sid ;;
    esac
}

# lab_source_papt KERNEL: sets LAB_PAPT to the private apt configuration that offers the kernel
# spec's architecture-independent packages (linux-source-X.Y), updated if stale.
lab_source_papt() {
    local suites hostarch
    read -ra suites <<<"$(lab_cell_suites "$1")"
    hostarch="$(dpkg --print-architecture 2>/dev/null || echo amd64)"
    lab_papt_init "${suites[0]}-$hostarch" "$hostarch" "${suites[@]}"
    lab_papt_update "${suites[0]}-$hostarch"
}

# lab_debarch ARCH: Debian's architecture name.
lab_debarch() { case "$1" in x86_64) echo amd64 ;; arm64) echo arm64 ;; esac; }

# The machine's own Debian mirror (the first http(s) URI ending in /debian in apt's sources).
lab_debian_mirror() {
    local base
    base="$(grep -rhoE '(https?://[^ ]+/debian)/?( |$)' /etc/apt/sources.list /etc/apt/sources.list.d/ 2>/dev/null | head -1 | tr -d ' ')"
    base="${base%/}"
    [ -n "$base" ] || lab_die "no Debian mirror in /etc/apt/sources.list*"
    echo "$base"
}

# Private apt configurations of the lab's own, so suites and architectures the host does not
# use (sid, arm64) never touch the host's apt sources or state:
#   lab_papt_init NAME ARCH SUITE...   writes $LAB_CACHE/apt/NAME (sources, lists, cache) and
#                                      sets LAB_PAPT=(apt option array) for apt-get/apt-cache
#   lab_papt_update NAME               apt-get update of that configuration (when older than
#                                      LAB_PAPT_MAX_AGE seconds, default 6 h, or forced with 1)
# SUITE "X-security" is served from the mirror's -security sibling. Usage:
#   lab_papt_init sid-amd64 amd64 sid && lab_papt_update sid-amd64 && apt-cache "${LAB_PAPT[@]}" ...
lab_papt_init() {
    local name="$1" arch="$2" dir mirror s
    shift 2
    dir="$LAB_CACHE/apt/$name"
    mkdir -p "$dir/lists/partial" "$dir/cache/archives/partial" "$dir/etc/preferences.d" "$dir/status.d"
    mirror="$(lab_debian_mirror)"
    : >"$dir/sources.list.new"
    for s in "$@"; do
        case "$s" in
            *-security) echo "deb [arch=$arch signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] ${mirror}-security $s main" ;;
            *) echo "deb [arch=$arch signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] $mirror $s main" ;;
        esac
    done >"$dir/sources.list.new"
    if ! cmp -s "$dir/sources.list.new" "$dir/sources.list" 2>/dev/null; then
        mv "$dir/sources.list.new" "$dir/sources.list"
        rm -f "$dir/.updated"
    else
        rm -f "$dir/sources.list.new"
    fi
    : >>"$dir/status"
    LAB_PAPT=(-o "Dir::Etc::SourceList=$dir/sources.list" -o "Dir::Etc::SourceParts=/dev/null"
        -o "Dir::Etc::Preferences=/dev/null" -o "Dir::Etc::PreferencesParts=$dir/etc/preferences.d"
        -o "Dir::State::Lists=$dir/lists" -o "Dir::State::Status=$dir/status"
        -o "Dir::Cache=$dir/cache" -o "Dir::Cache::archives=$dir/cache/archives"
        -o "APT::Architecture=$arch" -o "APT::Architectures::=$arch"
        -o "Debug::NoLocking=1" -o "APT::Get::AllowUnauthenticated=false")
    LAB_PAPT_DIR="$dir"
}

lab_papt_update() {
    local name="$1" force="${2:-0}" dir="$LAB_CACHE/apt/$1" age now log
    now="$(date +%s)"
    if [ "$force" = 0 ] && [ -f "$dir/.updated" ]; then
        age=$((now - $(stat -c %Y "$dir/.updated")))
        [ "$age" -lt "${LAB_PAPT_MAX_AGE:-21600}" ] && return 0
    fi
    log="$(mktemp)"
    lab_msg "apt-get update ($name, private configuration in $dir)"
    if ! apt-get "${LAB_PAPT[@]}" update -q >"$log" 2>&1 || grep -qE '^(W|E): Failed to fetch' "$log"; then
        tail -15 "$log" >&2
        rm -f "$log"
        lab_die "cannot reach the Debian mirror for the private apt configuration $name"
    fi
    rm -f "$log"
    touch "$dir/.updated"
}

# ---------------------------------------------------------------- upstream driver sources
# lab_kernel_source MEMBER...: prints a directory holding the given files (paths inside the kernel
# tree, e.g. drivers/rpmsg/rpmsg_core.c) from Debian's linux-source-X.Y of the lab kernel (KVER,
# LAB_KERNEL), the same upstream version where the mirror has it, else the newest of that series.
# Only the requested files are extracted (into $LAB_CACHE/src/<pkg>-<version>/), on demand; the
# package (~150 MB) is kept in $LAB_CACHE/src/.download so another module's files need no second
# download. Kernel source never enters the repository. Used by the modules' prepare.sh scripts.
lab_kernel_source() {
    local kver="${KVER:?KVER not set}" upstream series pkg versions ver src dl deb m tmp tarball
    local missing=()
    upstream="${kver%%+*}"
    upstream="${upstream%%-*}"
    series="$(echo "$upstream" | cut -d. -f1,2)"
    pkg="linux-source-$series"
    lab_source_papt "${LAB_KERNEL:-6.12}" >&2
    local papt=("${LAB_PAPT[@]}")
    versions="$(apt-cache "${papt[@]}" madison "$pkg" 2>/dev/null | awk -F'|' '{gsub(/ /,"",$2); print $2}')"
    if [ -z "$versions" ]; then
        lab_papt_update "${LAB_PAPT_DIR##*/}" 1 >&2
        versions="$(apt-cache "${papt[@]}" madison "$pkg" 2>/dev/null | awk -F'|' '{gsub(/ /,"",$2); print $2}')"
    fi
    [ -n "$versions" ] || { lab_msg "$pkg is not offered by Debian's mirror"; return 1; }
    ver="$(echo "$versions" | grep -m1 "^$upstream-" || true)"
    [ -n "$ver" ] || { ver="$(echo "$versions" | head -n1)"; lab_msg "no $pkg for $upstream on the mirror, using $ver"; }
    src="$LAB_CACHE/src/$pkg-${ver//[^A-Za-z0-9.+~-]/_}"
    for m in "$@"; do [ -f "$src/$m" ] || missing+=("$m"); done
    if [ "${#missing[@]}" -gt 0 ]; then
        mkdir -p "$LAB_CACHE/src/.download"
        (
            flock 8
            dl="$LAB_CACHE/src/.download"
            deb="$(ls "$dl/${pkg}_${ver//:/%3a}_all.deb" 2>/dev/null | head -n1 || true)"
            if [ -z "$deb" ]; then
                rm -f "$dl/${pkg}_"*_all.deb
                (cd "$dl" && apt-get "${papt[@]}" download -q "$pkg=$ver" >/dev/null) || { lab_msg "cannot download $pkg=$ver"; exit 1; }
                deb="$(ls "$dl/${pkg}_"*_all.deb | head -n1)"
            fi
            tmp="$(mktemp -d "$LAB_CACHE/src/.x.XXXXXX")"
            trap 'rm -rf "$tmp"' EXIT
            # The .deb holds usr/src/linux-source-X.Y.tar.xz: stream it out, then only our members.
            dpkg-deb --fsys-tarfile "$deb" | tar -x -C "$tmp" --wildcards "*usr/src/$pkg.tar.xz"
            tarball="$(find "$tmp" -name "$pkg.tar.xz" | head -n1)"
            [ -n "$tarball" ] || { lab_msg "$pkg.tar.xz not found in $deb"; exit 1; }
            mkdir -p "$tmp/out" "$src"
            tar -xJf "$tarball" -C "$tmp/out" "${missing[@]/#/$pkg/}" || { lab_msg "$pkg has not all of: ${missing[*]}"; exit 1; }
            cp -a "$tmp/out/$pkg/." "$src/"
            echo "$ver" >"$src/.version"
        ) 8>"$LAB_CACHE/src/.lock" || return 1
    fi
    echo "$src"
}

# lab_kernel_source_into BUILD_DIR MEMBER...: lab_kernel_source, then copies each file into
# BUILD_DIR under its base name (what the modules' prepare.sh scripts do with them).
lab_kernel_source_into() {
    local bd="$1" src m
    shift
    src="$(lab_kernel_source "$@")" || return 1
    for m in "$@"; do
        cp "$src/$m" "$bd/$(basename "$m")"
    done
    echo "prepare.sh: $(basename "$src"): $# files -> $bd"
}
