#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# Boot 2 of the crash cycle, on the system that crashed: the dump must have been reported
# to the journal, listed by tinykdump, and tinykdump's own vmcore readers must agree with
# makedumpfile on the saved vmcore.
set -u
rc=0
fail() { echo "TK-FAIL $*"; rc=1; }

# The report service runs when the target appears; give it time on a slow TCG guest.
for i in $(seq 60); do
        journalctl -q -o cat MESSAGE_ID=@SAVED@ MESSAGE_ID=@DMESG_ONLY@ MESSAGE_ID=@FAILED@ | grep -q . && break
        sleep 2
done
echo "TK-MESSAGE-ID @SAVED@"
journalctl -q -o export MESSAGE_ID=@SAVED@ MESSAGE_ID=@DMESG_ONLY@ MESSAGE_ID=@FAILED@ |
        grep -a -E '^(MESSAGE|MESSAGE_ID|PRIORITY|TINYKDUMP_[A-Z_]+)=' | grep -v '^TINYKDUMP_DMESG_TAIL=' | sed 's/^/TK-FIELD /'
echo "TK-LIST-BEGIN"
tinykdump list
echo "TK-LIST-END rc=$?"
tinykdump --json=short list | jq -r '.[0] | "TK-VAL id=\(.id) result=\(.result)"' 2>/dev/null

id=$(tinykdump --json=short list | jq -r '.[0].id' 2>/dev/null)
if [[ -z $id || $id == null ]]; then
        fail "no dump listed"
        systemctl --no-pager -l status 'tinykdump-report*' 2>&1 | sed 's/^/TK-DEBUG /'
        journalctl -b --no-pager -o short-monotonic -u 'tinykdump-report*' 2>&1 | tail -n 40 | sed 's/^/TK-DEBUG /'
        ls -l /dev/disk/by-label/ 2>&1 | sed 's/^/TK-DEBUG /'
        exit 1
fi
tinykdump info "$id" | sed 's/^/TK-INFO /'

# The saved vmcore, through the record (tinykdump mounts the disk itself) and by path.
t0=$(date +%s%N)
tinykdump dmesg "$id" >/run/tk-dmesg.txt || fail "tinykdump dmesg $id failed"
t1=$(date +%s%N)
tinykdump uname "$id" >/run/tk-uname.txt || fail "tinykdump uname $id failed"
echo "TK-VAL dump_uname=$(cat /run/tk-uname.txt)"

mkdir -p /run/tk-target
mount -o ro LABEL=TKDUMP /run/tk-target || fail "cannot mount the target"
dir=$(ls -d /run/tk-target/tinykdump/*/ | head -n 1)
t2=$(date +%s%N)
makedumpfile --dump-dmesg "$dir/vmcore" /run/mdf-dmesg.txt >/dev/null 2>&1 || fail "makedumpfile --dump-dmesg failed"
t3=$(date +%s%N)
echo "TK-VAL time_tinykdump_dmesg_ms=$(( (t1 - t0) / 1000000 )) time_makedumpfile_dmesg_ms=$(( (t3 - t2) / 1000000 ))"
echo "TK-VAL dmesg_lines=$(wc -l </run/tk-dmesg.txt) makedumpfile_lines=$(wc -l </run/mdf-dmesg.txt)"
if cmp -s /run/tk-dmesg.txt /run/mdf-dmesg.txt; then
        echo "TK-VAL dmesg_identical=yes"
else
        echo "TK-VAL dmesg_identical=no"
        diff /run/mdf-dmesg.txt /run/tk-dmesg.txt | head -n 20 | sed 's/^/TK-DIFF /'
fi
umount /run/tk-target
exit $rc
