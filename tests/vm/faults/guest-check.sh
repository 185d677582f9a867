#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# Boot 2 of a fault case, on the system that crashed: the outcome must have been reported to the
# journal. Results, as files in $TK_RESULTS (see the test hook):
#   values         key=value lines (tk-value): records, list_rc
#   record.export  every tinykdump record, journalctl -o export (MESSAGE*, PRIORITY, TINYKDUMP_*)
#   list.txt, info.txt   tinykdump list and info of each listed dump
set -u
ids=("MESSAGE_ID=$TK_MESSAGE_ID_DUMP_SAVED" "MESSAGE_ID=$TK_MESSAGE_ID_DUMP_DMESG_ONLY"
     "MESSAGE_ID=$TK_MESSAGE_ID_CAPTURE_FAILED")
# The target holds an earlier dump too: wait until both are reported.
for _ in $(seq 150); do
        [[ $(journalctl -q -o cat "${ids[@]}" | wc -l) -ge 2 ]] && break
        sleep 2
done
journalctl -q -o export "${ids[@]}" |
        grep -a -E '^(MESSAGE|MESSAGE_ID|PRIORITY|TINYKDUMP_[A-Z_]+)=|^$' | grep -v '^TINYKDUMP_DMESG_TAIL=' \
        >"$TK_RESULTS/record.export"
tk-value records "$(journalctl -q -o cat "${ids[@]}" | wc -l)"
tinykdump list >"$TK_RESULTS/list.txt" 2>&1
tk-value list_rc $?
for id in $(tinykdump --json=short list 2>/dev/null | jq -r '.[].id'); do
        echo "== $id"
        tinykdump info "$id" 2>&1
done >"$TK_RESULTS/info.txt"
exit 0
