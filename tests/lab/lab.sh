#!/usr/bin/env bash
# The lab: a throwaway qemu guest running a Debian stock kernel with real drivers; one cell
# of the arch × kernel matrix per boot (--arch x86_64|arm64, --kernel 6.12|6.1|newest).
# Entry point: ./lab (repo root) -> tests/lab/lab.sh. See tests/lab/README.md.
set -euo pipefail
. "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/lib.sh"
export PATH="$PATH:/usr/sbin:/sbin"

usage() {
    cat <<'EOF'
usage: ./lab COMMAND [OPTIONS]

  run [OPTIONS] -- CMD [ARGS]   boot the guest, run the fixtures, then CMD (as root, cwd = this
                                checkout at the same path); exits with CMD's exit code
  shell [OPTIONS]               interactive shell in the guest (needs a tty; Ctrl-A X kills qemu)
  doctor                        what is present/missing, and a measured warm boot time
  modules [--force] [NAME...]   build the project's kernel modules (tests/lab/modules/*)
  kernel                        fetch/cache the kernel; print KVER LAB_KERNEL_IMAGE LAB_MODULES_ROOT LAB_KDIR
  cells                         list the matrix's cells (ARCH/KERNEL)

every command above takes the cell options (before any other option):
      --arch ARCH       x86_64 (default) or arm64 (aliases amd64, aarch64); env LAB_ARCH
      --kernel K        6.12 (default: Debian's 6.12 LTS), 6.1 (bookworm's stock LTS) or
                        newest (Debian unstable's newest, resolved at run time); env LAB_KERNEL
  setup                         install the host packages (apt-get, idempotent)
  fixtures                      list the fixtures

run/shell options:
  -f, --fixture NAME    prepare fixture NAME (tests/lab/fixtures/NAME.sh); repeatable, in order
  -t, --timeout SEC     kill the guest after SEC seconds (default 600; env LAB_TIMEOUT)
  -m, --mem MB          guest memory (default 2048; env LAB_MEM)
      --smp N           guest CPUs (default 1; env LAB_SMP)
  -e, --env KEY=VALUE   export KEY=VALUE to the fixtures and CMD; repeatable
  -q, --quiet           do not print fixture output when the fixture succeeds
      --boot-timeout S  fail if the guest has not reached userspace after S seconds (default 240)

exit codes: CMD's own; 77 lab unavailable (no qemu/busybox, non-Debian host);
            124 timeout (boot or command); 125 lab failure (fixture failed, guest crashed)
EOF
}

LAB_EX_TIMEOUT=124
LAB_EX_FAILURE=125

# ---------------------------------------------------------------- prerequisites
need_tools() {
    local missing=()
    command -v qemu-system-x86_64 >/dev/null 2>&1 || missing+=(qemu-system-x86)
    # shellcheck disable=SC2046
    mapfile -t -O "${#missing[@]}" missing < <(lab_missing_packages $(lab_arch_packages "$LAB_ARCH"))
    if [ ! -x /bin/busybox ] || LC_ALL=C grep -qa '/lib64/ld-linux' /bin/busybox; then missing+=(busybox-static); fi
    command -v cpio >/dev/null 2>&1 || missing+=(cpio)
    command -v depmod >/dev/null 2>&1 || missing+=(kmod)
    command -v xz >/dev/null 2>&1 || missing+=(xz-utils)
    [ "${#missing[@]}" -eq 0 ] && return 0
    if [ -n "${CI:-}" ] || [ "${LAB_AUTO_SETUP:-0}" = 1 ]; then
        lab_msg "missing ${missing[*]}; installing (CI)"
        "$LAB_DIR/setup-host.sh" --arch "$LAB_ARCH" || lab_unavailable "could not install ${missing[*]}"
        return 0
    fi
    lab_unavailable "missing host packages: ${missing[*]}
lab: install them with: ./lab setup   (or: sudo apt-get install ${LAB_HOST_PACKAGES[*]})"
}

load_kernel() {
    local out
    out="$("$LAB_DIR/kernel.sh" --arch "$LAB_ARCH" --kernel "$LAB_KERNEL" env)" || exit $?
    eval "$out"
    export KVER LAB_KERNEL_IMAGE LAB_MODULES_ROOT LAB_KDIR LAB_ARCH LAB_KERNEL
}

# The cell options, parsed first by every command: sets LAB_ARCH, LAB_KERNEL, LAB_CELL and
# REST (the remaining arguments).
parse_cell() {
    LAB_ARCH="${LAB_ARCH:-x86_64}"
    LAB_KERNEL="${LAB_KERNEL:-6.12}"
    REST=()
    while [ $# -gt 0 ]; do
        case "$1" in
            --arch) LAB_ARCH="${2:?--arch needs a value}"; shift 2 ;;
            --arch=*) LAB_ARCH="${1#*=}"; shift ;;
            --kernel) LAB_KERNEL="${2:?--kernel needs a value}"; shift 2 ;;
            --kernel=*) LAB_KERNEL="${1#*=}"; shift ;;
            --) REST+=("$@"); break ;;
            *) REST+=("$1"); shift ;;
        esac
    done
    LAB_ARCH="$(lab_norm_arch "$LAB_ARCH")"
    LAB_KERNEL="$(lab_norm_kernel "$LAB_KERNEL")"
    LAB_CELL="$LAB_ARCH/$LAB_KERNEL"
    export LAB_ARCH LAB_KERNEL LAB_CELL
}

accel_args() {
    if { [ -d /sys/module/kvm_intel ] || [ -d /sys/module/kvm_amd ]; } && [ -w /dev/kvm ] && [ "${LAB_ACCEL:-}" != tcg ]; then
        ACCEL_NAME=kvm
        ACCEL=(-accel kvm -cpu host)
    else
        ACCEL_NAME=tcg
        ACCEL=(-accel tcg,thread=single -cpu max)
    fi
    arch_accel
}

# ---------------------------------------------------------------- project modules
# Extra make arguments for building modules against $LAB_KDIR: when the compiler that built the
# kernel is not on this host (Debian unstable's kernels: gcc-16 on a bookworm host), the host's
# gcc through tests/lab/kcc.sh, which translates the few flags it does not know; module BTF is
# then skipped (it needs the kernel's pahole generation too).
kbuild_args() {
    KBUILD_ARGS=()
    local cc
    cc="$(sed -n 's/^CONFIG_CC_VERSION_TEXT="\{0,1\}\([^ "]*\).*/\1/p' "$LAB_KDIR/include/config/auto.conf" 2>/dev/null | head -1)"
    if [ -n "$cc" ] && ! command -v "$cc" >/dev/null 2>&1; then
        KBUILD_ARGS=(CC="$LAB_DIR/kcc.sh" DEBIAN_KERNEL_NO_CC_VERSION_CHECK=1 CONFIG_DEBUG_INFO_BTF_MODULES=)
    fi
}

# Builds tests/lab/modules/NAME into $CACHE/modules/$KVER/NAME unless its hash is unchanged.
build_modules() {
    local force=0 only=() d name h bd log
    while [ $# -gt 0 ]; do
        case "$1" in --force) force=1 ;; *) only+=("$1") ;; esac
        shift
    done
    local base="$LAB_CACHE/modules/$KVER"
    kbuild_args
    mkdir -p "$base"
    lab_lock "$base/.lock"
    for d in "$LAB_DIR"/modules/*/; do
        [ -d "$d" ] || continue
        d="${d%/}"
        name="$(basename "$d")"
        if [ "${#only[@]}" -gt 0 ] && [[ " ${only[*]} " != *" $name "* ]]; then continue; fi
        [ -f "$d/Kbuild" ] || [ -f "$d/Makefile" ] || continue
        h="$(lab_hash_dir "$d")"
        bd="$base/$name"
        if [ "$force" = 0 ] && [ -f "$bd/.lab-hash" ] && [ "$(cat "$bd/.lab-hash")" = "$h" ]; then
            continue
        fi
        lab_msg "building module $name"
        rm -rf "$bd"
        mkdir -p "$bd"
        cp -a "$d/." "$bd/"
        log="$bd/.lab-build.log"
        if [ -x "$d/prepare.sh" ]; then
            if ! (cd "$bd" && LAB_KDIR="$LAB_KDIR" KVER="$KVER" LINUXDEVICES_CACHE="$LINUXDEVICES_CACHE" \
                LAB_ARCH="$LAB_ARCH" LAB_KERNEL="$LAB_KERNEL" LAB_MAKE_ARCH="${LAB_MAKE_ARCH[*]}" \
                "$d/prepare.sh" "$bd") >"$log" 2>&1; then
                tail -n 40 "$log" >&2
                lab_unlock
                lab_die "module $name: prepare.sh failed (log: $log)"
            fi
        fi
        if ! make -C "$LAB_KDIR" M="$bd" "${LAB_MAKE_ARCH[@]}" -j"$(nproc)" ${KBUILD_ARGS[@]+"${KBUILD_ARGS[@]}"} modules >>"$log" 2>&1; then
            tail -n 40 "$log" >&2
            lab_unlock
            lab_die "module $name: build failed (log: $log)"
        fi
        ls "$bd"/*.ko >/dev/null 2>&1 || { lab_unlock; lab_die "module $name: no .ko produced (log: $log)"; }
        echo "$h" >"$bd/.lab-hash"
    done
    lab_unlock
}

# ---------------------------------------------------------------- initramfs
# virtio_pci is built in from 6.12 on, a module in 6.1 (where 9p otherwise finds "no channels").
# virtio_iommu: loaded before the 9p mounts, since with a virtio-iommu-pci in the guest (fixture vfio)
# ACPI VIOT defers every PCI device's probe, 9p's included, until the IOMMU driver is there.
INITRAMFS_MODULES=(virtio_pci virtio_iommu netfs 9pnet 9pnet_virtio 9p overlay)

# Sets INITRAMFS to a cached cpio keyed by the content of everything in it.
build_initramfs() {
    local mods=() m line f key dir stage
    declare -A seen=()
    for m in "${INITRAMFS_MODULES[@]}"; do
        while read -r verb f _; do
            [ "$verb" = insmod ] && [ -n "$f" ] || continue   # "builtin NAME" needs nothing
            [ -n "${seen[$f]:-}" ] && continue
            seen[$f]=1
            mods+=("$f")
        done < <(modprobe -d "${LAB_MODULES_ROOT%/lib/modules/*}" -S "$KVER" --show-depends "$m" 2>/dev/null)
    done
    key="$( { echo "$KVER"; printf '%s\n' "${mods[@]##*/}"; sha256sum "$LAB_DIR/initramfs/init" "$LAB_BUSYBOX" "${mods[@]}" | cut -c1-64; } |
        sha256sum | cut -c1-16)"
    dir="$LAB_CACHE/initramfs"
    INITRAMFS="$dir/$key.cpio"
    if [ -f "$INITRAMFS" ]; then
        touch "$INITRAMFS"
        return 0
    fi
    mkdir -p "$dir"
    find "$dir" -maxdepth 1 -name '*.cpio' -mtime +7 -delete 2>/dev/null || true
    stage="$(mktemp -d "$dir/.stage.XXXXXX")"
    mkdir -p "$stage"/{bin,dev,proc,sys,modules,tmp}
    cp "$LAB_BUSYBOX" "$stage/bin/busybox"
    install -m 0755 "$LAB_DIR/initramfs/init" "$stage/init"
    for f in "${mods[@]}"; do
        m="$(basename "$f")"
        m="${m%.xz}"
        case "$f" in
            *.xz) xz -dc "$f" >"$stage/modules/$m" ;;
            *.zst) zstd -qdc "$f" >"$stage/modules/$m" ;;
            *.gz) gzip -dc "$f" >"$stage/modules/$m" ;;
            *) cp "$f" "$stage/modules/$m" ;;
        esac
        echo "$m" >>"$stage/modules.list"
    done
    (cd "$stage" && find . -mindepth 1 | LC_ALL=C sort | cpio -o -H newc -R 0:0 --quiet) >"$stage.cpio"
    mv "$stage.cpio" "$INITRAMFS"
    rm -rf "$stage"
}

# ---------------------------------------------------------------- per-architecture guest
. "$LAB_DIR/arch.sh"

# ---------------------------------------------------------------- run / shell
q() { printf '%s=%s\n' "$1" "${2@Q}"; }

cmd_boot() {
    local mode="$1"
    shift
    local fixtures=() timeout="${LAB_TIMEOUT:-600}" mem="${LAB_MEM:-2048}" smp="${LAB_SMP:-1}"
    local boot_timeout="${LAB_BOOT_TIMEOUT:-240}" quiet="${LAB_QUIET:-0}" envs=()
    while [ $# -gt 0 ]; do
        case "$1" in
            -f | --fixture) fixtures+=("${2:?--fixture needs a name}"); shift 2 ;;
            --fixture=*) fixtures+=("${1#*=}"); shift ;;
            -t | --timeout) timeout="${2:?}"; shift 2 ;;
            --timeout=*) timeout="${1#*=}"; shift ;;
            -m | --mem) mem="${2:?}"; shift 2 ;;
            --mem=*) mem="${1#*=}"; shift ;;
            --smp) smp="${2:?}"; shift 2 ;;
            --smp=*) smp="${1#*=}"; shift ;;
            --boot-timeout) boot_timeout="${2:?}"; shift 2 ;;
            --boot-timeout=*) boot_timeout="${1#*=}"; shift ;;
            -e | --env) envs+=("${2:?}"); shift 2 ;;
            --env=*) envs+=("${1#*=}"); shift ;;
            -q | --quiet) quiet=1; shift ;;
            -h | --help) usage; exit 0 ;;
            --) shift; break ;;
            -*) lab_die "unknown option: $1 (see ./lab --help)" ;;
            *) break ;;
        esac
    done
    [[ "$timeout" =~ ^[0-9]+$ ]] || lab_die "--timeout needs seconds"
    [[ "$mem" =~ ^[0-9]+$ ]] || lab_die "--mem needs MB"
    if [ "$mode" = run ]; then
        [ $# -gt 0 ] || lab_die "nothing to run: ./lab run [--fixture NAME]... -- COMMAND [ARGS]"
    else
        [ -t 0 ] && [ -t 1 ] || lab_die "./lab shell needs a terminal (use ./lab run -- COMMAND in scripts)"
    fi
    local f
    for f in "${fixtures[@]}"; do
        [ -f "$LAB_DIR/fixtures/$f.sh" ] ||
            lab_die "no fixture '$f' (tests/lab/fixtures/$f.sh); available: $(list_fixtures | tr '\n' ' ')"
    done
    for f in "${envs[@]}"; do
        [[ "$f" =~ ^[A-Za-z_][A-Za-z0-9_]*= ]] || lab_die "--env needs KEY=VALUE, got: $f"
    done

    need_tools
    load_kernel
    arch_setup
    build_modules
    build_initramfs
    accel_args

    local out="$LAB_REPO/artifacts/lab"
    mkdir -p "$out"
    local run v
    # Run dirs are kept only after a failure (console log); drop those older than a day.
    find "${TMPDIR:-/tmp}" -maxdepth 1 -name 'lab-run.*' -type d -mtime +0 -exec rm -rf {} + 2>/dev/null || true
    run="$(mktemp -d "${TMPDIR:-/tmp}/lab-run.XXXXXX")"
    mkdir -p "$run/ctl"
    local ctl="$run/ctl"

    # Read-only root: loose caching (the host does not change files under a running test).
    {
        q KVER "$KVER"
        q LAB_REPO "$LAB_REPO"
        q LAB_OUT "$out"
        q LAB_MODULES_ROOT "$LAB_MODULES_ROOT"
        q LINUXDEVICES_CACHE "$LINUXDEVICES_CACHE"
        q LAB_CACHE_9P "${LAB_CACHE_9P:-loose}"
        q LAB_HOST_BINDS "$LAB_HOST_BINDS"
    } >"$ctl/stage1.env"
    local dotnet_root="${DOTNET_ROOT:-}"
    if [ -z "$dotnet_root" ] && command -v dotnet >/dev/null 2>&1; then
        dotnet_root="$(dirname "$(readlink -f "$(command -v dotnet)")")"
    fi
    {
        q KVER "$KVER"
        q LAB_REPO "$LAB_REPO"
        q LAB_OUT "$out"
        q LINUXDEVICES_CACHE "$LINUXDEVICES_CACHE"
        q LAB_PROJECT_MODULES "$LAB_CACHE/modules/$KVER"
        q LAB_FIXTURES "${fixtures[*]}"
        q LAB_MODE "$mode"
        q LAB_HOST_PATH "$([ "$LAB_ARCH" = x86_64 ] && echo "$PATH")"
        q LAB_DOTNET_ROOT "$([ "$LAB_ARCH" = x86_64 ] && echo "$dotnet_root")"
        q LAB_QUIET "$quiet"
        q LAB_ACCEL "$ACCEL_NAME"
        q LAB_ARCH "$LAB_ARCH"
        q LAB_KERNEL "$LAB_KERNEL"
        q LAB_CELL "$LAB_CELL"
        # The guest stops the fixture/command itself a few seconds before the host kills it.
        [ "$mode" = run ] && q LAB_DEADLINE "$(($(date +%s) + timeout - (timeout >= 60 ? 10 : timeout / 5)))"
        if [ "$mode" = shell ]; then
            q LAB_TERM "${TERM:-vt100}"
            q LAB_ROWS "$(stty size 2>/dev/null | cut -d' ' -f1)"
            q LAB_COLS "$(stty size 2>/dev/null | cut -d' ' -f2)"
        fi
        for f in "${envs[@]}"; do
            v="${f#*=}"
            printf 'export %s=%s\n' "${f%%=*}" "${v@Q}"
        done
    } >"$ctl/env"
    [ "$mode" = run ] && printf '%s\0' "$@" >"$ctl/argv"
    # /run/lab/bin/linuxdev in the guest: the console tool built from this checkout.
    # (A non-host architecture runs the self-contained publish for its runtime, $LAB_RID.)
    mkdir -p "$ctl/bin"
    local ldbin="artifacts/bin/Linuxdev/\$c/linuxdev"
    [ -n "$LAB_RID" ] && ldbin="artifacts/publish/Linuxdev/\${c}_$LAB_RID/linuxdev"
    cat >"$ctl/bin/linuxdev" <<EOF
#!/bin/sh
for c in release debug; do
    b=${LAB_REPO@Q}/$ldbin
    [ -x "\$b" ] && exec "\$b" "\$@"
done
echo "lab: linuxdev is not built: no ${LAB_REPO@Q}/${ldbin//\$c/\{release,debug\}} (build it on the host: ${LAB_RID:+dotnet publish samples/Linuxdev -c Release -r $LAB_RID --self-contained}${LAB_RID:-dotnet build})" >&2
exit 127
EOF
    chmod 755 "$ctl/bin/linuxdev"

    local console="$run/console.log"
    local chardev serial
    if [ "$mode" = shell ]; then
        chardev="stdio,id=con,mux=on,signal=off"
        serial=(-serial chardev:con -mon chardev=con,mode=readline)
    else
        chardev="stdio,id=con,signal=off"
        serial=(-serial chardev:con)
    fi
    local devs=() line words
    if [ -f "$LAB_DIR/qemu-devices.conf" ]; then
        while IFS= read -r line || [ -n "$line" ]; do
            line="${line%%#*}"
            read -ra words <<<"$line"
            [ "${#words[@]}" -gt 0 ] && devs+=("${words[@]}")
        done <"$LAB_DIR/qemu-devices.conf"
    fi
    # Fixture-selected devices (tests/lab/fixtures/NAME.qemu, same format), appended after the
    # common ones so those keep their PCI slots.
    local fx
    for fx in ${fixtures[@]+"${fixtures[@]}"}; do
        [ -f "$LAB_DIR/fixtures/$fx.qemu" ] || continue
        while IFS= read -r line || [ -n "$line" ]; do
            line="${line%%#*}"
            read -ra words <<<"$line"
            [ "${#words[@]}" -gt 0 ] && devs+=("${words[@]}")
        done <"$LAB_DIR/fixtures/$fx.qemu"
    done
    # ttyS0: the command's (or shell's) terminal, streamed; ttyS1: kernel console -> log file.
    local cmdline="console=ttyS1 quiet loglevel=${LAB_LOGLEVEL:-4} panic=-1 rdinit=/init 8250.nr_uarts=2 tsc=reliable no_timer_check${LAB_APPEND:+ $LAB_APPEND}"
    [ "$quiet" = 1 ] || lab_msg "cell $LAB_CELL: kernel $KVER ($ACCEL_NAME)"
    local qemu
    arch_qemu
    qemu+=(-virtfs "local,path=${ctl//,/,,},mount_tag=labctl,security_model=none,multidevs=remap"
        -virtfs "local,path=${out//,/,,},mount_tag=labout,security_model=none,multidevs=remap"
        "${devs[@]}")
    [ -n "${LAB_DEBUG:-}" ] && lab_msg "qemu: ${qemu[*]}"

    local qpid wpid qrc=0
    cleanup_run() {
        [ -n "${wpid:-}" ] && kill "$wpid" 2>/dev/null
        [ -n "${qpid:-}" ] && kill "$qpid" 2>/dev/null
        [ "$mode" = shell ] && [ -t 0 ] && stty sane 2>/dev/null
        return 0
    }
    trap 'cleanup_run; rm -rf "$run"; exit 130' INT TERM
    if [ "$mode" = shell ]; then
        "${qemu[@]}" &
    else
        "${qemu[@]}" </dev/null &
    fi
    qpid=$!
    (
        trap - INT TERM
        start=$SECONDS
        while kill -0 "$qpid" 2>/dev/null; do
            el=$((SECONDS - start))
            why=
            if [ ! -e "$ctl/booted" ] && { [ "$el" -ge "$boot_timeout" ] || { [ "$mode" = run ] && [ "$el" -ge "$timeout" ]; }; }; then
                why="boot timeout: the guest did not reach userspace within $el s"
            elif [ "$mode" = run ] && [ "$el" -ge "$timeout" ]; then
                why="timeout: killed the guest after $timeout s (it did not stop the command itself)"
            fi
            if [ -n "$why" ]; then
                echo "$why" >"$run/killed"
                kill "$qpid" 2>/dev/null
                sleep 3
                kill -9 "$qpid" 2>/dev/null
                exit 0
            fi
            sleep 1
        done
    ) &
    wpid=$!
    wait "$qpid" || qrc=$?
    kill "$wpid" 2>/dev/null || true
    wait "$wpid" 2>/dev/null || true
    trap - INT TERM
    [ "$mode" = shell ] && stty sane 2>/dev/null

    local rc
    [ -n "${LAB_CONSOLE_LOG:-}" ] && cp "$console" "$LAB_CONSOLE_LOG" 2>/dev/null
    if [ -f "$run/killed" ]; then
        lab_msg "$(cat "$run/killed")"
        show_console "$console"
        lab_msg "full console log: $console"
        exit "$LAB_EX_TIMEOUT"
    elif [ -f "$ctl/timeout" ]; then
        show_console "$console"
        lab_msg "timeout: $(cat "$ctl/timeout") did not finish within $timeout s (stopped in the guest; processes and dmesg above)"
        rm -rf "$run"
        exit "$LAB_EX_TIMEOUT"
    elif [ -f "$ctl/fixture-failed" ]; then
        lab_msg "fixture '$(cat "$ctl/fixture-failed")' failed (its output and dmesg are above)"
        rm -rf "$run"
        exit "$LAB_EX_FAILURE"
    elif [ -f "$ctl/rc" ]; then
        rc="$(cat "$ctl/rc")"
        rm -rf "$run"
        [[ "$rc" =~ ^[0-9]+$ ]] || rc=$LAB_EX_FAILURE
        exit "$rc"
    else
        if [ ! -e "$ctl/booted" ]; then
            lab_msg "the guest stopped before reaching userspace (qemu exit $qrc)"
        else
            lab_msg "the guest stopped without reporting an exit code (kernel panic? qemu exit $qrc)"
        fi
        show_console "$console"
        lab_msg "full console log: $console"
        exit "$LAB_EX_FAILURE"
    fi
}

show_console() {
    {
        echo "lab: ---- guest console (last 60 lines) ----"
        tail -n 60 "$1" 2>/dev/null | tr -d '\r'
        echo "lab: ----------------------------------------"
    } >&2
}

list_fixtures() {
    local f
    for f in "$LAB_DIR"/fixtures/*.sh; do
        [ -f "$f" ] && basename "$f" .sh
    done
}

# ---------------------------------------------------------------- doctor
cmd_doctor() {
    local ok=1 p
    echo "lab doctor ($LAB_REPO)"
    echo "cache: $LAB_CACHE"
    local pkgs=("${LAB_HOST_PACKAGES[@]}")
    read -ra p <<<"$(lab_arch_packages "$LAB_ARCH")"
    pkgs+=("${p[@]}")
    mapfile -t missing < <(lab_missing_packages "${pkgs[@]}")
    for p in "${pkgs[@]}"; do
        if [[ " ${missing[*]} " == *" $p "* ]]; then echo "  package  $p: MISSING"; ok=0; else echo "  package  $p: ok"; fi
    done
    [ "${#missing[@]}" -eq 0 ] || echo "  -> ./lab setup (or: apt-get install ${missing[*]})"
    if command -v qemu-system-x86_64 >/dev/null; then
        echo "  qemu: $(qemu-system-x86_64 --version | head -1)"
    fi
    accel_args
    if [ "$ACCEL_NAME" = kvm ]; then
        echo "  accelerator: kvm (${ACCEL[*]})"
    else
        local why="no kvm_intel/kvm_amd module"
        [ -e /dev/kvm ] && why="/dev/kvm exists but no kvm_intel/kvm_amd (e.g. nested PVM): stock kernels do not boot on it"
        [ "${LAB_ACCEL:-}" = tcg ] && why="LAB_ACCEL=tcg"
        echo "  accelerator: tcg single-threaded ($why)"
    fi
    local kenv
    echo "cell: $LAB_CELL"
    if kenv="$("$LAB_DIR/kernel.sh" --arch "$LAB_ARCH" --kernel "$LAB_KERNEL" check 2>/dev/null)"; then
        eval "$kenv"
        echo "  kernel cache: $KVER ($(du -sh "${LAB_KERNEL_IMAGE%/root/boot/*}" 2>/dev/null | cut -f1))"
        echo "    LAB_KDIR=$LAB_KDIR"
        local d name h bd st
        for d in "$LAB_DIR"/modules/*/; do
            [ -d "$d" ] || continue
            d="${d%/}"
            name="$(basename "$d")"
            h="$(lab_hash_dir "$d")"
            bd="$LAB_CACHE/modules/$KVER/$name"
            if [ -f "$bd/.lab-hash" ] && [ "$(cat "$bd/.lab-hash")" = "$h" ]; then
                st="built ($(cd "$bd" && ls ./*.ko 2>/dev/null | sed 's|^\./||' | tr '\n' ' '))"
            elif [ -d "$bd" ]; then
                st="stale (rebuilt by the next ./lab run or ./lab modules)"
            else
                st="not built (built by the next ./lab run or ./lab modules)"
            fi
            echo "  module $name: $st"
        done
    else
        echo "  kernel cache: MISSING (fetched by the next ./lab run, or: ./lab kernel)"
    fi
    echo "  fixtures: $(list_fixtures | tr '\n' ' ')"
    arch_doctor
    if command -v dotnet >/dev/null; then echo "  dotnet: $(command -v dotnet)"; else echo "  dotnet: not found (linuxdev and lab tests need it)"; fi
    if [ -x "$LAB_REPO/artifacts/bin/Linuxdev/release/linuxdev" ]; then echo "  linuxdev: release build"
    elif [ -x "$LAB_REPO/artifacts/bin/Linuxdev/debug/linuxdev" ]; then echo "  linuxdev: debug build"
    else echo "  linuxdev: not built (artifacts/bin/Linuxdev/{release,debug}/linuxdev)"; fi
    if [ "$ok" = 0 ] && ! command -v qemu-system-x86_64 >/dev/null; then
        echo "doctor: cannot boot (qemu missing)"
        return "$LAB_EX_UNAVAILABLE"
    fi
    echo "  measuring warm boots (3x ./lab run -- true, after one warm-up run)..."
    local res
    if res="$("$LAB_DIR/bench-boot.sh" 3 --arch "$LAB_ARCH" --kernel "$LAB_KERNEL" 2>&1)"; then
        echo "  warm boot: ${res##*$'\n'}"
    else
        echo "$res" | sed 's/^/    /'
        echo "  warm boot: FAILED"
        return 1
    fi
}

# ---------------------------------------------------------------- main
sub="${1:-}"
[ $# -gt 0 ] && shift
parse_cell "$@"
set -- ${REST[@]+"${REST[@]}"}
case "$sub" in
    run) cmd_boot run "$@" ;;
    shell) cmd_boot shell "$@" ;;
    doctor) cmd_doctor ;;
    cells) for a in "${LAB_ARCHES[@]}"; do for k in "${LAB_KERNELS[@]}"; do echo "$a/$k"; done; done ;;
    modules)
        need_tools
        load_kernel
        build_modules "$@"
        for d in "$LAB_CACHE/modules/$KVER"/*/; do [ -d "$d" ] && lab_msg "module $(basename "$d"): $(cd "$d" && ls ./*.ko 2>/dev/null | sed 's|^\./||' | tr '\n' ' ')"; done
        lab_msg "modules are in $LAB_CACHE/modules/$KVER (LAB_PROJECT_MODULES in the guest)"
        ;;
    kernel) "$LAB_DIR/kernel.sh" --arch "$LAB_ARCH" --kernel "$LAB_KERNEL" env ;;
    setup) "$LAB_DIR/setup-host.sh" --arch "$LAB_ARCH" ;;
    fixtures) list_fixtures ;;
    -h | --help | help) usage ;;
    "") usage >&2; exit 2 ;;
    *) lab_msg "unknown command: $sub"; usage >&2; exit 2 ;;
esac
