#!/usr/bin/env bash
# Fetches Debian's stock 6.12 kernel (image + modules, headers, kbuild) into the cache,
# without installing anything on the host.
#
#   tests/lab/kernel.sh [env]   ensure the cache, then print shell-evaluable variables:
#                                 KVER LAB_KERNEL_IMAGE LAB_MODULES_ROOT LAB_KDIR
#                               usage:  eval "$(tests/lab/kernel.sh env)"
#   tests/lab/kernel.sh check   print the variables only if the cache is complete (no network,
#                               no apt); exit 1 otherwise
#
# Layout: $LINUXDEVICES_CACHE/kernel/<kver>/
#           root/                dpkg-deb -x of all packages
#           root/boot/vmlinuz-<kver>
#           root/lib/modules/<kver>/   (depmod'ed)
#           root/usr/src/linux-headers-<kver>   (LAB_KDIR; Makefile fixed to the cache path)
#           env                  the variables printed above
#           .complete
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

META=linux-image-6.12-amd64
mode="${1:-env}"
case "$mode" in env | check) ;; *) lab_die "usage: kernel.sh [env|check]" ;; esac

kroot="$LAB_CACHE/kernel"

# The version of the meta package's kernel: "linux-image-<kver>" from its Depends.
resolve_kver() {
    apt-cache depends "$META" 2>/dev/null |
        sed -n 's/^ *Depends: linux-image-\(6\.12\.[^ ]*-amd64\)$/\1/p' | grep -v unsigned | head -1
}

# Fast path: the meta package resolves to a complete cache entry (no apt-get at all). The
# resolution is remembered per state of apt's package lists (apt-cache costs ~0.4 s).
lists_stamp="$(stat -c '%n %s %Y' /var/lib/apt/lists/*_Packages* 2>/dev/null | cksum | cut -d' ' -f1)"
if [ -f "$kroot/.resolved" ]; then
    read -r st kv <"$kroot/.resolved" || true
    if [ "${st:-}" = "$lists_stamp" ] && [ -n "${kv:-}" ] && [ -f "$kroot/$kv/.complete" ]; then
        cat "$kroot/$kv/env"
        exit 0
    fi
fi
kver="$(resolve_kver || true)"
if [ -n "$kver" ] && [ -f "$kroot/$kver/.complete" ]; then
    echo "$lists_stamp $kver" >"$kroot/.resolved.$$" && mv "$kroot/.resolved.$$" "$kroot/.resolved"
    cat "$kroot/$kver/env"
    exit 0
fi
if [ "$mode" = check ]; then
    # Offline: accept the newest complete entry even if apt's lists are gone.
    # shellcheck disable=SC2012
    last="$(ls -1d "$kroot"/6.12.*/.complete 2>/dev/null | sort -V | tail -1 || true)"
    [ -n "$last" ] && { cat "$(dirname "$last")/env"; exit 0; }
    exit 1
fi

command -v dpkg-deb >/dev/null || lab_unavailable "dpkg-deb not found (a Debian host is required)"
command -v depmod >/dev/null || PATH="$PATH:/sbin:/usr/sbin"
command -v depmod >/dev/null || lab_die "depmod not found (run tests/lab/setup-host.sh: kmod)"

apt_log="$(mktemp)"
trap 'rm -f "$apt_log"' EXIT

ensure_security_suite() {
    if grep -rqsE '^[^#]*(bookworm-security|debian-security)' /etc/apt/sources.list /etc/apt/sources.list.d/ 2>/dev/null; then
        return 0
    fi
    # The security suite lives beside the machine's own Debian mirror, at <mirror>-security.
    local base
    base="$(grep -rhoE '(https?://[^ ]+/debian)/?( |$)' /etc/apt/sources.list /etc/apt/sources.list.d/ 2>/dev/null | head -1 | tr -d ' ')"
    base="${base%/}"
    [ -n "$base" ] || lab_die "no Debian mirror in /etc/apt/sources.list*: add the bookworm-security suite to apt's sources"
    lab_msg "adding bookworm-security (${base}-security) to apt sources (/etc/apt/sources.list.d/linuxdevices-security.sources)"
    lab_as_root tee /etc/apt/sources.list.d/linuxdevices-security.sources >/dev/null <<EOF
Types: deb
URIs: ${base}-security
Suites: bookworm-security
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
EOF
    return 1
}

apt_update() {
    lab_msg "apt-get update"
    if ! lab_as_root apt-get update -q >"$apt_log" 2>&1 || grep -qE '^(W|E): Failed to fetch' "$apt_log"; then
        tail -15 "$apt_log" >&2
        lab_die "cannot reach the Debian mirror (apt-get update failed); the lab needs the bookworm-security suite of the Debian mirror once to fetch the kernel"
    fi
}

updated=0
if ! ensure_security_suite || [ -z "$kver" ]; then
    apt_update
    updated=1
    kver="$(resolve_kver || true)"
fi
[ -n "$kver" ] || lab_die "apt does not know $META (bookworm-security missing from apt sources?)"
if [ -f "$kroot/$kver/.complete" ]; then cat "$kroot/$kver/env"; exit 0; fi

lab_lock "$kroot/.lock"
if [ -f "$kroot/$kver/.complete" ]; then cat "$kroot/$kver/env"; exit 0; fi

# linux-kbuild-6.12.<x>+deb12 comes from the headers' Depends.
resolve_kbuild() {
    apt-cache depends "linux-headers-$kver" 2>/dev/null |
        sed -n 's/^ *Depends: \(linux-kbuild-6\.12[^ ]*\)$/\1/p' | head -1
}

download() {
    local dir="$1" kbuild
    kbuild="$(resolve_kbuild || true)"
    [ -n "$kbuild" ] || { lab_msg "cannot resolve linux-kbuild for linux-headers-$kver"; return 1; }
    PKGS=("linux-image-$kver" "linux-headers-$kver" "linux-headers-${kver%-amd64}-common" "$kbuild")
    lab_msg "downloading ${PKGS[*]}"
    (cd "$dir" && apt-get download -q "${PKGS[@]}") >"$apt_log" 2>&1
}

work="$kroot/.tmp-$kver-$$"
rm -rf "$work"
mkdir -p "$work/debs" "$work/root"
trap 'rm -f "$apt_log"; rm -rf "$work"' EXIT
t0=$SECONDS
if ! download "$work/debs"; then
    if [ "$updated" = 0 ]; then
        lab_msg "download failed; refreshing package lists"
        apt_update
        kver="$(resolve_kver || true)"
        [ -n "$kver" ] || lab_die "apt does not know $META"
        if [ -f "$kroot/$kver/.complete" ]; then cat "$kroot/$kver/env"; exit 0; fi
        download "$work/debs" || { tail -15 "$apt_log" >&2; lab_die "cannot download the kernel packages from the Debian mirror"; }
    else
        tail -15 "$apt_log" >&2
        lab_die "cannot download the kernel packages from the Debian mirror (network?)"
    fi
fi

lab_msg "extracting kernel $kver"
for deb in "$work"/debs/*.deb; do
    dpkg-deb -x "$deb" "$work/root"
done

dest="$kroot/$kver"
img="$work/root/boot/vmlinuz-$kver"
[ -f "$img" ] || lab_die "no /boot/vmlinuz-$kver in linux-image-$kver"
[ -d "$work/root/lib/modules/$kver/kernel" ] || lab_die "no modules in linux-image-$kver"

# The -amd64 headers Makefile includes the -common tree by absolute /usr/src path: point it
# at the cache (final location), and drop absolute symlinks that would point at the host.
kdir_rel="usr/src/linux-headers-$kver"
[ -f "$work/root/$kdir_rel/Makefile" ] || lab_die "no $kdir_rel/Makefile in linux-headers-$kver"
find "$work/root/$kdir_rel" -maxdepth 1 -type f -name Makefile -print0 |
    xargs -0 sed -i "s|/usr/src/linux-headers-|$dest/root/usr/src/linux-headers-|g"
rm -f "$work/root/lib/modules/$kver/build" "$work/root/lib/modules/$kver/source"
# Relative symlinks (scripts, tools -> ../../lib/linux-kbuild-6.12/...) stay valid in the cache.
for l in "$work/root/$kdir_rel"/*; do
    if [ -L "$l" ]; then
        t="$(readlink "$l")"
        case "$t" in /*) ln -sfn "$work/root$t" "$l" ;; esac
    fi
done

depmod -b "$work/root" "$kver"
rm -rf "$work/debs"

cat >"$work/env" <<EOF
KVER=$kver
LAB_KERNEL_IMAGE=$dest/root/boot/vmlinuz-$kver
LAB_MODULES_ROOT=$dest/root/lib/modules/$kver
LAB_KDIR=$dest/root/$kdir_rel
EOF
# Absolute links created above pointed into $work: rewrite them to $dest.
for l in "$work/root/$kdir_rel"/*; do
    if [ -L "$l" ]; then
        t="$(readlink "$l")"
        case "$t" in "$work"/*) ln -sfn "$dest${t#"$work"}" "$l" ;; esac
    fi
done
touch "$work/.complete"
rm -rf "$dest"
mv "$work" "$dest"
lists_stamp="$(stat -c '%n %s %Y' /var/lib/apt/lists/*_Packages* 2>/dev/null | cksum | cut -d' ' -f1)"
echo "$lists_stamp $kver" >"$kroot/.resolved"
lab_msg "kernel $kver cached in $dest ($((SECONDS - t0)) s)"
cat "$dest/env"
