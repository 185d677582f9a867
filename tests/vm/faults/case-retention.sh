# SPDX-License-Identifier: LGPL-2.1-or-later
# shellcheck shell=bash
# faults retention: sourced by faults/test. One crash on a 96 MiB vfat target that holds three
# earlier dumps (written here with mtools):
#   A 2026-01-01T00-00-00-tkguest-7.2.0  complete, 40 MiB vmcore, reported on boot 1
#   B 2026-01-02T00-00-00-tkguest-7.2.0  complete, 16 MiB vmcore, put into the dump directory after
#                                         boot 1's report (from a staging directory on the stick):
#                                         never reported
#   C 2026-01-03T00-00-00-tkguest-7.2.0  dmesg-only, reported on boot 1, the newest
# Boot 1 sets [Target] KeepFree=64M, loads again and crashes. About 38 MiB are free, less than
# KeepFree=, so the capture must delete exactly A (the only complete, reported dump that is not the
# newest), keep B and C byte for byte, and save the new dump complete in the room A left; its
# metadata names A in RETENTION_DELETED= with the bytes freed, and boot 2's journal record and
# `tinykdump info` say so.

usb=$TK_WORK/usb.img
tk_vm_usb_disk "$usb" vfat 96
A=2026-01-01T00-00-00-tkguest-7.2.0
B=2026-01-02T00-00-00-tkguest-7.2.0
C=2026-01-03T00-00-00-tkguest-7.2.0
seed=$TK_WORK/seed
out=$TK_WORK/target
rm -rf "$seed" "$out"
mkdir -p "$seed/$A" "$seed/$B" "$seed/$C" "$out"
# metadata DIR RESULT USEC REASON
seed_md() {
        { printf 'TINYKDUMP_VERSION=0\nRESULT=%s\n' "$2"
          [[ -z $4 ]] || printf 'REASON=%s\n' "$4"
          printf 'KERNEL_RELEASE=7.2.0\nHOSTNAME=tkguest\nCRASH_TIME_USEC=%s\nDIRECTORY=%s\n' "$3" "$1"
        } >"$seed/$1/metadata"
        for i in $(seq 50); do echo "[    0.$(printf %06d "$i")] $1 boot line $i"; done >"$seed/$1/dmesg.txt"
}
seed_md "$A" complete 1767225600000000 ""
seed_md "$B" complete 1767312000000000 ""
seed_md "$C" dmesg-only 1767398400000000 "vmcore not saved: an earlier test"
head -c $((40 * 1024 * 1024)) /dev/urandom >"$seed/$A/vmcore"
head -c $((16 * 1024 * 1024)) /dev/urandom >"$seed/$B/vmcore"
mmd -i "$usb" ::/tinykdump "::/tinykdump/$A" "::/tinykdump/$C" ::/staging "::/staging/$B"
mcopy -i "$usb" "$seed/$A/metadata" "$seed/$A/dmesg.txt" "$seed/$A/vmcore" "::/tinykdump/$A/"
mcopy -i "$usb" "$seed/$C/metadata" "$seed/$C/dmesg.txt" "::/tinykdump/$C/"
mcopy -i "$usb" "$seed/$B/metadata" "$seed/$B/dmesg.txt" "$seed/$B/vmcore" "::/staging/$B/"
free_bytes() { mdir -i "$usb" ::/ | sed -n 's/^ *\([0-9 ]*\) bytes free.*/\1/p' | tr -d ' '; }
free_before=$(free_bytes)
tk_log "target: 96 MiB vfat, $free_before bytes free; A=$A (complete), B=$B (complete, staged), C=$C (dmesg-only)"

disk=$(tk_vm_guest_disk)
script=$TK_VM_DIR/faults/guest-retention.sh
tk_vm_start boot1 --kernel "$kernel" --initrd "$initrd" --disk "$disk" --usb "$usb" --no-reboot \
        --script "$script" --env "$TK_JOURNAL_IDS" --append "$append"
tk_vm_wait_results boot1 1 900 "reported, armed with KeepFree=64M, crashing" || tk_fail "boot 1 did not arm"
[[ $(tk_vm_result boot1 1 status) == crashing ]] || { tk_vm_show_results boot1 1; tk_fail "boot 1 did not arm"; }
[[ $(tk_vm_value boot1 1 unreported) == "$B" ]] || tk_fail "boot 1 did not move $B into the dump directory"
# What the loader carried into the capture image: the limit and the two reported dumps, not B.
cc=$(tk_vm_result_path boot1 1 capture.conf)
sed -n 's/^\(RETENTION_.*\)/  capture.conf: \1/p' "$cc" >&2
grep -qx "RETENTION_KEEP_FREE=67108864" "$cc" || tk_fail "capture.conf lacks RETENTION_KEEP_FREE=67108864"
grep -qx "RETENTION_REPORTED=7e57d00d/$A" "$cc" || tk_fail "capture.conf does not name $A as reported"
grep -qx "RETENTION_REPORTED=7e57d00d/$C" "$cc" || tk_fail "capture.conf does not name $C as reported"
! grep -q "RETENTION_REPORTED=.*$B" "$cc" || tk_fail "capture.conf names the unreported $B as reported"
t=$SECONDS
while tk_vm_running boot1; do
        (( SECONDS - t < 1200 )) || { tk_vm_tail boot1; tk_fail "the capture did not reboot"; }
        sleep 2
done
grep -a -q -E "reboot: Restarting system|reboot: machine restart" "$(tk_vm_console boot1)" ||
        { tk_vm_tail boot1; tk_fail "QEMU ended without a reboot"; }
tk_log "crashing to reboot $((SECONDS - t)) s (wall clock, load $(cut -d' ' -f1 /proc/loadavg))"

# The target, read without mounting it.
mdir -b -i "$usb" ::/tinykdump | sed 's|^::/tinykdump/||; s|/$||' | sort >"$out/dirs"
sed 's/^/  target: /' "$out/dirs" >&2
! grep -qx "$A" "$out/dirs" || tk_fail "the oldest complete reported dump $A is still there"
grep -qx "$B" "$out/dirs" || tk_fail "the unreported dump $B was deleted"
grep -qx "$C" "$out/dirs" || tk_fail "the dmesg-only dump $C was deleted"
! grep -q '^\.' "$out/dirs" || tk_fail "a hidden leftover of the deletion is on the target"
new=$(grep -vx -e "$B" -e "$C" "$out/dirs" | head -n 1)
[[ -n $new && $(wc -l <"$out/dirs") == 3 ]] || tk_fail "expected B, C and one new dump directory"
for d in "$B" "$C"; do
        mdir -b -i "$usb" "::/tinykdump/$d" | sed 's|.*/||' | sort >"$out/$d.listing"
        (cd "$seed/$d" && ls | sort) | cmp -s - "$out/$d.listing" || tk_fail "the files of $d changed: $(tr '\n' ' ' <"$out/$d.listing")"
        for f in $(cat "$out/$d.listing"); do
                mcopy -n -i "$usb" "::/tinykdump/$d/$f" "$out/again" && cmp -s "$out/again" "$seed/$d/$f" ||
                        tk_fail "$d/$f changed"
        done
done
mkdir -p "$out/new"
mdir -b -i "$usb" "::/tinykdump/$new" | sed 's|.*/||' | sort >"$out/new/listing"
tk_log "new dump $new: $(tr '\n' ' ' <"$out/new/listing")"
mcopy -n -i "$usb" "::/tinykdump/$new/metadata" "$out/new/metadata" || tk_fail "no metadata in $new"
sed 's/^/  metadata: /' "$out/new/metadata" >&2
md() { sed -n "s/^$1=//p" "$out/new/metadata"; }
[[ $(md RESULT) == complete ]] || tk_fail "RESULT=$(md RESULT), expected complete"
grep -qx vmcore "$out/new/listing" || tk_fail "no vmcore in $new"
[[ $(md RETENTION_DELETED) == "$A" ]] || tk_fail "RETENTION_DELETED=$(md RETENTION_DELETED), expected $A"
freed=$(md RETENTION_FREED)
(( freed >= 40 * 1024 * 1024 && freed < 41 * 1024 * 1024 )) || tk_fail "RETENTION_FREED=$freed, expected A's 40 MiB and a bit"
# The room A left counted in the space check: more free than before the crash.
(( $(md TARGET_FREE) > free_before + 30 * 1024 * 1024 )) ||
        tk_fail "TARGET_FREE=$(md TARGET_FREE) does not count A's room ($free_before free before the crash)"
tk_log "deleted $A: $freed bytes freed; TARGET_FREE=$(md TARGET_FREE) (before the crash: $free_before); vmcore $(md VMCORE_SIZE) bytes"

# Boot 2: the records of B and of the new dump; the new one says what went.
tk_vm_start boot2 --kernel "$kernel" --initrd "$initrd" --disk "$disk" --usb "$usb" --no-reboot \
        --script "$script" --env "$TK_JOURNAL_IDS" --append "$append"
tk_vm_hook_result boot2 2 900 || tk_fail "boot 2 checks failed"
[[ $(tk_vm_value boot2 2 records) == 4 ]] || tk_fail "boot 2: $(tk_vm_value boot2 2 records) records, expected 4 (A, B, C, new)"
boot_id=$(tk_vm_value boot1 1 boot_id)
record=$out/record
awk -v RS= -v id="TINYKDUMP_CRASHED_BOOT_ID=$boot_id" 'index($0, id) { print; exit }' \
        "$(tk_vm_result_path boot2 2 record.export)" >"$record"
sed 's/^/  record: /' "$record" >&2
[[ -s $record ]] || tk_fail "no journal record of the crash (boot ID $boot_id)"
grep -qx "MESSAGE_ID=$TK_MESSAGE_ID_DUMP_SAVED" "$record" || tk_fail "the record is not the DUMP_SAVED one"
grep -qx "TINYKDUMP_RETENTION_DELETED=$A" "$record" || tk_fail "the record lacks TINYKDUMP_RETENTION_DELETED=$A"
grep -qx "TINYKDUMP_RETENTION_FREED=$freed" "$record" || tk_fail "the record lacks TINYKDUMP_RETENTION_FREED=$freed"
tk_vm_result boot2 2 info.txt | grep -q "Retention: deleted 1 older dump (.*): $A" ||
        tk_fail "tinykdump info does not show 'Retention: deleted 1 older dump (…): $A'"
tk_vm_stop boot2
tk_log "PASS: $name in $((SECONDS - TK_T0)) s"
exit 0
