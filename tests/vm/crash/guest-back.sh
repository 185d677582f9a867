#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# Boot 2 of the crash cycle without a dump target: the capture timed out into its failure
# action and rebooted, and the machine came back. Record which boot this is and whether
# it armed again (values in $TK_RESULTS, see the test hook).
set -u
tk-value boot_id "$(tr -d '-' </proc/sys/kernel/random/boot_id)"
tk-value loaded "$(cat /sys/kernel/kexec/crash_loaded 2>/dev/null || cat /sys/kernel/kexec_crash_loaded)"
tk-value systemd "$(systemctl is-system-running)"
tinykdump list >"$TK_RESULTS/list.txt" 2>&1
exit 0
