#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# Boot 2 of the crash cycle, on the system that crashed: the dump must have been reported
# to the journal, listed by tinykdump, and tinykdump's own vmcore readers must agree with
# makedumpfile on the saved vmcore. The MESSAGE_IDs come from the host's journal-ids.env
# (the hook's environment). Results, as files in $TK_RESULTS (see the test hook):
#   values         key=value lines (tk-value)
#   record.export  the journal record(s), journalctl -o export (MESSAGE*, PRIORITY, TINYKDUMP_*)
#   list.txt, list.json, info.txt   tinykdump list, --json=short list, info <id>
#   tk-dmesg.txt, mdf-dmesg.txt, dmesg.diff   tinykdump dmesg and makedumpfile --dump-dmesg
#   debug.txt      the report service's state, when no dump is listed
set -u
rc=0
fail() { echo "FAIL: $*"; tk-value fail "$*"; rc=1; }
ids=("MESSAGE_ID=$TK_MESSAGE_ID_DUMP_SAVED" "MESSAGE_ID=$TK_MESSAGE_ID_DUMP_DMESG_ONLY"
     "MESSAGE_ID=$TK_MESSAGE_ID_CAPTURE_FAILED")

# The report service runs when the target appears; give it up to 300 s on a slow TCG guest.
for _ in $(seq 150); do
        journalctl -q -o cat "${ids[@]}" | grep -q . && break
        sleep 2
done
journalctl -q -o export "${ids[@]}" |
        grep -a -E '^(MESSAGE|MESSAGE_ID|PRIORITY|TINYKDUMP_[A-Z_]+)=' | grep -v '^TINYKDUMP_DMESG_TAIL=' \
        >"$TK_RESULTS/record.export"
tinykdump list >"$TK_RESULTS/list.txt" 2>&1
tk-value list_rc $?
tinykdump --json=short list >"$TK_RESULTS/list.json" 2>/dev/null
id=$(jq -r '.[0].id' "$TK_RESULTS/list.json" 2>/dev/null)
tk-value id "$id"
tk-value result "$(jq -r '.[0].result' "$TK_RESULTS/list.json" 2>/dev/null)"
if [[ -z $id || $id == null ]]; then
        fail "no dump listed"
        {
                systemctl --no-pager -l status 'tinykdump-report*'
                journalctl -b --no-pager -o short-monotonic -u 'tinykdump-report*' | tail -n 40
                ls -l /dev/disk/by-label/
        } >"$TK_RESULTS/debug.txt" 2>&1
        exit 1
fi
tinykdump info "$id" >"$TK_RESULTS/info.txt" 2>&1

# The saved vmcore, through the record (tinykdump mounts the disk itself) and by path.
t0=$(date +%s%N)
tinykdump dmesg "$id" >"$TK_RESULTS/tk-dmesg.txt" || fail "tinykdump dmesg $id failed"
t1=$(date +%s%N)
if uname=$(tinykdump uname "$id"); then
        tk-value dump_uname "$uname"
else
        fail "tinykdump uname $id failed"
fi

mkdir -p /run/tk-target
mount -o ro LABEL=TKDUMP /run/tk-target || fail "cannot mount the target"
dirs=(/run/tk-target/tinykdump/*/)
dir=${dirs[0]}
t2=$(date +%s%N)
makedumpfile --dump-dmesg "$dir/vmcore" "$TK_RESULTS/mdf-dmesg.txt" >/dev/null 2>&1 || fail "makedumpfile --dump-dmesg failed"
t3=$(date +%s%N)
tk-value time_tinykdump_dmesg_ms $(( (t1 - t0) / 1000000 ))
tk-value time_makedumpfile_dmesg_ms $(( (t3 - t2) / 1000000 ))
tk-value dmesg_lines "$(wc -l <"$TK_RESULTS/tk-dmesg.txt")"
tk-value makedumpfile_lines "$(wc -l <"$TK_RESULTS/mdf-dmesg.txt")"
if cmp -s "$TK_RESULTS/tk-dmesg.txt" "$TK_RESULTS/mdf-dmesg.txt"; then
        tk-value dmesg_identical yes
else
        tk-value dmesg_identical no
        diff "$TK_RESULTS/mdf-dmesg.txt" "$TK_RESULTS/tk-dmesg.txt" | head -n 40 >"$TK_RESULTS/dmesg.diff"
fi
umount /run/tk-target
exit $rc
