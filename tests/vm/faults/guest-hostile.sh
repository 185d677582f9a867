#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# The faults-hostile boot: a forged stick (label of the target, thousands of dump directories,
# FIFOs, symlinks out of the stick, oversized and forged metadata) was attached at boot. Results
# in $TK_RESULTS (see the test hook):
#   values    run1_result, run1_status, run1_ms, run1_records, run1_state_bytes, run1_dirs (the
#             boot-time tinykdump-report.service); run2_* the same for a second run started here;
#             leaks (files the leak canary was found in), emerg (forged lines at priority emerg),
#             written (files outside /var/lib/tinykdump changed by the second run)
#   written.txt, report.log    the changed files, the reporter's log
set -u
ids=("MESSAGE_ID=$TK_MESSAGE_ID_DUMP_SAVED" "MESSAGE_ID=$TK_MESSAGE_ID_DUMP_DMESG_ONLY"
     "MESSAGE_ID=$TK_MESSAGE_ID_CAPTURE_FAILED")
unit=tinykdump-report.service

finished() { [[ $(systemctl show -P ExecMainExitTimestampMonotonic "$unit") != 0 ]] && ! systemctl -q is-active "$unit"; }
run_values() { # prefix
        local start stop
        start=$(systemctl show -P ExecMainStartTimestampMonotonic "$unit")
        stop=$(systemctl show -P ExecMainExitTimestampMonotonic "$unit")
        tk-value "$1_result" "$(systemctl show -P Result "$unit")"
        tk-value "$1_status" "$(systemctl show -P ExecMainStatus "$unit")"
        tk-value "$1_ms" $(( (stop - start) / 1000 ))
        tk-value "$1_records" "$(journalctl -q -o cat "${ids[@]}" | wc -l)"
        tk-value "$1_state_bytes" "$(du -sb /var/lib/tinykdump | cut -f1)"
        tk-value "$1_dirs" "$(find /var/lib/tinykdump/dumps -mindepth 1 -maxdepth 1 -type d | wc -l)"
}

for _ in $(seq 300); do finished && break; sleep 1; done
run_values run1

# A second run (the deferred dumps), with a marker to find what it writes.
touch /run/tk-marker
sleep 1
systemctl start "$unit"
for _ in $(seq 300); do finished && break; sleep 1; done
run_values run2
# The control: a file this script writes after the marker must be found.
touch /etc/tk-written-control
find / -xdev -newer /run/tk-marker \( -path /var/lib/tinykdump -o -path /var/log/journal -o -path /var/lib/systemd \
        -o -path /var/tmp -o -path /tmp \) -prune -o -print 2>/dev/null >"$TK_RESULTS/written.txt"
rm -f /etc/tk-written-control
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
