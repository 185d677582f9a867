#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# Boot 1 of the crash cycle: check that the machine is armed, record what the host will
# compare the dump against (values in $TK_RESULTS, see the test hook), close the results
# (status "crashing") and crash the kernel.
set -u
loaded=$(cat /sys/kernel/kexec/crash_loaded 2>/dev/null || cat /sys/kernel/kexec_crash_loaded)
tk-value loaded "$loaded"
tk-value uname "$(uname -snrvm)"
tk-value boot_id "$(tr -d '-' </proc/sys/kernel/random/boot_id)"
tinykdump status --json=short >"$TK_RESULTS/status.json"
jq -r '"need=\(.capture.need_static)", "static=\(.reservation.static_size)", "mode=\(.capture.mode)"' \
        "$TK_RESULTS/status.json" >>"$TK_RESULTS/values"
if [[ $loaded != 1 ]]; then
        tinykdump status
        journalctl -b -o cat -u tinykdump-load.service
        exit 1
fi
# The results are complete and on the disk before the kernel stops.
tk-results-done crashing
echo c >/proc/sysrq-trigger
