#!/usr/bin/env bash
# Installs the pinned 6.12 kernel UAPI headers for one architecture with the kernel's own
# `make ARCH=<arch> headers_install`, run in Debian's linux-source-<series> package of the same
# version as the lab kernel. Only the source's include/, arch/<arch>/, scripts/ and Makefiles are
# extracted, into the cache; nothing is installed on the host and nothing enters the repository.
#
#   tests/abi/uapi-arch.sh arm64|arm     prints the include directory on stdout
set -euo pipefail
karch="${1:?usage: uapi-arch.sh arm64|arm}"
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
eval "$("$here/../lab/kernel.sh" env)" >/dev/null
cache="${LINUXDEVICES_CACHE:-${HOME:-/root}/.cache/linuxdevices}"
upstream="${KVER%%+*}"; upstream="${upstream%%-*}"       # 6.12.118
series="$(echo "$upstream" | cut -d. -f1,2)"
pkg="linux-source-$series"
out="$cache/uapi-arch/$upstream/$karch"
if [ -f "$out/.complete" ]; then echo "$out/include"; exit 0; fi

src="$cache/uapi-arch/$upstream/src"
if [ ! -f "$src/.complete" ]; then
    ver="$(apt-cache madison "$pkg" 2>/dev/null | awk -F'|' '{gsub(/ /,"",$2); print $2}' | grep -m1 "^$upstream-" || true)"
    if [ -z "$ver" ]; then
        apt-get update -qq >/dev/null 2>&1 || true
        ver="$(apt-cache madison "$pkg" 2>/dev/null | awk -F'|' '{gsub(/ /,"",$2); print $2}' | grep -m1 "^$upstream-" || true)"
    fi
    [ -n "$ver" ] || { echo "uapi-arch: no $pkg $upstream-* offered by apt" >&2; exit 1; }
    dl="$cache/uapi-arch/.download"; mkdir -p "$dl"
    deb="$(ls "$dl"/${pkg}_*_all.deb 2>/dev/null | head -n1 || true)"
    if [ -z "$deb" ]; then
        (cd "$dl" && apt-get download -q "$pkg=$ver" >/dev/null)
        deb="$(ls "$dl"/${pkg}_*_all.deb | head -n1)"
    fi
    tmp="$src.tmp.$$"; rm -rf "$tmp"; mkdir -p "$tmp"
    dpkg-deb --fsys-tarfile "$deb" | tar -x -O --wildcards "*usr/src/$pkg.tar.xz" \
        | tar -xJ -C "$tmp" --strip-components=1 \
            --wildcards "$pkg/Makefile" "$pkg/include/uapi" "$pkg/arch/arm64" "$pkg/arch/arm" \
            "$pkg/arch/x86/include/uapi" "$pkg/arch/x86/entry/syscalls" "$pkg/scripts" "$pkg/usr" "$pkg/tools/include" \
            "$pkg/Kbuild" "$pkg/Kconfig" "$pkg/init" 2>/dev/null || true
    [ -f "$tmp/Makefile" ] && [ -d "$tmp/include/uapi" ] || { echo "uapi-arch: extraction from $deb failed" >&2; exit 1; }
    rm -f "$deb"      # the extracted subset is all that is kept
    touch "$tmp/.complete"; rm -rf "$src"; mv "$tmp" "$src"
fi

tmp="$out.tmp.$$"; rm -rf "$tmp"; mkdir -p "$tmp"
# `make headers` is headers_install without its final rsync copy (O=…/usr/include is the result).
make -s -C "$src" ARCH="$karch" O="$tmp/build" headers >"$tmp.log" 2>&1 \
    || { echo "uapi-arch: make ARCH=$karch headers failed:" >&2; tail -20 "$tmp.log" >&2; exit 1; }
cp -a "$tmp/build/usr/include" "$tmp/include"
find "$tmp/include" -name '.*' -delete
rm -rf "$tmp/build" "$tmp.log"
echo "$upstream" > "$tmp/VERSION"
touch "$tmp/.complete"; rm -rf "$out"; mv "$tmp" "$out"
echo "$out/include"
