#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# Guest side of the "reload" scenario (boot 1). tinykdump-load.service armed the machine in
# CMA mode at boot and shrank the static reservation to the image's need. Then, with the
# rearm path unit stopped (it would reload on every drop-in written here):
#   1. load --dry-run on the real capture image: passes, lists the modules the USB target needs;
#   2. FileSystemType=xfs, which the image cannot mount: --dry-run and load exit 6 naming the
#      drop-in's file and line, and the loaded capture kernel stays loaded;
#   3. a reload with an initrd 64 MiB larger, which the shrunk reservation cannot hold: load
#      fails, loads the previous capture kernel again, says so; status shows the shrink and
#      the failed reload;
# then it closes the results ("crashing") and crashes; the host checks the capture.
set -u
sysfs() { for p in "/sys/kernel/kexec/$1" "/sys/kernel/kexec_$1"; do [[ -r $p ]] && { tr -d '\n' <"$p"; return; }; done; echo "?"; }
out=$TK_RESULTS
d=/etc/tinykdump/tinykdump.conf.d

for _ in $(seq 120); do [[ -e /dev/disk/by-label/TKDUMP ]] && break; sleep 0.5; done
systemctl stop tinykdump-rearm.path
tk-value loaded "$(sysfs crash_loaded)"
cp /run/tinykdump/loaded "$out/state-before"
journalctl --sync
journalctl -b -o cat -u tinykdump-load.service >"$out/load-service.log"

# 1.
tinykdump --dry-run load >"$out/dryrun.log" 2>&1
tk-value dryrun_rc $?
tk-value dryrun_loaded "$(sysfs crash_loaded)"

# 2.
printf '# reload scenario\n[Target]\nFileSystemType=xfs\n' >"$d/90-xfs.conf"
tinykdump --dry-run load >"$out/xfs-dryrun.log" 2>&1
tk-value xfs_dryrun_rc $?
tinykdump load >"$out/xfs-load.log" 2>&1
tk-value xfs_load_rc $?
tk-value xfs_loaded "$(sysfs crash_loaded)"
tinykdump status --json=short >"$out/xfs-status.json" 2>/dev/null
tinykdump status >"$out/xfs-status.txt" 2>&1
rm "$d/90-xfs.conf"

# 3.
cp "/var/lib/tinykdump/capture/$(uname -r)/initrd.img" /var/tmp/big.img
head -c 64M /dev/urandom >>/var/tmp/big.img
printf '[Capture]\nInitrd=/var/tmp/big.img\n' >"$d/90-big.conf"
t0=$(date +%s%N)
tinykdump load >"$out/reload.log" 2>&1
tk-value reload_rc $?
tk-value reload_ms $(( ($(date +%s%N) - t0) / 1000000 ))
tk-value reload_loaded "$(sysfs crash_loaded)"
rm "$d/90-big.conf" /var/tmp/big.img
cp /run/tinykdump/loaded "$out/state-after" 2>/dev/null
tinykdump status --json=short >"$out/status.json" 2>/dev/null
tinykdump status >"$out/status.txt" 2>&1
jq -r '"shrunk_from=\(.shrunk.from // "none")", "shrunk_to=\(.shrunk.to // "none")",
       "static_size=\(.reservation.static_size)",
       "reload_failed=\(.reload_failed.at_usec // "none")",
       "image_checked=\(.image_check.checked)", "image_missing=\(.image_check.missing)",
       "image_drivers_checked=\(.image_check.drivers_checked)",
       "image_needs=\([.image_check.needs[].lookup] | join(","))"' "$out/status.json" >>"$out/values"
jq -r '"xfs_image_missing=\(.image_check.missing)"' "$out/xfs-status.json" >>"$out/values"

[[ $(sysfs crash_loaded) == 1 ]] || exit 1
tk-results-done crashing
echo c >/proc/sysrq-trigger
