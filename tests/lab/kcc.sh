#!/bin/bash
# The C compiler for the project's out-of-tree modules when the lab kernel was built by a newer
# gcc than this host has (Debian unstable's kernels are built by gcc-16; the lab host is bookworm
# with gcc-12, and sid's gcc cannot be installed there). The module is compiled by the host's gcc
# with the kernel's own flags, except the few spellings gcc-12 does not know, which are translated
# to their older equivalent or dropped where they only tune diagnostics or code layout:
#   -fmin-function-alignment=N  ->  -falign-functions=N   (what Kbuild itself falls back to)
# The result is checked where it matters: the module's vermagic matches the kernel's, and the
# lab loads it into the real kernel (a mismatch in struct layout would show in the lab tests).
set -u
args=()
for a in "$@"; do
    case "$a" in
        -fmin-function-alignment=*) args+=("-falign-functions=${a#*=}") ;;
        -fzero-init-padding-bits=* | -fdiagnostics-show-context* | -Wno-unterminated-string-initialization | \
            -Wno-default-const-init-unsafe | -fzero-call-used-regs=* | -fms-anonymous-structs | \
            -Wno-alloc-size | -Wno-header-guard | -Wno-trailing-whitespace* | -Wno-leading-whitespace*) ;;
        *) args+=("$a") ;;
    esac
done
exec "${LAB_KCC_REAL:-gcc-12}" "${args[@]}"
