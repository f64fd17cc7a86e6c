#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# prepare.sh BUILD_DIR — run by ./lab modules before `make M=BUILD_DIR`.
# Debian's amd64 kernel has no rpmsg. This extracts ONLY the upstream rpmsg core, name service,
# char/ctrl and tty driver sources from Debian's linux-source-X.Y package of the lab kernel's series (version matched to the
# running kernel's upstream version as closely as the mirror offers) into BUILD_DIR. Kernel source
# is cached outside the repository (lib.sh lab_kernel_source) and never committed.
set -euo pipefail
bd="${1:?usage: prepare.sh BUILD_DIR}"
# shellcheck disable=SC1091
. "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/../../lib.sh"
members=(
    drivers/rpmsg/rpmsg_core.c
    drivers/rpmsg/rpmsg_internal.h
    drivers/rpmsg/rpmsg_ns.c
    drivers/rpmsg/rpmsg_char.c
    drivers/rpmsg/rpmsg_char.h
    drivers/rpmsg/rpmsg_ctrl.c
    drivers/tty/rpmsg_tty.c
)
lab_kernel_source_into "$bd" "${members[@]}"
