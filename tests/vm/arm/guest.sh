#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# Guest side of the "arm" scenario. $TK_ARM_CASE (from the --env file) says what to do:
#   arm      (default) tinykdump-load.service, pulled into the boot by its enablement, has
#            run: report what the kernel and tinykdump say, then reload, unload, load;
#   disable  boot 1: armed, then "systemctl disable --now tinykdump-load.service";
#            boot 2 (same disk): what the kernel and systemd say;
#   off      tinykdump=0 is on the command line: what the kernel, systemd and the unit's
#            log say.
# Results are files in $TK_RESULTS (see the test hook), which the host checks:
#   values        key=value lines (tk-value)
#   status.json   tinykdump status --json=short
#   status.txt, estimate.txt, load.log   the human status, estimate and the service's log
set -u
sysfs() { for p in "/sys/kernel/kexec/$1" "/sys/kernel/kexec_$1"; do [[ -r $p ]] && { tr -d '\n' <"$p"; return; }; done; echo "?"; }

# USB enumeration under TCG can trail the boot: wait for the target before judging it.
for _ in $(seq 120); do [[ -e /dev/disk/by-label/TKDUMP ]] && break; sleep 0.5; done
tk-value loaded "$(sysfs crash_loaded)"
tk-value crash_size "$(sysfs crash_size)"
# Sum of the "Crash kernel" ranges in /proc/iomem, in bytes.
iomem=0
while read -r range _; do
        s=${range%-*} e=${range#*-}
        iomem=$(( iomem + 0x$e - 0x$s + 1 ))
done < <(grep 'Crash kernel' /proc/iomem | sed 's/^ *//')
tk-value iomem_crash "$iomem"
# Enablement pulls the unit in, not the generator; the generator's drop-in exists only on a
# boot that cannot arm.
tk-value generator_link "$(readlink /run/systemd/generator/sysinit.target.wants/tinykdump-load.service || echo none)"
tk-value enable_link "$(readlink /etc/systemd/system/sysinit.target.wants/tinykdump-load.service || echo none)"
tk-value enabled "$(systemctl is-enabled tinykdump-load.service)"
tk-value not_armed_dropin "$([[ -e /run/systemd/generator/tinykdump-load.service.d/50-not-armed.conf ]] && echo yes || echo no)"
tk-value service "$(systemctl show -P ActiveState tinykdump-load.service)/$(systemctl show -P Result tinykdump-load.service)"
journalctl -b -o cat -u tinykdump-load.service >"$TK_RESULTS/load.log"
tk-value unit_says_why "$(grep -c 'Not arming this boot' "$TK_RESULTS/load.log")"
journalctl -b -k >"$TK_RESULTS/kmsg.log"
tk-value kmsg_says_why "$(grep -c 'tinykdump-generator.*Not arming this boot' "$TK_RESULTS/kmsg.log")"
systemctl status --no-pager -l tinykdump-load.service >"$TK_RESULTS/systemctl-status.txt" 2>&1
tk-value status_says_why "$(grep -c 'Not arming this boot' "$TK_RESULTS/systemctl-status.txt")"

case ${TK_ARM_CASE:-arm} in
off)
        exit 0 ;;
disable)
        if [[ $TK_BOOT == 1 ]]; then
                systemctl disable --now tinykdump-load.service
                tk-value disable_rc $?
                tk-value disabled_loaded "$(sysfs crash_loaded)"
                tk-value disabled_service "$(systemctl show -P ActiveState tinykdump-load.service)"
                sync
        fi
        exit 0 ;;
esac

tinykdump status --json=short >"$TK_RESULTS/status.json"
tk-value status_rc $?
jq -r '"armed=\(.armed)",
       "json_static=\(.reservation.static_size)",
       "json_cma=\(.reservation.cma_size)",
       "json_ranges=\([.reservation.static_ranges[].size] | add // 0)",
       "need=\(.capture.need_static)",
       "before=\(.capture.static_before)",
       "after=\(.capture.static_after)",
       "mode=\(.capture.mode)",
       "target_present=\(.target.present)"' "$TK_RESULTS/status.json" >>"$TK_RESULTS/values"

# The generator's run time: the mean of 50 runs into a scratch directory, as systemd runs it.
gen=/usr/lib/systemd/system-generators/tinykdump-generator
t0=$(date +%s%N)
for _ in $(seq 50); do
        d=$(mktemp -d)
        SYSTEMD_LOG_TARGET=null "$gen" "$d" "$d" "$d" 2>/dev/null
        rm -rf "$d"
done
t1=$(date +%s%N)
tk-value generator_us $(( (t1 - t0) / 50000 ))
t0=$(date +%s%N)
for _ in $(seq 50); do d=$(mktemp -d); /bin/true "$d"; rm -rf "$d"; done
t1=$(date +%s%N)
tk-value true_us $(( (t1 - t0) / 50000 ))

# The whole human status, for the record.
tinykdump status >"$TK_RESULTS/status.txt" 2>&1
tinykdump estimate >"$TK_RESULTS/estimate.txt" 2>&1
# Reload (config change) replaces the loaded image and keeps it armed.
systemctl reload tinykdump-load.service
tk-value reload_loaded "$(sysfs crash_loaded)"
# Unload and load again by hand.
tinykdump unload && tk-value unloaded "$(sysfs crash_loaded)"
tinykdump load && tk-value reloaded "$(sysfs crash_loaded)"
exit 0
