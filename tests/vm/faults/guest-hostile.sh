#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# The faults-hostile boot: a forged stick (label of the target, thousands of dump directories,
# FIFOs, symlinks out of the stick, oversized and forged metadata) was attached at boot. Results
# in $TK_RESULTS (see the test hook):
#   values    run1_records, run1_state_bytes, run1_dirs after the boot's reporting (the boot-time
#             tinykdump-report.service, or tinykdump-report@.service when the stick appears after
#             it, through the udev rule load wrote); run2_* with result, status, ms and
#             memory_peak for a second run of tinykdump-report.service started here;
#             leaks (files the leak canary was found in), emerg (forged lines at priority emerg),
#             written (files outside /var/lib/tinykdump changed by the second run)
#   written.txt, report.log    the changed files, the reporter's log
set -u
ids=("MESSAGE_ID=$TK_MESSAGE_ID_DUMP_SAVED" "MESSAGE_ID=$TK_MESSAGE_ID_DUMP_DMESG_ONLY"
     "MESSAGE_ID=$TK_MESSAGE_ID_CAPTURE_FAILED")
unit=tinykdump-report.service

records() { journalctl -q -o cat "${ids[@]}" | wc -l; }
busy() { systemctl list-units --no-legend --state=activating,active 'tinykdump-report*' | grep -q .; }
state_values() { # prefix
        tk-value "$1_records" "$(records)"
        tk-value "$1_state_bytes" "$(du -sb /var/lib/tinykdump/dumps | cut -f1)"
        tk-value "$1_dirs" "$(find /var/lib/tinykdump/dumps -mindepth 1 -maxdepth 1 -type d | wc -l)"
}
# The root file system's files with their mtime, ctime and size (the guest's clock may lag the
# image's time stamps, so a -newer marker proves nothing).
snapshot() { find / -xdev \( -path /var/lib/tinykdump -o -path /var/log/journal -o -path /var/lib/systemd \
        -o -path /var/tmp -o -path /tmp \) -prune -o -printf '%p %T@ %C@ %s\n' 2>/dev/null | sort; }

# The boot's reporting: until there are records and no reporter runs (the stick may appear late).
for _ in $(seq 300); do
        [[ $(records) -gt 0 ]] && ! busy && break
        sleep 1
done
sleep 2
state_values run1

# A second run (the deferred dumps), between two snapshots of the root file system.
snapshot >/run/tk-before
echo control >/etc/tk-written-control   # the control: a file written on purpose must show up
systemctl start "$unit"
state_values run2
start=$(systemctl show -P ExecMainStartTimestampMonotonic "$unit")
stop=$(systemctl show -P ExecMainExitTimestampMonotonic "$unit")
tk-value run2_result "$(systemctl show -P Result "$unit")"
tk-value run2_status "$(systemctl show -P ExecMainStatus "$unit")"
tk-value run2_ms $(( (stop - start) / 1000 ))
tk-value run2_memory_peak "$(journalctl -b -q -o cat -u "$unit" | sed -n 's/.*, \([0-9.]*[KMG]\) memory peak.*/\1/p' | tail -n 1)"
snapshot >/run/tk-after
rm -f /etc/tk-written-control
# A mount point (/run, /tmp, …) is listed with the times of the file system mounted on it, which
# are not the root file system's: left out.
diff /run/tk-before /run/tk-after | sed -n 's/^[<>] \([^ ]*\) .*/\1/p' | sort -u |
        while read -r p; do mountpoint -q "$p" || echo "$p"; done >"$TK_RESULTS/written.txt"
tk-value written_control "$(grep -cx /etc/tk-written-control "$TK_RESULTS/written.txt")"
tk-value written "$(grep -vx -e /etc/tk-written-control -e /etc "$TK_RESULTS/written.txt" | wc -l)"

# Nothing outside the stick was read: the symlinks point at /etc/machine-id and /etc/shadow.
canary=$(cat /etc/machine-id)
# (Only the records' own fields: every journal entry carries the machine ID in _MACHINE_ID=.)
leaks=$( { grep -rlF "$canary" /var/lib/tinykdump
           journalctl -q -o export "${ids[@]}" | grep -a -E '^(MESSAGE|TINYKDUMP_[A-Z_]+)=' | grep -F "$canary"; } 2>/dev/null | wc -l)
tk-value leaks "$leaks"
# The control: the same search finds the machine ID where it is (the trusted _MACHINE_ID= field).
tk-value leaks_control "$(journalctl -q -o export "${ids[@]}" | grep -c -F "$canary")"
# Forged "<0>" lines: nothing of tinykdump's at priority emerg, the forged text escaped.
tk-value emerg "$(journalctl -b -q -p emerg -o cat | grep -c FORGED)"
journalctl -b -q -o short-monotonic -u "$unit" | tail -n 200 >"$TK_RESULTS/report.log"
exit 0
