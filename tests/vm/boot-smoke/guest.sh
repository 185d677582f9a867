#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# Guest side of boot-smoke: report the crash memory the kernel reserved, and what
# tinykdump makes of it, as files in $TK_RESULTS (see the test hook); the host checks them.
#   values   cmdline, uname, crash_size, crash_cma_ranges, crash_loaded, systemd
#   iomem-crash   the "Crash kernel" lines of /proc/iomem
#   capture-files the capture images installed in the guest
#   status.txt    tinykdump status (and status_rc in values)
set -u
tk-value cmdline "$(cat /proc/cmdline)"
tk-value uname "$(uname -r)"
for f in crash_size crash_cma_ranges crash_loaded; do
        for p in /sys/kernel/kexec/$f /sys/kernel/kexec_$f; do
                if [[ -r $p ]]; then
                        tk-value "$f" "$(tr '\n' ' ' <"$p" | sed 's/ *$//')"
                        break
                fi
        done
done
grep -i 'crash kernel' /proc/iomem | sed 's/^ *//' >"$TK_RESULTS/iomem-crash"
ls /usr/lib/tinykdump/capture/ >"$TK_RESULTS/capture-files"
if command -v tinykdump >/dev/null; then
        tinykdump status >"$TK_RESULTS/status.txt" 2>&1
        tk-value status_rc $?
fi
tk-value systemd "$(systemctl is-system-running)"
exit 0
