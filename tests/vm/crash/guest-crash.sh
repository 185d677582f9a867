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
# The udev rule load wrote: only the dump target (label TKDUMP) may start the reporter when
# plugged in; the root and results disks must not. "udevadm test" runs the rules for an "add"
# without acting on them. Values: udev_<label>=<1 if TINYKDUMP_TARGET=1 and the reporter is wanted>.
cp /run/udev/rules.d/89-tinykdump-target.rules "$TK_RESULTS/udev-rule.txt" 2>/dev/null
# The USB target may come late: under TCG with a loaded host, udev loaded usb-storage 150 s into
# boot 1, after the test hook had started, and the target was missing from the list below. So the
# coldplug events are processed first (module loads included); then, when a USB mass-storage
# interface (class 08) exists, until udev has probed its file system.
udevadm settle --timeout=180 2>/dev/null
if grep -qsx 08 /sys/bus/usb/devices/*/bInterfaceClass; then
        for _ in $(seq 120); do
                udevadm settle --timeout=5 2>/dev/null
                [[ -e /dev/disk/by-label/TKDUMP ]] && break
                sleep 1
        done
        tk-value target_wait_done "$([[ -e /dev/disk/by-label/TKDUMP ]] && echo yes || echo no)"
fi
for dev in /sys/class/block/*; do
        label=$(udevadm info -q property -p "$dev" 2>/dev/null | sed -n 's/^ID_FS_LABEL=//p')
        [[ -n $label ]] || continue
        # The property list at the end (indented under "Properties:" by newer udevadm).
        props=$(udevadm test --action=add "$dev" 2>/dev/null | sed 's/^[[:space:]]*//')
        if grep -qx "TINYKDUMP_TARGET=1" <<<"$props" && grep -q "^SYSTEMD_WANTS=.*tinykdump-report@" <<<"$props"; then
                tk-value "udev_$label" 1
        else
                tk-value "udev_$label" 0
        fi
done
# The results are complete and on the disk before the kernel stops.
tk-results-done crashing
echo c >/proc/sysrq-trigger
