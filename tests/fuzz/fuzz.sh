#!/usr/bin/env bash
# Coverage-guided fuzzing of every parser of external input: SharpFuzz-instrumented SDK assemblies
# under afl++ (Debian's afl++ package, installed here idempotently).
#
#   tests/fuzz/fuzz.sh [--seconds N] [--targets a,b]   (default 30 s per target)
#
# Prints one line per target: "fuzz TARGET: E execs, C crashes, H hangs", replays every crashing
# input (with the exception) and exits 1 if any target crashed or hung. Work files go to
# $LINUXDEVICES_CACHE/fuzz (corpora kept between runs: a longer run continues from them).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
root=$PWD
seconds=30
targets=""
while [ $# -gt 0 ]; do
    case "$1" in
        --seconds) seconds="${2:?}"; shift 2 ;;
        --seconds=*) seconds="${1#*=}"; shift ;;
        --targets) targets="${2:?}"; shift 2 ;;
        --targets=*) targets="${1#*=}"; shift ;;
        *) echo "fuzz.sh: unknown option $1" >&2; exit 2 ;;
    esac
done
cache="${LINUXDEVICES_CACHE:-$HOME/.cache/linuxdevices}/fuzz"
mkdir -p "$cache"

if ! command -v afl-fuzz >/dev/null 2>&1; then
    echo "fuzz: installing afl++ (Debian package)"
    [ "$(id -u)" = 0 ] && sudo= || sudo=sudo
    $sudo apt-get update -qq >/dev/null || true
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends afl++ >/dev/null
fi

export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
dotnet tool restore >/dev/null
dotnet build tests/fuzz/LinuxDevices.Fuzz -c Release -v q -nologo >"$cache/build.log" 2>&1 || { cat "$cache/build.log"; exit 1; }

# (Instrumented assemblies only run under afl-fuzz: seeds and replays use the plain build.)
# Instrument copies (never the build output the tests use).
bin="$cache/bin"
rm -rf "$bin"
cp -r artifacts/bin/LinuxDevices.Fuzz/release "$bin"
for a in Native Tracing Nvmem Rpmsg Uio; do
    dotnet sharpfuzz "$bin/LinuxDevices.$a.dll" >/dev/null
done
data="$root/tests/LinuxDevices.Tests/TestData/Mhi"
rm -rf "$cache/seeds"
dotnet artifacts/bin/LinuxDevices.Fuzz/release/LinuxDevices.Fuzz.dll seeds "$data" "$cache/seeds"

[ -n "$targets" ] || targets=$(dotnet artifacts/bin/LinuxDevices.Fuzz/release/LinuxDevices.Fuzz.dll list | paste -sd, -)
export AFL_SKIP_BIN_CHECK=1 AFL_NO_UI=1 AFL_SKIP_CPUFREQ=1 AFL_I_DONT_CARE_ABOUT_MISSING_CRASHES=1 \
    AFL_NO_AFFINITY=1 AFL_QUIET=1
bad=0
IFS=, read -ra list <<<"$targets"
for t in "${list[@]}"; do
    out="$cache/out/$t"
    # Continue from the previous run's queue when there is one (the corpus grows across runs).
    input="$cache/seeds/$t"
    if [ -d "$out/default/queue" ] && [ -n "$(ls -A "$out/default/queue" 2>/dev/null)" ]; then
        input="$cache/corpus/$t"
        rm -rf "$input"; mkdir -p "$input"
        cp "$out/default/queue"/id:* "$input/" 2>/dev/null || true
        cp "$cache/seeds/$t"/* "$input/"
    fi
    rm -rf "$out"; mkdir -p "$cache/out"
    # -t: a hang is an input that runs > 2 s; -m none: .NET reserves large address space.
    afl-fuzz -i "$input" -o "$out" -t 2000 -m none -V "$seconds" -- \
        dotnet "$bin/LinuxDevices.Fuzz.dll" run "$t" "$data" >"$cache/$t.log" 2>&1 || true
    stats="$out/default/fuzzer_stats"
    if [ ! -f "$stats" ]; then
        echo "fuzz $t: afl-fuzz did not start (see $cache/$t.log)"
        tail -20 "$cache/$t.log" | sed 's/^/    /'
        bad=1
        continue
    fi
    execs=$(sed -n 's/^execs_done *: *//p' "$stats")
    crashes=$(sed -n 's/^saved_crashes *: *//p;s/^unique_crashes *: *//p' "$stats" | head -1)
    hangs=$(sed -n 's/^saved_hangs *: *//p;s/^unique_hangs *: *//p' "$stats" | head -1)
    echo "fuzz $t: $execs execs, $crashes crashes, $hangs hangs"
    if [ "$crashes" != 0 ] || [ "$hangs" != 0 ]; then
        bad=1
        mkdir -p "$cache/findings/$t"
        cp "$out/default/crashes"/id:* "$out/default/hangs"/id:* "$cache/findings/$t/" 2>/dev/null || true
        # The exceptions behind the crashes (uninstrumented replay, one process).
        dotnet artifacts/bin/LinuxDevices.Fuzz/release/LinuxDevices.Fuzz.dll replay "$t" "$data" "$out/default/crashes"/id:* 2>&1 | head -40 | sed 's/^/    /' || true
        echo "    inputs kept in $cache/findings/$t"
    fi
done
exit $bad
