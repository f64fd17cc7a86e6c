#!/bin/bash
# Stage 2 of the lab guest: PID 1, run by the host's bash from the 9p root after switch_root.
# (Stage 1, tests/lab/initramfs/init, has mounted everything.) Sets up the environment, runs
# the fixtures, then the command, writes its exit code to the run's control share
# (/run/lab/ctl/rc) and powers off with sysrq. Never run this on a host.
set -u
CTL=/run/lab/ctl
[ "$$" = 1 ] && [ -d "$CTL" ] || { echo "lab: guest.sh only runs as the lab guest's init" >&2; exit 1; }

# The command's terminal is ttyS0 (streamed to the host's stdout); the kernel console and this
# script's own diagnostics go to /dev/console = ttyS1 (a log file on the host).
OUT=/dev/ttyS0
# Stage 1 left ttyS0 open on fd 7, raw and without CR insertion; keeping it open keeps those
# settings for every later open of $OUT.
{ true >&7; } 2>/dev/null || { exec 7<>"$OUT"; stty raw -echo -onlcr <&7; }
# A fifo (made by stage 1) opened now: waiting on it needs no filesystem once power-off began.
exec 8<>/run/lab/.sleep
poweroff_now() {
    sync
    echo o >/proc/sysrq-trigger
    read -r -t 60 -u 8
}
trap poweroff_now EXIT

# shellcheck disable=SC1091
. "$CTL/env"    # LAB_REPO LAB_OUT KVER LAB_PROJECT_MODULES LAB_FIXTURES LAB_MODE LAB_HOST_PATH ...

export HOME=/root USER=root LOGNAME=root SHELL=/bin/bash TMPDIR=/tmp
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1
# The host's PATH is appended (dotnet or tools installed under the host's home stay reachable).
p=/run/lab/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
IFS=: read -ra _hp <<<"${LAB_HOST_PATH:-}"
for d in "${_hp[@]}"; do
    case ":$p:" in *":$d:"*) ;; *) [ -n "$d" ] && p="$p:$d" ;; esac
done
export PATH="$p"
unset p _hp d
export LAB_REPO LAB_OUT LAB_KVER="$KVER" LAB_PROJECT_MODULES LAB_FIXTURES LINUXDEVICES_CACHE
export LAB_ARCH LAB_KERNEL LAB_CELL   # the matrix cell: x86_64|arm64, 6.12|6.1|newest, ARCH/KERNEL
export LAB_GUEST=1 LAB_ACCEL    # LAB_ACCEL: kvm or tcg (timing-sensitive tests may relax)
[ -n "${LAB_DOTNET_ROOT:-}" ] && export DOTNET_ROOT="$LAB_DOTNET_ROOT"
export TERM="${LAB_TERM:-dumb}"
[ -d "$HOME" ] || mkdir -p "$HOME"

: >"$CTL/booted"
log_console() { echo "lab-guest: $*" >/dev/console; }
log_console "userspace up; fixtures: ${LAB_FIXTURES:-none}"

[ "$LAB_MODE" = shell ] && stty sane <&7 2>/dev/null
cd "$LAB_REPO" || { echo "lab: cannot cd to $LAB_REPO in the guest" >"$OUT"; echo 125 >"$CTL/rc"; exit; }

# The host kills the guest at its --timeout; a few seconds earlier the guest stops the
# fixture/command itself (LAB_DEADLINE, host epoch seconds; the guest RTC is the host's
# clock) and prints what was still running and the dmesg tail.
diagnose() {
    echo "lab: processes:"
    ps -eo pid,stat,wchan:24,args --sort=pid 2>/dev/null | grep -v '\[.*\]$' | tail -n 30 | sed 's/^/lab:   | /'
    echo "lab: dmesg tail:"
    dmesg | tail -n 30 | sed 's/^/lab:   | /'
}
# run_bounded WHAT OUTFILE CMD...: runs CMD in its own session; sets RC (124 + TIMED_OUT=1 at
# the deadline).
run_bounded() {
    local what="$1" outf="$2" left pid wd
    shift 2
    TIMED_OUT=0
    [ -e /run/lab/.timed-out ] && rm -f /run/lab/.timed-out
    setsid "$@" </dev/null >"$outf" 2>&1 7>&- 8>&- &
    pid=$!
    wd=
    if [ -n "${LAB_DEADLINE:-}" ]; then
        left=$((LAB_DEADLINE - EPOCHSECONDS))
        [ "$left" -lt 1 ] && left=1
        (
            read -r -t "$left" -u 8
            : >/run/lab/.timed-out
            log_console "$what: deadline reached, stopping it"
            { echo "lab: timeout: $what still running at the deadline (--timeout); stopping it"; diagnose; } >"$OUT"
            kill -TERM -- "-$pid" 2>/dev/null
            read -r -t 3 -u 8
            kill -KILL -- "-$pid" 2>/dev/null
        ) &
        wd=$!
    fi
    wait "$pid"
    RC=$?
    [ -n "$wd" ] && { kill "$wd" 2>/dev/null; wait "$wd" 2>/dev/null; }
    if [ -e /run/lab/.timed-out ]; then
        TIMED_OUT=1
        RC=124
    fi
}

# Fixtures, in the order requested; their output is shown prefixed with "lab: [NAME]".
for f in $LAB_FIXTURES; do
    script="$LAB_REPO/tests/lab/fixtures/$f.sh"
    log="/run/lab/fixture-$f.log"
    log_console "fixture $f"
    t0=${EPOCHREALTIME/./}
    run_bounded "fixture '$f'" "$log" bash "$script"
    rc=$RC
    ms=$(( (${EPOCHREALTIME/./} - t0) / 1000 ))
    if [ "$TIMED_OUT" = 1 ]; then
        sed 's/^/lab:   | /' "$log" >"$OUT"
        echo "fixture $f" >"$CTL/timeout"
        echo 124 >"$CTL/rc"
        exit
    fi
    if [ "$rc" -ne 0 ]; then
        log_console "fixture $f failed (exit $rc)"
        {
            echo "lab: fixture '$f' FAILED (exit $rc); its output:"
            sed 's/^/lab:   | /' "$log"
            echo "lab: dmesg tail:"
            dmesg | tail -n 40 | sed 's/^/lab:   | /'
        } >"$OUT"
        echo "$f" >"$CTL/fixture-failed"
        echo 125 >"$CTL/rc"
        exit
    fi
    if [ "${LAB_QUIET:-0}" != 1 ]; then
        {
            sed "s/^/lab: [$f] /" "$log"
            printf 'lab: [%s] ok (%d.%03d s)\n' "$f" $((ms / 1000)) $((ms % 1000))
        } >"$OUT"
    fi
done

if [ "$LAB_MODE" = shell ]; then
    tty=/dev/ttyS0
    [ -n "${LAB_ROWS:-}" ] && stty rows "$LAB_ROWS" cols "$LAB_COLS" <"$tty" 2>/dev/null
    echo "lab: guest shell (kernel $KVER); 'exit' or Ctrl-D powers off. Ctrl-A X kills qemu." >"$tty"
    log_console "shell"
    setsid -cw bash -i <"$tty" >"$tty" 2>&1 7>&- 8>&-
    rc=$?
else
    mapfile -d '' -t argv <"$CTL/argv"
    log_console "command:${argv[*]@Q}"
    run_bounded "the command" "$OUT" "${argv[@]}"
    rc=$RC
    [ "$TIMED_OUT" = 1 ] && echo "command" >"$CTL/timeout"
fi
log_console "exit code $rc; powering off"
echo "$rc" >"$CTL/rc"
exit
