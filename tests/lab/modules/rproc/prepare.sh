#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# prepare.sh BUILD_DIR — run by ./lab modules before `make M=BUILD_DIR`.
# Debian's amd64 kernel has neither remoteproc nor virtio-rpmsg. This extracts ONLY the upstream
# remoteproc core (remoteproc.ko) and the virtio rpmsg transport (virtio_rpmsg_bus.ko) from Debian's
# linux-source-6.12 package (version matched to the running kernel's upstream version as closely as
# the mirror offers) into BUILD_DIR. Kernel source
# is cached outside the repository (lib.sh lab_kernel_source) and never committed.
set -euo pipefail
bd="${1:?usage: prepare.sh BUILD_DIR}"
# shellcheck disable=SC1091
. "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/../../lib.sh"
members=(
    drivers/remoteproc/remoteproc_core.c
    drivers/remoteproc/remoteproc_coredump.c
    drivers/remoteproc/remoteproc_debugfs.c
    drivers/remoteproc/remoteproc_sysfs.c
    drivers/remoteproc/remoteproc_virtio.c
    drivers/remoteproc/remoteproc_elf_loader.c
    drivers/remoteproc/remoteproc_internal.h
    drivers/remoteproc/remoteproc_elf_helpers.h
    drivers/rpmsg/virtio_rpmsg_bus.c
    drivers/rpmsg/rpmsg_internal.h
)
lab_kernel_source_into "$bd" "${members[@]}"
