#!/usr/bin/env bash
# The README's main job, run inside the lab guest by `./build.sh demo`: the linuxdev tool against
# every subsystem's real driver, no hardware needed.
set -u
run() {
    printf '\n\033[1m$ linuxdev %s\033[0m\n' "$*"
    linuxdev "$@" || echo "(exit code $?)"
}
run info
