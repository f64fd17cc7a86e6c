#!/usr/bin/env bash
# Boots the lab N times in a row (`./lab run [OPTIONS] -- true`) and reports the success count
# and min/median/max wall seconds.
#   tests/lab/bench-boot.sh [N] [./lab run options, e.g. --fixture v4l2]
# Exit 0 only when every boot succeeded.
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

n="${1:-20}"
[[ "$n" =~ ^[0-9]+$ ]] && [ "$n" -gt 0 ] || lab_die "usage: bench-boot.sh [N] [run options]"
shift || true

# Warm the caches (kernel, modules, initramfs) outside the measurement.
"$LAB_REPO/lab" run "$@" -- true >/dev/null 2>&1 || true

times=()
ok=0
for ((i = 1; i <= n; i++)); do
    t0=${EPOCHREALTIME/./}
    rc=0
    "$LAB_REPO/lab" run "$@" -- true >/dev/null 2>"${TMPDIR:-/tmp}/lab-bench.$$.err" || rc=$?
    ms=$(((${EPOCHREALTIME/./} - t0) / 1000))
    times+=("$ms")
    if [ "$rc" = 0 ]; then
        ok=$((ok + 1))
        printf 'lab: boot %d/%d: ok %d.%03d s\n' "$i" "$n" $((ms / 1000)) $((ms % 1000)) >&2
    else
        printf 'lab: boot %d/%d: FAILED (exit %d) after %d.%03d s\n' "$i" "$n" "$rc" $((ms / 1000)) $((ms % 1000)) >&2
        tail -n 20 "${TMPDIR:-/tmp}/lab-bench.$$.err" >&2
    fi
done
rm -f "${TMPDIR:-/tmp}/lab-bench.$$.err"

mapfile -t sorted < <(printf '%s\n' "${times[@]}" | sort -n)
cnt=${#sorted[@]}
if [ $((cnt % 2)) = 1 ]; then
    med=${sorted[$((cnt / 2))]}
else
    med=$(((sorted[cnt / 2 - 1] + sorted[cnt / 2]) / 2))
fi
s() { printf '%d.%03d' $(($1 / 1000)) $(($1 % 1000)); }
echo "boots: $ok/$n ok; wall seconds min $(s "${sorted[0]}") median $(s "$med") max $(s "${sorted[$((cnt - 1))]}") (./lab run${*:+ $*} -- true; accel: $( { [ -d /sys/module/kvm_intel ] || [ -d /sys/module/kvm_amd ]; } && echo kvm || echo tcg))"
[ "$ok" = "$n" ]
