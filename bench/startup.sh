#!/bin/bash
# Start-up cost in the guest, per build of linuxdev: JIT (the Release build), ReadyToRun and
# NativeAOT (published by ./build.sh bench; arm64: JIT and NativeAOT). Two figures each, median of RUNS runs after
# one untimed run (page cache warm, every run a fresh process, so each run pays its own JIT):
#   start    `linuxdev info` (process start, argument parsing, sysfs and /dev probing)
#   frame    `linuxdev v4l2 capture CAP --frames 1` (time to the first vivid frame: open, S_FMT,
#            REQBUFS, mmap, STREAMON, the async frame loop, first DQBUF)
# Output: one line per build and figure, `startup BUILD FIGURE: median M ms (min A, max B, N runs)`.
set -euo pipefail
runs="${RUNS:-7}"
repo="${LAB_REPO:-$(pwd)}"
cap="$(sed -n 's/^V4L2_CAPTURE=//p' /run/lab/v4l2.env)"
declare -A build=(
    [jit]="$repo/artifacts/bin/Linuxdev/release/linuxdev"
    [r2r]="$repo/artifacts/publish/linuxdev-r2r/linuxdev"
    [aot]="$repo/artifacts/publish/linuxdev-aot/linuxdev"
)
[ "$(uname -m)" = aarch64 ] && build=([jit]="$repo/artifacts/publish/Linuxdev/release_linux-arm64/linuxdev"
    [aot]="$repo/artifacts/publish/linuxdev-aot-arm64/linuxdev")
measure() { # NAME FIGURE CMD...
    local name=$1 fig=$2; shift 2
    "$@" >/dev/null 2>&1 || { echo "startup $name $fig: FAILED ($*)"; return 1; }
    local t=()
    for _ in $(seq "$runs"); do
        local a b
        a=$(date +%s%N); "$@" >/dev/null 2>&1; b=$(date +%s%N)
        t+=($(((b - a) / 1000000)))
    done
    local sorted
    sorted=$(printf '%s\n' "${t[@]}" | sort -n)
    echo "startup $name $fig: median $(echo "$sorted" | sed -n "$((runs / 2 + 1))p") ms (min $(echo "$sorted" | head -1), max $(echo "$sorted" | tail -1), $runs runs)"
}
rc=0
for name in jit r2r aot; do
    exe="${build[$name]:-}"
    [ -n "$exe" ] || continue
    [ -x "$exe" ] || { echo "startup $name: not built ($exe)"; continue; }
    measure "$name" start "$exe" info || rc=1
    measure "$name" frame "$exe" v4l2 capture "$cap" --frames 1 || rc=1
done
exit $rc
