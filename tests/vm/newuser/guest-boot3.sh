# SPDX-License-Identifier: LGPL-2.1-or-later
# Boot 3 (after tests/vm/newuser/guest-lib.sh): after the test crash and its capture. The
# report service puts the dump into the journal as a test; the README's last commands run;
# then "systemctl disable --now tinykdump-load.service" must disarm. Results besides the
# README's: record.export (the journal record), list.json, marker_after, and the state
# after disabling. Last, beyond the README: arm from the real UKI that prepare built
# (tinykdump-build-image --uki into /var/lib/tinykdump/uki) with Image= and crash (status
# "crashing"); the host checks the second dump on the USB disk.
ids=("MESSAGE_ID=$TK_MESSAGE_ID_DUMP_SAVED" "MESSAGE_ID=$TK_MESSAGE_ID_DUMP_DMESG_ONLY"
     "MESSAGE_ID=$TK_MESSAGE_ID_CAPTURE_FAILED")
for _ in $(seq 150); do
        journalctl -q -o cat "${ids[@]}" | grep -q . && break
        sleep 2
done
journalctl -q -o export "${ids[@]}" |
        grep -a -E '^(MESSAGE|MESSAGE_ID|PRIORITY|TINYKDUMP_[A-Z_]+)=' | grep -v '^TINYKDUMP_DMESG_TAIL=' \
        >"$TK_RESULTS/record.export"
journalctl -b --no-pager -o short-monotonic -u 'tinykdump-report*' >"$TK_RESULTS/report-journal.txt" 2>&1
tk-value marker_after "$([[ -e /var/lib/tinykdump/test-pending ]] && echo present || echo absent)"
load_settled
tk-value loaded "$(loaded)"
@README@
tinykdump --json=short list >"$TK_RESULTS/list.json" 2>&1
systemctl disable --now tinykdump-load.service >"$TK_RESULTS/disable.txt" 2>&1
tk-value disable_status $?
tk-value loaded_after_disable "$(loaded)"
tk-value enabled_after_disable "$(systemctl is-enabled tinykdump-load.service 2>&1)"
tinykdump status >"$TK_RESULTS/status-after-disable.txt" 2>&1
tk-value status_after_disable $?
[[ $rc == 0 ]] || exit $rc

uki=/var/lib/tinykdump/uki/$(uname -r)/capture.efi
tk-value uki_size "$(stat -c %s "$uki" 2>&1)"
printf '[Capture]\nImage=/var/lib/tinykdump/uki/%%r/capture.efi\n' >/etc/tinykdump/tinykdump.conf.d/60-uki.conf
tinykdump load >"$TK_RESULTS/uki-load.txt" 2>&1
tk-value uki_load_status $?
tk-value uki_loaded "$(loaded)"
tinykdump --json=short status >"$TK_RESULTS/uki-status.json" 2>&1
[[ $(loaded) == 1 ]] || { fail "not armed from the UKI $uki"; exit 1; }
tk-results-done crashing
echo c >/proc/sysrq-trigger
