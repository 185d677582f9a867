#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# Boot 1 of the crash cycle: check that the machine is armed, record what the host will
# compare the dump against, then crash the kernel.
set -u
loaded=$(cat /sys/kernel/kexec/crash_loaded 2>/dev/null || cat /sys/kernel/kexec_crash_loaded)
echo "TK-VAL loaded=$loaded"
echo "TK-VAL uname=$(uname -snrvm)"
echo "TK-VAL boot_id=$(tr -d '-' </proc/sys/kernel/random/boot_id)"
tinykdump status --json=short | jq -r '"TK-VAL need=\(.capture.need_static) static=\(.reservation.static_size) mode=\(.capture.mode)"'
if [[ $loaded != 1 ]]; then
        tinykdump status
        journalctl -b -o cat -u tinykdump-load.service
        exit 1
fi
sync
echo "TK-CRASHING"
# Let the hook's pipe carry the marker to the console before the kernel stops.
sleep 2
echo c >/proc/sysrq-trigger
