#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# Guest side of the "arm" scenario: by the time the test hook runs, the generator has
# pulled tinykdump-load.service into the boot and it has run. Report what the kernel and
# tinykdump say, as "TK-VAL key=value" lines the host checks, plus the raw documents.
set -u
val() { echo "TK-VAL $1=$2"; }
sysfs() { for p in "/sys/kernel/kexec/$1" "/sys/kernel/kexec_$1"; do [[ -r $p ]] && { tr -d '\n' <"$p"; return; }; done; echo "?"; }

# USB enumeration under TCG can trail the boot: wait for the target before judging it.
for i in $(seq 120); do [[ -e /dev/disk/by-label/TKDUMP ]] && break; sleep 0.5; done
val loaded "$(sysfs crash_loaded)"
val crash_size "$(sysfs crash_size)"
# Sum of the "Crash kernel" ranges in /proc/iomem, in bytes.
iomem=0
while read -r range _; do
        s=${range%-*} e=${range#*-}
        iomem=$(( iomem + 0x$e - 0x$s + 1 ))
done < <(grep 'Crash kernel' /proc/iomem | sed 's/^ *//')
val iomem_crash "$iomem"
val generator_link "$(readlink /run/systemd/generator/sysinit.target.wants/tinykdump-load.service || echo none)"
val service "$(systemctl show -P ActiveState tinykdump-load.service)/$(systemctl show -P Result tinykdump-load.service)"

status=$(tinykdump status --json=short)
val status_rc $?
val status_json "$status"
echo "$status" | jq -r '"TK-VAL armed=\(.armed)",
        "TK-VAL json_static=\(.reservation.static_size)",
        "TK-VAL json_cma=\(.reservation.cma_size)",
        "TK-VAL json_ranges=\([.reservation.static_ranges[].size] | add // 0)",
        "TK-VAL need=\(.capture.need_static)",
        "TK-VAL before=\(.capture.static_before)",
        "TK-VAL after=\(.capture.static_after)",
        "TK-VAL mode=\(.capture.mode)",
        "TK-VAL target_present=\(.target.present)"'

# How long the load took (the service's own words), and the generator's run time: the
# mean of 50 runs into a scratch directory, as systemd runs it.
journalctl -b -o cat -u tinykdump-load.service | sed 's/^/TK-LOG /'
gen=/usr/lib/systemd/system-generators/tinykdump-generator
t0=$(date +%s%N)
for i in $(seq 50); do
        d=$(mktemp -d)
        SYSTEMD_LOG_TARGET=null "$gen" "$d" "$d" "$d" 2>/dev/null
        rm -rf "$d"
done
t1=$(date +%s%N)
val generator_us $(( (t1 - t0) / 50000 ))
t0=$(date +%s%N)
for i in $(seq 50); do d=$(mktemp -d); /bin/true "$d"; rm -rf "$d"; done
t1=$(date +%s%N)
val true_us $(( (t1 - t0) / 50000 ))

# The whole human status, for the record.
tinykdump status | sed 's/^/TK-STATUS /'
tinykdump estimate | sed 's/^/TK-ESTIMATE /'
# Reload (config change) replaces the loaded image and keeps it armed.
systemctl reload tinykdump-load.service
val reload_loaded "$(sysfs crash_loaded)"
# Unload and load again by hand.
tinykdump unload && val unloaded "$(sysfs crash_loaded)"
tinykdump load && val reloaded "$(sysfs crash_loaded)"
exit 0
