#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# Boot 1 of a bench cycle (tests/bench/run), the same script for tinykdump and kdump-tools:
# wait until the load unit ($BENCH_LOAD_UNIT, from the hook's environment) is active and
# the crash kernel is loaded, record when it became active by the kernel's monotonic clock
# (time since this kernel started), write the panic time (realtime, which the guest took
# from QEMU's RTC, i.e. the host clock) last, close the results and crash.
set -u
unit=${BENCH_LOAD_UNIT:?BENCH_LOAD_UNIT is not set}
loaded() { cat /sys/kernel/kexec/crash_loaded 2>/dev/null || cat /sys/kernel/kexec_crash_loaded; }
# The hook runs after multi-user.target, which the load units are not ordered before.
for _ in $(seq 1200); do
        state=$(systemctl show -P ActiveState "$unit")
        [[ $state == active && $(loaded) == 1 ]] && break
        [[ $state == failed ]] && break
        sleep 0.5
done
tk-value state "$state"
tk-value loaded "$(loaded)"
tk-value crash_size "$(cat /sys/kernel/kexec_crash_size)"
tk-value armed_usec "$(systemctl show -P ActiveEnterTimestampMonotonic "$unit")"
tk-value uname "$(uname -r)"
tk-value mem_total_kb "$(awk '/^MemTotal:/ { print $2 }' /proc/meminfo)"
journalctl -b --no-pager -o short-monotonic -u "$unit" >"$TK_RESULTS/load.log" 2>&1
if command -v tinykdump >/dev/null; then
        tinykdump status >"$TK_RESULTS/status.txt" 2>&1
        # The model's recommendation for this very image, for the floor comparison.
        tinykdump estimate >"$TK_RESULTS/estimate.txt" 2>&1
        tinykdump --json=short estimate >"$TK_RESULTS/estimate.json" 2>/dev/null
fi
# The machine's network, for the capture that boots from this disk (kdump-tools' does; the
# file is on the root file system, which tinykdump's capture image never reads): DHCP on the
# network card, so that network-online.target is reached as on a configured machine.
mkdir -p /etc/systemd/network
cat >/etc/systemd/network/50-bench.network <<'NET'
[Match]
Type=ether

[Network]
DHCP=ipv4
NET
sync
# kdump-tools' udev rule reloads the crash kernel on CPU and memory events (unload, then
# load; a crash in between finds nothing loaded and reboots): let udev finish its queue, then
# crash only once it has been loaded for 5 s in a row, at most 120 s more.
udevadm settle --timeout=120 || true
stable=0
for _ in $(seq 240); do
        if [[ $(loaded) == 1 ]]; then
                (( ++stable >= 10 )) && break
        else
                stable=0
        fi
        sleep 0.5
done
[[ $(loaded) == 1 ]] || exit 1
tk-value panic_realtime_usec "$(date +%s%6N)"
tk-results-done crashing
echo c >/proc/sysrq-trigger
