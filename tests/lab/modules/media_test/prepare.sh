#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# prepare.sh BUILD_DIR — run by ./lab modules before `make M=BUILD_DIR`.
# Debian's amd64 kernel builds neither vimc, vicodec, vim2m nor the v4l2-mem2mem core. This
# extracts ONLY those upstream sources from Debian's linux-source-X.Y package of the lab kernel (version matched to
# the running kernel's upstream version as closely as the mirror offers) into BUILD_DIR. Kernel
# source is cached outside the repository (lib.sh lab_kernel_source) and never committed.
set -euo pipefail
bd="${1:?usage: prepare.sh BUILD_DIR}"
# shellcheck disable=SC1091
. "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/../../lib.sh"
members=(
    drivers/media/v4l2-core/v4l2-mem2mem.c
    drivers/media/test-drivers/vim2m.c
    drivers/media/test-drivers/vicodec/vicodec-core.c
    drivers/media/test-drivers/vicodec/codec-fwht.c
    drivers/media/test-drivers/vicodec/codec-fwht.h
    drivers/media/test-drivers/vicodec/codec-v4l2-fwht.c
    drivers/media/test-drivers/vicodec/codec-v4l2-fwht.h
    drivers/media/test-drivers/vimc/vimc-core.c
    drivers/media/test-drivers/vimc/vimc-common.c
    drivers/media/test-drivers/vimc/vimc-common.h
    drivers/media/test-drivers/vimc/vimc-streamer.c
    drivers/media/test-drivers/vimc/vimc-streamer.h
    drivers/media/test-drivers/vimc/vimc-capture.c
    drivers/media/test-drivers/vimc/vimc-debayer.c
    drivers/media/test-drivers/vimc/vimc-scaler.c
    drivers/media/test-drivers/vimc/vimc-sensor.c
    drivers/media/test-drivers/vimc/vimc-lens.c
)
lab_kernel_source_into "$bd" "${members[@]}"
