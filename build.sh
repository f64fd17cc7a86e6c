#!/usr/bin/env bash
# Bootstrap for build.cake: ./build.sh [build|test|demo|pack|lab|bench|abi|api] [--arch A] [--kernel K] [cake options]
# Needs the .NET 10 SDK; everything else (apt packages, kernel, headers, Cake) is fetched by the
# project's own scripts, idempotently.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")"
target="${1:-build}"
[ $# -gt 0 ] && shift
if ! command -v dotnet >/dev/null 2>&1; then
    echo "build.sh: the .NET 10 SDK is required (dotnet on PATH)" >&2
    exit 1
fi
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1
dotnet tool restore >/dev/null
mkdir -p artifacts/test
rm -f artifacts/test/summary.txt artifacts/test/abi-summary.txt
# Cake takes --name=value: accept the lab's spelling "--arch arm64" too.
args=()
while [ $# -gt 0 ]; do
    case "$1" in
        --arch | --kernel | --cells | --seconds) args+=("$1=${2:?$1 needs a value}"); shift 2 ;;
        *) args+=("$1"); shift ;;
    esac
done
rc=0
dotnet cake build.cake --target="$target" ${args[@]+"${args[@]}"} || rc=$?
if [ "$target" = test ]; then
    # The closing line CI counts: every tier's tests summed (written by the test task).
    if [ -f artifacts/test/summary.txt ]; then
        cat artifacts/test/summary.txt
    else
        echo "build.sh: the test run did not complete (see above)" >&2
        echo "0 passed, 1 failed"
        [ "$rc" -ne 0 ] || rc=1
    fi
fi
if [ "$target" = abi ]; then
    # The closing lines: one per architecture (written by the abi task), after Cake's task table.
    if [ -f artifacts/test/abi-summary.txt ]; then
        cat artifacts/test/abi-summary.txt
    else
        for a in x86_64 arm64 armhf-time32 armhf-time64; do echo "abi $a: not run"; done
        [ "$rc" -ne 0 ] || rc=1
    fi
fi
exit "$rc"
