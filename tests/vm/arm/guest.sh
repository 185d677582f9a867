#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# Guest side of the "arm" scenario. $TK_ARM_CASE (from the --env file) says what to do:
#   arm      (default) tinykdump-load.service, pulled into the boot by its enablement, has
#            run: report what the kernel and tinykdump say, then reload, unload, load;
#   classic  arm, on a reservation that holds the need (nothing may warn), then the reservation
#            shrunk below the need by hand: load warns, the journal record, status; then
#            [Memory] BelowNeed=refuse: load refuses (exit 7) and the kernel stays loaded;
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
journalctl --sync
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
tinykdump load >"$TK_RESULTS/load-hand.log" 2>&1 && tk-value reloaded "$(sysfs crash_loaded)"
[[ $TK_ARM_CASE == classic ]] || exit 0

# ---- A reservation below the need (issue 11) ----
# The rearm path unit would reload on the drop-in written below: stopped.
systemctl stop tinykdump-rearm.path
mid=MESSAGE_ID=$TK_MESSAGE_ID_BELOW_NEED
journalctl --sync
# The control, at a reservation that holds the need: no warning from the service's load or
# the one by hand, no journal record, status says plain "armed".
tk-value ok_warned "$(cat "$TK_RESULTS/load.log" "$TK_RESULTS/load-hand.log" | grep -c 'likely run out of memory')"
tk-value ok_records "$(journalctl -b -o cat "$mid" | wc -l)"
tk-value ok_state "$(sed -n 's/^ *State: //p' "$TK_RESULTS/status.txt")"
# Shrink the static region to the static need + 16 MiB: kernel, initrd and segments fit (so
# kexec_file_load succeeds), the capture system's run-time memory does not.
tinykdump --json=short estimate >"$TK_RESULTS/estimate.json"
static_need=$(jq .static_need "$TK_RESULTS/estimate.json")
low=$(( (static_need + 16 * 1048576 + 1048575) / 1048576 * 1048576 ))
tinykdump unload
for p in /sys/kernel/kexec/crash_size /sys/kernel/kexec_crash_size; do
        [[ -w $p ]] && { echo "$low" >"$p"; break; }
done
tk-value low_size "$(sysfs crash_size)"
tinykdump --dry-run load >"$TK_RESULTS/low-dryrun.log" 2>&1
tk-value low_dryrun_rc $?
tinykdump load >"$TK_RESULTS/low-load.log" 2>&1
tk-value low_load_rc $?
tk-value low_loaded "$(sysfs crash_loaded)"
tinykdump status >"$TK_RESULTS/low-status.txt" 2>&1
tinykdump status --json=short >"$TK_RESULTS/low-status.json" 2>/dev/null
tk-value low_status_rc $?
jq -r '"low_warning=\(.warning // "none")", "low_part=\(.memory_short.part // "none")",
       "low_need=\(.memory_short.need // "none")", "low_have=\(.memory_short.have // "none")",
       "low_step=\(.next_steps[0].id // "none")", "low_state_need=\(.capture.need_static // "none")"' "$TK_RESULTS/low-status.json" >>"$TK_RESULTS/values"
journalctl --sync
journalctl -b -o export "$mid" | grep -a -E '^(MESSAGE|MESSAGE_ID|PRIORITY|TINYKDUMP_[A-Z_]+)=' \
        >"$TK_RESULTS/low-journal.txt"
tk-value low_records "$(journalctl -b -o cat "$mid" | wc -l)"
cp /run/tinykdump/loaded "$TK_RESULTS/state-low"
# Refuse: before anything is unloaded, so the capture kernel armed above stays armed.
printf '[Memory]\nBelowNeed=refuse\n' >/etc/tinykdump/tinykdump.conf.d/90-refuse.conf
tinykdump --dry-run load >"$TK_RESULTS/refuse-dryrun.log" 2>&1
tk-value refuse_dryrun_rc $?
tinykdump load >"$TK_RESULTS/refuse-load.log" 2>&1
tk-value refuse_load_rc $?
tk-value refuse_loaded "$(sysfs crash_loaded)"
cmp -s /run/tinykdump/loaded "$TK_RESULTS/state-low"
tk-value refuse_state_same $?
journalctl --sync
journalctl -b -o export "$mid" | grep -a -E '^(MESSAGE|PRIORITY|TINYKDUMP_LOAD)=' >"$TK_RESULTS/refuse-journal.txt"
tk-value refuse_records "$(journalctl -b -o cat "$mid" | wc -l)"
exit 0
