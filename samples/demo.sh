#!/usr/bin/env bash
# The README's main job, run inside the lab guest by `./build.sh demo`: the linuxdev tool against
# every subsystem's real driver, no hardware needed.
set -u
run() {
    printf '\n\033[1m$ linuxdev %s\033[0m\n' "$*"
    linuxdev "$@" || echo "(exit code $?)"
}
run info

# nvmem: the stock providers (cmos_nvram0, the at24 EEPROM) and the lab provider's cells.
run nvmem list --probe
run nvmem cells nvmem_lab_rw
run nvmem dump cmos_nvram0 --length 64

# rpmsg: the lab's remote processor echoes every byte XOR 0x20.
run rpmsg list
run rpmsg echo --dst 0x800 --count 200 --size 64

# V4L2 on vivid: the queue with holes from VIDIOC_REMOVE_BUFS, then a capture.
run v4l2 list
run v4l2 buffers /dev/video0 --create 4 --remove 1:2 --refill 1
run v4l2 capture /dev/video0 --frames 60 --size 320x180 --fps 30

# UIO: QEMU's edu (INTx over uio_pci_generic) and e1000e (MSI-X through the uio_msi ABI).
run uio list

# MHI: the lab's MHI controller, and the running kernel's mhi_host trace formats.
run mhi devices
run trace format mhi_host:mhi_intvec_states

# Live: trace the MHI host stack while the lab controller power-cycles and loops data back.
( sleep 2; echo 1 > /sys/kernel/mhi_lab/cycle; sleep 1; echo hello > /sys/kernel/mhi_lab/send ) &
run mhi trace --duration 5s
wait
