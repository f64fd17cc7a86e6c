#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Sourced by the vimc/vicodec/vim2m fixtures (inside the guest).
# media_load MODULE: loads $LAB_PROJECT_MODULES/media_test/MODULE.ko after its dependencies: the
# stock ones (videodev, mc, videobuf2-*, v4l2-tpg) with modprobe, the out-of-tree v4l2-mem2mem with
# insmod. Idempotent (fixtures coexist in one boot).
# media_video_node NAME: prints /dev/videoN of the node whose sysfs name is NAME (never by number).
# media_node_for DRIVER: prints /dev/mediaN whose parent device is bound to DRIVER.
media_load() {
    local dir="$LAB_PROJECT_MODULES/media_test" m="$1" dep
    [ -f "$dir/$m.ko" ] || { echo "not built: $dir/$m.ko (./lab modules)" >&2; return 1; }
    [ -d "/sys/module/${m//-/_}" ] && return 0
    for dep in $(modinfo -F depends "$dir/$m.ko" | tr ',' ' '); do
        if [ -f "$dir/$dep.ko" ]; then media_load "$dep"; else modprobe "$dep"; fi
    done
    insmod "$dir/$m.ko"
}
media_video_node() {
    local s i name
    for ((i = 0; i < 100; i++)); do
        for s in /sys/class/video4linux/video*; do
            [ -r "$s/name" ] || continue
            read -r name <"$s/name"
            if [ "$name" = "$1" ] && [ -e "/dev/${s##*/}" ]; then echo "/dev/${s##*/}"; return 0; fi
        done
        sleep 0.05
    done
    echo "no video node named '$1'" >&2
    return 1
}
media_node_for() {
    local s i drv parent
    for ((i = 0; i < 100; i++)); do
        for s in /sys/bus/media/devices/media*; do
            parent="$(readlink -f "$s")/.."     # the media devnode sits under its parent device
            [ -e "$parent/driver" ] || continue
            drv="$(basename "$(readlink -f "$parent/driver")")"
            if [ "$drv" = "$1" ] && [ -e "/dev/${s##*/}" ]; then echo "/dev/${s##*/}"; return 0; fi
        done
        sleep 0.05
    done
    echo "no media device of driver '$1'" >&2
    return 1
}
