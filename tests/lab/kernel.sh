#!/usr/bin/env bash
# Fetches one lab cell's Debian kernel (image + modules, headers, kbuild) into the cache,
# without installing anything on the host and without touching the host's apt sources.
#
#   tests/lab/kernel.sh [--arch A] [--kernel K] [env]   ensure the cache, then print
#                               shell-evaluable variables:
#                                 KVER LAB_ARCH LAB_KERNEL LAB_KERNEL_IMAGE LAB_MODULES_ROOT LAB_KDIR
#                               usage:  eval "$(tests/lab/kernel.sh --arch arm64 env)"
#   tests/lab/kernel.sh [--arch A] [--kernel K] check
#                               print the variables only if the cache is complete (no network,
#                               no apt); exit 1 otherwise
#
# A (env LAB_ARCH): x86_64 (default) | arm64.  K (env LAB_KERNEL): 6.12 (default) | 6.1 | newest.
# Where each cell's kernel comes from (Debian meta packages, resolved at run time through a
# private apt configuration of the lab's own, lib.sh lab_papt_*):
#   6.12    linux-image-6.12-<debarch>  bookworm + bookworm-security (6.12 LTS backport)
#   6.1     linux-image-<debarch>       bookworm (its stock 6.1 LTS)
#   newest  linux-image-<debarch>       sid (the newest kernel Debian offers)
#
# Layout: $LINUXDEVICES_CACHE/kernel/<kver>/      (kver names the flavour: unique per arch)
#           root/                dpkg-deb -x of all packages, normalised:
#           root/boot/vmlinuz-<kver>, root/boot/config-<kver>
#           root/lib/modules/<kver>/   (depmod'ed; usr-merged packages are moved here)
#           root/usr/src/linux-headers-<kver>   (LAB_KDIR; Makefile fixed to the cache path)
#           env                  the variables printed above
#           .complete
#         $LINUXDEVICES_CACHE/kernel/.resolved-<arch>-<kernel>   "<lists stamp> <kver>"
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

arch="${LAB_ARCH:-x86_64}"
kernel="${LAB_KERNEL:-6.12}"
mode=env
while [ $# -gt 0 ]; do
    case "$1" in
        --arch) arch="${2:?--arch needs a value}"; shift 2 ;;
        --arch=*) arch="${1#*=}"; shift ;;
        --kernel) kernel="${2:?--kernel needs a value}"; shift 2 ;;
        --kernel=*) kernel="${1#*=}"; shift ;;
        env | check) mode="$1"; shift ;;
        *) lab_die "usage: kernel.sh [--arch A] [--kernel K] [env|check]" ;;
    esac
done
arch="$(lab_norm_arch "$arch")"
kernel="$(lab_norm_kernel "$kernel")"
debarch="$(lab_debarch "$arch")"

# ---------------------------------------------------------------- the cell table
case "$kernel" in
    6.12) META="linux-image-6.12-$debarch" ;;
    6.1 | newest) META="linux-image-$debarch" ;;
esac
read -ra SUITES <<<"$(lab_cell_suites "$kernel")"
PAPT="${SUITES[0]}-$debarch"
# Kbuild's host programs (fixdep, modpost) run on this machine: they come from the host
# architecture's linux-kbuild package of the same version.
hostarch="$(dpkg --print-architecture 2>/dev/null || echo amd64)"
PAPT_HOST="${PAPT%-*}-$hostarch"

kroot="$LAB_CACHE/kernel"
resolved="$kroot/.resolved-$arch-$kernel"

if [ "$mode" = check ]; then
    if [ -f "$resolved" ]; then
        read -r _ kv <"$resolved" || true
        [ -n "${kv:-}" ] && [ -f "$kroot/$kv/.complete" ] && { cat "$kroot/$kv/env"; exit 0; }
    fi
    exit 1
fi

command -v dpkg-deb >/dev/null || lab_unavailable "dpkg-deb not found (a Debian host is required)"
command -v apt-get >/dev/null || lab_unavailable "apt-get not found (a Debian host is required)"
command -v depmod >/dev/null || PATH="$PATH:/sbin:/usr/sbin"
command -v depmod >/dev/null || lab_die "depmod not found (run tests/lab/setup-host.sh: kmod)"

lab_papt_init "$PAPT" "$debarch" "${SUITES[@]}"
papt=("${LAB_PAPT[@]}")
lists_stamp() { stat -c %Y "$LAB_CACHE/apt/$PAPT/.updated" 2>/dev/null || echo 0; }

# Fast path: resolved against the current state of the private lists, and complete.
if [ -f "$resolved" ] && [ -f "$LAB_CACHE/apt/$PAPT/.updated" ]; then
    read -r st kv <"$resolved" || true
    age=$(($(date +%s) - $(lists_stamp)))
    if [ "${st:-}" = "$(lists_stamp)" ] && [ "$age" -lt "${LAB_PAPT_MAX_AGE:-21600}" ] &&
        [ -n "${kv:-}" ] && [ -f "$kroot/$kv/.complete" ]; then
        cat "$kroot/$kv/env"
        exit 0
    fi
fi

lab_papt_update "$PAPT"

# The kernel release the meta package points at: "linux-image-<kver>" from its Depends.
resolve_kver() {
    apt-cache "${papt[@]}" depends "$META" 2>/dev/null |
        sed -n "s/^ *Depends: linux-image-\([0-9][^ ]*-$debarch\)\$/\1/p" | grep -v unsigned | head -1
}
kver="$(resolve_kver || true)"
if [ -z "$kver" ]; then
    lab_papt_update "$PAPT" 1
    kver="$(resolve_kver || true)"
fi
[ -n "$kver" ] || lab_die "Debian's mirror does not offer $META for the $arch/$kernel lab cell (suites: ${SUITES[*]})"
if [ -f "$kroot/$kver/.complete" ]; then
    echo "$(lists_stamp) $kver" >"$resolved"
    cat "$kroot/$kver/env"
    exit 0
fi

lab_lock "$kroot/.lock-$kver"
if [ -f "$kroot/$kver/.complete" ]; then
    echo "$(lists_stamp) $kver" >"$resolved"
    cat "$kroot/$kver/env"
    exit 0
fi

apt_log="$(mktemp)"
work="$kroot/.tmp-$kver-$$"
trap 'rm -f "$apt_log"; rm -rf "$work"' EXIT
rm -rf "$work"
mkdir -p "$work/debs" "$work/root"
t0=$SECONDS

# Package names: the image plus what newer, split packages put beside it (linux-binary-,
# linux-modules-, linux-base-<kver>); the headers, their -common tree; kbuild of the host arch.
deps_of() { apt-cache "${papt[@]}" depends "$1" 2>/dev/null | sed -n 's/^ *\(Pre\)\?Depends: \([^ <]*\)$/\2/p'; }
pkgs=("linux-image-$kver")
for d in $(deps_of "linux-image-$kver"); do
    case "$d" in linux-binary-"$kver" | linux-modules-"$kver" | linux-base-"$kver") pkgs+=("$d") ;; esac
done
pkgs+=("linux-headers-$kver")
kbuild=
for d in $(deps_of "linux-headers-$kver"); do
    case "$d" in
        linux-headers-*-common*) pkgs+=("$d") ;;
        linux-kbuild-*) kbuild="$d" ;;
        linux-base-"$kver") [[ " ${pkgs[*]} " == *" $d "* ]] || pkgs+=("$d") ;;
    esac
done
[ -n "$kbuild" ] || lab_die "cannot resolve linux-kbuild for linux-headers-$kver"

download() {
    (cd "$work/debs" && apt-get "${papt[@]}" download -q "${pkgs[@]}") >"$apt_log" 2>&1 || return 1
    if [ "$debarch" = "$hostarch" ]; then
        (cd "$work/debs" && apt-get "${papt[@]}" download -q "$kbuild") >>"$apt_log" 2>&1
    else
        lab_papt_init "$PAPT_HOST" "$hostarch" "${SUITES[@]}"
        local hpapt=("${LAB_PAPT[@]}")
        lab_papt_update "$PAPT_HOST"
        (cd "$work/debs" && apt-get "${hpapt[@]}" download -q "$kbuild:$hostarch") >>"$apt_log" 2>&1
    fi
}
lab_msg "downloading ${pkgs[*]} $kbuild ($arch/$kernel)"
if ! download; then
    tail -15 "$apt_log" >&2
    lab_die "cannot download the $arch/$kernel kernel packages from Debian's mirror"
fi

lab_msg "extracting kernel $kver"
for deb in "$work"/debs/*.deb; do
    dpkg-deb -x "$deb" "$work/root"
done
R="$work/root"
# Normalise usr-merged packages: modules in lib/modules, image and config in boot/.
if [ -d "$R/usr/lib/modules/$kver" ]; then
    mkdir -p "$R/lib/modules"
    if [ -d "$R/lib/modules/$kver" ]; then
        cp -a "$R/usr/lib/modules/$kver/." "$R/lib/modules/$kver/"
        rm -rf "$R/usr/lib/modules/$kver"
    else
        mv "$R/usr/lib/modules/$kver" "$R/lib/modules/$kver"
    fi
fi
mkdir -p "$R/boot"
[ -f "$R/boot/vmlinuz-$kver" ] || { [ -f "$R/lib/modules/$kver/vmlinuz" ] && mv "$R/lib/modules/$kver/vmlinuz" "$R/boot/vmlinuz-$kver"; }
[ -f "$R/boot/config-$kver" ] || { [ -f "$R/lib/modules/$kver/config" ] && cp "$R/lib/modules/$kver/config" "$R/boot/config-$kver"; }
[ -f "$R/boot/vmlinuz-$kver" ] || lab_die "no kernel image in the packages of $kver"
[ -d "$R/lib/modules/$kver/kernel" ] || lab_die "no modules in the packages of $kver"

dest="$kroot/$kver"
# The headers Makefile includes the -common tree by absolute /usr/src path: point it at the
# cache (final location), and drop absolute symlinks that would point at the host.
kdir_rel="usr/src/linux-headers-$kver"
[ -f "$R/$kdir_rel/Makefile" ] || lab_die "no $kdir_rel/Makefile in linux-headers-$kver"
find "$R/$kdir_rel" -maxdepth 1 -type f -name Makefile -print0 |
    xargs -0 sed -i "s|/usr/src/linux-headers-|$dest/root/usr/src/linux-headers-|g"
rm -f "$R/lib/modules/$kver/build" "$R/lib/modules/$kver/source"
for l in "$R/$kdir_rel"/*; do
    if [ -L "$l" ]; then
        t="$(readlink "$l")"
        case "$t" in /*) ln -sfn "$dest/root$t" "$l" ;; esac
    fi
done

# Kbuild's host programs from a newer Debian (sid) may need a newer glibc than this host's: run
# those through the same suite's own dynamic loader and libraries, kept beside them in the cache
# (hostlibs/), so modules are post-processed by exactly the tools the kernel's packages ship.
host_glibc="$(getconf GNU_LIBC_VERSION 2>/dev/null | awk '{print $2}')"; host_glibc="${host_glibc:-0}"
newer=()
while IFS= read -r -d '' f; do
    file -b "$f" 2>/dev/null | grep -q '^ELF' || continue
    need="$(objdump -T "$f" 2>/dev/null | grep -oE 'GLIBC_[0-9]+\.[0-9]+' | sed 's/GLIBC_//' | sort -V | tail -1)"
    [ -n "$need" ] && [ "$(printf '%s\n%s\n' "$need" "$host_glibc" | sort -V | tail -1)" != "$host_glibc" ] && newer+=("$f")
done < <(find "$R"/usr/lib/linux-kbuild-* -type f -perm -u+x -print0 2>/dev/null)
if [ "${#newer[@]}" -gt 0 ]; then
    lab_msg "${#newer[@]} kbuild host programs need a newer glibc than $host_glibc: running them with the suite's own libraries"
    lab_papt_init "${SUITES[0]}-$hostarch" "$hostarch" "${SUITES[@]}"
    hp=("${LAB_PAPT[@]}")
    lab_papt_update "${SUITES[0]}-$hostarch"
    mkdir -p "$work/hostdebs"
    libelf=libelf1t64
    apt-cache "${hp[@]}" show "$libelf" >/dev/null 2>&1 || libelf=libelf1
    (cd "$work/hostdebs" && apt-get "${hp[@]}" download -q "libc6:$hostarch" "$libelf:$hostarch" "zlib1g:$hostarch" "libzstd1:$hostarch") >>"$apt_log" 2>&1 ||
        { tail -15 "$apt_log" >&2; lab_die "cannot download the host libraries for $kver's kbuild"; }
    for deb in "$work"/hostdebs/*.deb; do dpkg-deb -x "$deb" "$R/hostlibs"; done
    rm -rf "$work/hostdebs"
    triplet="$(gcc -dumpmachine)"
    ldso="$(find "$R/hostlibs" -name 'ld-linux*.so.*' \( -type f -o -type l \) | head -1)"
    [ -n "$ldso" ] || lab_die "no dynamic loader in $kver's host libc6"
    for f in "${newer[@]}"; do
        mv "$f" "$f.bin"
        cat >"$f" <<WRAP
#!/bin/sh
# Runs $(basename "$f") (built for glibc > $host_glibc) with its own suite's loader and libraries.
h="$dest/root/hostlibs"
exec "\$h${ldso#"$R/hostlibs"}" --library-path "\$h/usr/lib/$triplet:\$h/lib/$triplet" "\$0.bin" "\$@"
WRAP
        chmod 755 "$f"
    done
fi

depmod -b "$R" "$kver"
rm -rf "$work/debs"

cat >"$work/env" <<EOF
KVER=$kver
LAB_ARCH=$arch
LAB_KERNEL=$kernel
LAB_KERNEL_IMAGE=$dest/root/boot/vmlinuz-$kver
LAB_MODULES_ROOT=$dest/root/lib/modules/$kver
LAB_KDIR=$dest/root/$kdir_rel
EOF
touch "$work/.complete"
rm -rf "$dest"
mv "$work" "$dest"
echo "$(lists_stamp) $kver" >"$resolved"
lab_msg "kernel $kver ($arch/$kernel) cached in $dest ($((SECONDS - t0)) s)"
cat "$dest/env"
