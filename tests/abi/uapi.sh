#!/usr/bin/env bash
# Installs the pinned 6.12 kernel UAPI headers into the cache, sanitised by the kernel's own
# scripts/headers_install.sh (from Debian's linux-kbuild package), exactly as `make
# headers_install` would. The sources are the linux-headers-<kver>-common/-amd64 packages the lab
# downloads (tests/lab/kernel.sh); nothing is installed on the host and nothing enters the repo.
#
#   tests/abi/uapi.sh     prints the include directory (…/uapi/<kver>/include) on stdout
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
eval "$("$here/../lab/kernel.sh" env)"
cache="${LINUXDEVICES_CACHE:-${HOME:-/root}/.cache/linuxdevices}"
out="$cache/uapi/$KVER"
if [ -f "$out/.complete" ]; then
    echo "$out/include"
    exit 0
fi

src="$(dirname "$LAB_KDIR")"                         # …/root/usr/src
common="$src/linux-headers-${KVER%-amd64}-common"
arch="$LAB_KDIR"
install_sh="$(ls -d "$src"/linux-kbuild-*/scripts/headers_install.sh 2>/dev/null | head -1)"
[ -x "$install_sh" ] || { echo "uapi: headers_install.sh not found under $src" >&2; exit 1; }
[ -d "$common/include/uapi" ] || { echo "uapi: $common/include/uapi missing" >&2; exit 1; }

command -v unifdef >/dev/null || { echo "uapi: unifdef not found (apt-get install unifdef; ./build.sh installs it)" >&2; exit 1; }
tmp="$out.tmp.$$"
rm -rf "$tmp"
mkdir -p "$tmp/include" "$tmp/work/scripts"
ln -s "$(command -v unifdef)" "$tmp/work/scripts/unifdef"   # headers_install.sh runs scripts/unifdef
install_tree() { # $1 = source uapi dir
    [ -d "$1" ] || return 0
    (cd "$1" && find . -name '*.h' -type f) | while read -r f; do
        mkdir -p "$tmp/include/$(dirname "$f")"
        # A header headers_install rejects is left out (and listed); the probe fails loudly if it needs it.
        (cd "$tmp/work" && "$install_sh" "$1/$f" "$tmp/include/$f" 2>/dev/null) || echo "$f" >> "$tmp/skipped"
    done
}
install_tree "$common/include/uapi"
install_tree "$common/arch/x86/include/uapi"
install_tree "$arch/arch/x86/include/generated/uapi"
install_tree "$arch/include/generated/uapi"
echo "$KVER" > "$tmp/KVER"
rm -rf "$tmp/work"
touch "$tmp/.complete"
rm -rf "$out"
mv "$tmp" "$out"
echo "$out/include"
