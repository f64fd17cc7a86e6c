# shellcheck shell=bash
# The architecture axis of the lab matrix: everything that differs per --arch, sourced by lab.sh.
#   arch_setup    after load_kernel: LAB_BUSYBOX, LAB_MAKE_ARCH, LAB_HOST_BINDS, LAB_RID, LAB_ROOTFS
#   arch_accel    after accel_args: the CPU model for TCG
#   arch_qemu     in cmd_boot: sets `qemu` (machine, kernel, consoles, the root share), may change `cmdline`
# x86_64 guests share the host's root; arm64 guests boot an arm64 user space built from Debian
# packages (tests/lab/rootfs.sh), with the checkout and the cache bound in at their host paths.

arch_setup() {
    case "$LAB_ARCH" in
        x86_64)
            LAB_BUSYBOX=/bin/busybox
            LAB_MAKE_ARCH=()
            LAB_HOST_BINDS=
            LAB_RID=
            ;;
        arm64)
            LAB_ROOTFS="$("$LAB_DIR/rootfs.sh" --arch arm64 path)" || exit $?
            LAB_BUSYBOX="$LAB_ROOTFS/bin/busybox"
            # Debian's arm64 headers with the host's (amd64) linux-kbuild: fixdep/modpost run here.
            LAB_MAKE_ARCH=(ARCH=arm64 CROSS_COMPILE=aarch64-linux-gnu-)
            # Paths of the host bound into the guest at the same absolute path (space-separated).
            LAB_HOST_BINDS="$LAB_REPO $LINUXDEVICES_CACHE"
            LAB_RID=linux-arm64
            ;;
    esac
    export LAB_RID
}

# TCG CPU model. arm64: cortex-a57 (ARMv8.0, no pointer authentication or SVE to emulate), chosen
# for that reason; not yet measured against -cpu max (LAB_ARM64_CPU=max to compare).
arch_accel() {
    case "$LAB_ARCH" in
        arm64) ACCEL_NAME=tcg; ACCEL=(-accel tcg,thread=single -cpu "${LAB_ARM64_CPU:-cortex-a57}") ;;
    esac
}

# Device tree of the arm64 guest: QEMU virt's own tree (dumped once per machine configuration)
# with every tests/lab/dt/*.dtsi appended (dtc merges repeated `/ { ... };` blocks). Cached by
# content in $LAB_CACHE/dtb/. Sets DTB (empty when there are no fragments).
arch_dtb() {
    local frags=("$LAB_DIR"/dt/*.dtsi) key dir base
    DTB=
    [ -e "${frags[0]}" ] || return 0
    key="$( { qemu-system-aarch64 --version | head -1; printf '%s\n' "$@"; cat "${frags[@]}"; } | sha256sum | cut -c1-16)"
    dir="$LAB_CACHE/dtb"
    DTB="$dir/$key.dtb"
    [ -f "$DTB" ] && return 0
    mkdir -p "$dir"
    base="$(mktemp -d "$dir/.build.XXXXXX")"
    local machine=() a
    # The same machine with dumpdtb= appended to its -M value.
    while [ $# -gt 0 ]; do
        a="$1"; shift
        if [ "$a" = -M ]; then machine+=(-M "$1,dumpdtb=$base/virt.dtb"); shift; else machine+=("$a"); fi
    done
    qemu-system-aarch64 "${machine[@]}" -nodefaults -display none >"$base/log" 2>&1 ||
        { cat "$base/log" >&2; lab_die "qemu could not dump the virt device tree"; }
    dtc -q -I dtb -O dts -o "$base/virt.dts" "$base/virt.dtb"
    cat "${frags[@]}" >>"$base/virt.dts"
    dtc -q -I dts -O dtb -o "$base/lab.dtb" "$base/virt.dts" 2>"$base/log" ||
        { cat "$base/log" >&2; lab_die "dtc rejected virt.dts + tests/lab/dt/*.dtsi (kept: $base)"; }
    mv "$base/lab.dtb" "$DTB"
    rm -rf "$base"
}

arch_qemu() {
    case "$LAB_ARCH" in
        x86_64)
            qemu=(qemu-system-x86_64 -M pc "${ACCEL[@]}" -smp "$smp" -m "$mem"
                -nodefaults -no-user-config -display none -vga none -no-reboot
                -kernel "$LAB_KERNEL_IMAGE" -initrd "$INITRAMFS" -append "$cmdline"
                -chardev "$chardev" "${serial[@]}" -serial "file:$console"
                -virtfs "local,path=/,mount_tag=hostroot,security_model=none,readonly=on,multidevs=remap")
            ;;
        arm64)
            # virt: PCIe (edu, e1000e, 9p), GICv3 with an ITS (MSI-X), PL011 = ttyAMA0 the kernel
            # console (log file), a PCI 16550 = ttyS0 the command's terminal (as on x86).
            cmdline="console=ttyAMA0 quiet loglevel=${LAB_LOGLEVEL:-4} panic=-1 rdinit=/init${LAB_APPEND:+ $LAB_APPEND}"
            local m=(-M virt,gic-version=3 "${ACCEL[@]}" -smp "$smp" -m "$mem")
            arch_dtb "${m[@]}"
            local mon=()
            [ "$mode" = shell ] && mon=(-mon chardev=con,mode=readline)
            qemu=(qemu-system-aarch64 "${m[@]}" ${DTB:+-dtb "$DTB"}
                -nodefaults -no-user-config -display none -no-reboot
                -kernel "$LAB_KERNEL_IMAGE" -initrd "$INITRAMFS" -append "$cmdline"
                -serial "file:$console" -chardev "$chardev" -device pci-serial,chardev=con "${mon[@]}"
                -virtfs "local,path=${LAB_ROOTFS//,/,,},mount_tag=hostroot,security_model=none,readonly=on,multidevs=remap"
                -virtfs "local,path=/,mount_tag=hostfs,security_model=none,readonly=on,multidevs=remap")
            ;;
    esac
}

# ./lab doctor: what a non-host architecture's cell needs beyond the x86 one.
arch_doctor() {
    case "$LAB_ARCH" in
        arm64)
            command -v qemu-system-aarch64 >/dev/null && echo "  qemu: $(qemu-system-aarch64 --version | head -1) (cpu ${LAB_ARM64_CPU:-cortex-a57})"
            local r
            for r in "$LAB_CACHE"/rootfs/arm64-bookworm/*/; do
                [ -f "$r/.lab-complete" ] && echo "  arm64 user space: ${r%/} ($(du -sh "$r" | cut -f1), built $(cat "$r/.lab-complete"))"
            done
            [ -f "${r:-/nonexistent}/.lab-complete" ] || echo "  arm64 user space: not built (built by the next ./lab run --arch arm64, ~30 s)"
            local dts=("$LAB_DIR"/dt/*.dtsi)
            [ -e "${dts[0]}" ] && echo "  device-tree fragments: ${dts[*]##*/}"
            if [ -x "$LAB_REPO/artifacts/publish/Linuxdev/release_linux-arm64/linuxdev" ]; then echo "  linuxdev (arm64): release publish"
            else echo "  linuxdev (arm64): not published (dotnet publish samples/Linuxdev -c Release -r linux-arm64 --self-contained)"; fi
            ;;
    esac
}
