#!/bin/bash
# In the lab guest: system calls per UIO async wait on the SDK waiter thread vs the C epoll baseline
# (strace -ff writes one file per thread; files with >100 epoll_wait are the waiter thread and the C loop).
# Usage: ./lab run --fixture uio --fixture uio-msi --timeout 1200 -- bash bench/uio-strace.sh
B=artifacts/bin/LinuxDevices.Bench/release/LinuxDevices.Bench
for kind in ${KINDS:-intx msix}; do
  rm -rf /tmp/st; mkdir -p /tmp/st
  strace -f -ff -o /tmp/st/t -e trace=epoll_wait,read,epoll_ctl,poll,ppoll "$B" run uio 1000 $kind 1 > /tmp/st-out.txt 2>&1 || { echo "bench failed"; head -12 /tmp/st-out.txt; }
  grep "latency median" /tmp/st-out.txt | grep async
  for f in /tmp/st/t.*; do
    ew=$(grep -c '^epoll_wait' "$f"); rd=$(grep -c '^read' "$f"); ctl=$(grep -c '^epoll_ctl' "$f"); ea=$(grep -c '^read.*EAGAIN' "$f")
    if [ "$ew" -gt 100 ]; then echo "$kind thread $(basename $f): epoll_wait=$ew read=$rd (EAGAIN $ea) epoll_ctl=$ctl"; fi
  done
done
