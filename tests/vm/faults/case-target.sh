# SPDX-License-Identifier: LGPL-2.1-or-later
# shellcheck shell=bash
#
# faults target: three dump targets that go wrong, crashed in a row on one root disk (sourced by
# faults/test after its common setup: $name, $kernel, $initrd, $append, the MESSAGE_IDs). Each crash
# is one QEMU run with --no-reboot (arm, crash, capture; the capture's reboot ends QEMU); the next
# boot reads the record of the crash before. Sticks, all labelled TKDUMP (What=LABEL=TKDUMP,
# FileSystemType=auto: load records the type blkid sees at arm time):
#   A  full   vfat, an earlier dump and a filler leave about 3.2 MB: room for dmesg.txt, the
#             metadata and capture.journal (up to 2 MiB), not for the vmcore's lower bound and
#             the 3 MiB kept beside it. The capture must not
#             try the vmcore (SPACE=insufficient, no makedumpfile run, the exact REASON=), keep
#             dmesg.txt, reboot; boot 2's record says there was no room; the earlier dump unchanged.
#   B  pulled vfat, 640 MiB; crash 2 dumps at [Dump] Level=0 Compression=none (the whole memory,
#             long enough) and the host removes the stick over QMP (device_del) when the capture
#             logs "saving vmcore". The capture must reboot within its deadline; dmesg.txt stays,
#             no metadata on the stick claims more than was saved; boot 3's record is what the
#             last metadata that reached the stick says.
#   C  foreign ext4 with the same label, swapped in over QMP after boot 3 armed on B (vfat): load,
#             run again with FileSystemType=vfat, must warn that C holds ext4; the
#             capture's mount with Type=vfat fails, it must reboot without writing a byte to C.
#             Nothing of crash 3 reaches any disk, so no record of it can exist on the next boot.
# Results: $TK_WORK/target/{1,2}/ (the dump directories read with mtools), the boots' results.

stick_a=$TK_WORK/stick-a.img stick_b=$TK_WORK/stick-b.img stick_c=$TK_WORK/stick-c.img
out=$TK_WORK/target
rm -rf "$out"
mkdir -p "$out/old" "$out/seed"
script=$TK_VM_DIR/faults/guest-target.sh

mb() { # bytes as tinykdump's format_bytes() writes them (src/basic/parse-util.c)
        awk -v b="$1" 'BEGIN {
                if (b < 1024) { printf "%dB", b; exit }
                u = "KMGTPE"; i = 1; d = 1024
                while (i < 6 && int(b / d) >= 1024) { d *= 1024; i++ }
                if (b % d == 0) printf "%d%s", b / d, substr(u, i, 1)
                else printf "%.1f%s", b / d, substr(u, i, 1) }'
}
free_bytes() { mdir -i "$1" ::/ | sed -n 's/^ *\([0-9 ]*\) bytes free.*/\1/p' | tr -d ' '; }
qmp() { tk_vm_qmp "$@" || tk_fail "QMP to $1 failed: $*"; }
# Swap the stick of VM $1 (device $2) for image $3 as device $4.
swap_stick() {
        qmp "$1" "{\"execute\":\"device_del\",\"arguments\":{\"id\":\"$2\"}}"
        sleep 2
        qmp "$1" "{\"execute\":\"blockdev-add\",\"arguments\":{\"node-name\":\"$4\",\"driver\":\"raw\",\"file\":{\"driver\":\"file\",\"filename\":\"$3\"}}}" \
                 "{\"execute\":\"device_add\",\"arguments\":{\"driver\":\"usb-storage\",\"id\":\"$4\",\"bus\":\"xhci.0\",\"drive\":\"$4\"}}"
        tk_log "$1: stick $2 removed, $(basename "$3") attached as $4"
}
# Boot N: start it with STICK, wait until its script has armed and is crashing.
start_boot() { # n stick [action-regex action...]
        tk_vm_start "boot$1" --kernel "$kernel" --initrd "$initrd" --disk "$disk" --usb "$2" --qmp --no-reboot \
                --script "$script" --env "$TK_JOURNAL_IDS" --append "$append"
}
armed() { # n
        tk_vm_wait_results "boot$1" "$1" 900 "armed, crashing" || tk_fail "boot $1 did not arm"
        [[ $(tk_vm_result "boot$1" "$1" status) == crashing ]] ||
                { tk_vm_show_results "boot$1" "$1"; tk_fail "boot $1 did not arm: status $(tk_vm_result "boot$1" "$1" status)"; }
}
# The capture of crash N ends in a reboot (QEMU ends: --no-reboot). Sets t_panic (SECONDS at the
# panic line) and prints panic→reboot.
t_panic=0
panic_seen() { # n
        tk_vm_wait "boot$1" "Kernel panic - not syncing" 300 "panic" || tk_fail "crash $1: no panic"
        t_panic=$SECONDS
}
rebooted() { # n what bound-seconds
        while tk_vm_running "boot$1"; do
                (( SECONDS - t_panic < $3 )) || { tk_vm_tail "boot$1"; tk_fail "crash $1 ($2): the capture did not reboot within $3 s of the panic"; }
                sleep 1
        done
        grep -a -q -E "reboot: Restarting system|reboot: machine restart" "$(tk_vm_console "boot$1")" ||
                { tk_vm_tail "boot$1"; tk_fail "crash $1 ($2): QEMU ended without a reboot"; }
        tk_log "crash $1 ($2): panic to reboot $((SECONDS - t_panic)) s (wall clock, load $(cut -d' ' -f1 /proc/loadavg))"
        echo "$((SECONDS - t_panic))" >"$out/panic-to-reboot-$1"
}
# The dump directory crash N left on vfat image IMG (the one not in EXCLUDE), its files in $out/N/.
read_dump() { # n img exclude
        local d f
        d=$(mdir -b -i "$2" ::/tinykdump | sed 's|^::/tinykdump/||; s|/$||' | grep -vx -e "$3" | head -n 1) || true
        [[ -n $d ]] || tk_fail "crash $1 left no dump directory on $(basename "$2")"
        mkdir -p "$out/$1"
        echo "$d" >"$out/$1/dirname"
        mdir -b -i "$2" "::/tinykdump/$d" | sed 's|.*/||' | sort >"$out/$1/listing"
        for f in $(cat "$out/$1/listing"); do mcopy -n -i "$2" "::/tinykdump/$d/$f" "$out/$1/$f" || tk_fail "crash $1: cannot read $d/$f"; done
        tk_log "crash $1: $d: $(for f in $(cat "$out/$1/listing"); do echo -n "$f ($(stat -c %s "$out/$1/$f") bytes) "; done)"
        [[ -e $out/$1/metadata ]] && sed "s/^/  metadata $1: /" "$out/$1/metadata" >&2
        return 0
}
md() { sed -n "s/^$2=//p" "$out/$1/metadata"; }
# The record of crash N in boot B's export, found by the crashed boot's ID; $out/record-N.
record() { # n boot
        local id
        id=$(tk_vm_value "boot$1" "$1" boot_id)
        awk -v RS= -v id="TINYKDUMP_CRASHED_BOOT_ID=$id" 'index($0, id) { print; exit }' \
                "$(tk_vm_result_path "boot$2" "$2" record.export)" >"$out/record-$1"
        [[ -s $out/record-$1 ]] || tk_fail "boot $2: no journal record of crash $1 (boot ID $id)"
        sed "s/^/  record $1: /" "$out/record-$1" >&2
}
# The record's MESSAGE ends with ": REASON." (src/report/record.c).
message_says() { # n reason
        awk -v want=": $2." 'index($0, "MESSAGE=") == 1 { m = $0 } END {
                exit !(length(m) > length(want) && substr(m, length(m) - length(want) + 1) == want) }' "$out/record-$1"
}

# ---- Stick A: an earlier dump, and a filler that leaves room for dmesg.txt (~64 KB), the metadata
# and capture.journal (up to 2 MiB), but less than the vmcore's lower bound plus the 3 MiB kept for
# the final metadata and capture.journal (about 4.2 MB for this guest's ~480 MiB of dumpable memory;
# src/save/space.h).
want_free=3200000
mkfs.vfat -C -n TKDUMP -i 7e57d00a "$stick_a" $((8 * 1024)) >/dev/null
old=2026-01-01T00-00-00-tkguest-7.2.0
printf 'TINYKDUMP_VERSION=0\nRESULT=dmesg-only\nREASON=an earlier crash\nKERNEL_RELEASE=7.2.0\nHOSTNAME=tkguest\nCRASH_TIME_USEC=1767225600000000\n' >"$out/seed/metadata"
for i in $(seq 200); do echo "[    0.$(printf %06d "$i")] earlier boot line $i"; done >"$out/seed/dmesg.txt"
mmd -i "$stick_a" ::/tinykdump "::/tinykdump/$old"
mcopy -i "$stick_a" "$out/seed/metadata" "$out/seed/dmesg.txt" "::/tinykdump/$old/"
head -c $(( $(free_bytes "$stick_a") - want_free )) /dev/urandom >"$out/seed/filler"
mcopy -i "$stick_a" "$out/seed/filler" ::/filler
free_a=$(free_bytes "$stick_a")
(( free_a > want_free - 65536 && free_a <= want_free )) || tk_fail "stick A has $free_a bytes free, expected about $want_free"
tk_log "stick A: 8 MiB vfat, earlier dump $old, filler $(stat -c %s "$out/seed/filler") bytes, $free_a bytes free"

# ---- Stick B: room for the whole memory, sparse on the host.
mkfs.vfat -C -n TKDUMP -i 7e57d00b "$stick_b" $((640 * 1024)) >/dev/null
# ---- Stick C: the right label, another file system; its checksum before anything saw it.
truncate -s 64M "$stick_c"
mkfs.ext4 -q -F -L TKDUMP -U 7e57d00d-7e57-4d00-8d00-7e57d00d000c "$stick_c"
sum_c=$(sha256sum <"$stick_c")

disk=$(tk_vm_guest_disk)

# ==== Crash 1: the target is full before the crash.
start_boot 1 "$stick_a"
armed 1
[[ $(tk_vm_value boot1 1 fstype_armed) == vfat ]] || tk_fail "boot 1 armed with fstype '$(tk_vm_value boot1 1 fstype_armed)'"
panic_seen 1
rebooted 1 full 900
read_dump 1 "$stick_a" "$old"
grep -qx dmesg.txt "$out/1/listing" || tk_fail "crash 1: no dmesg.txt"
grep -q "sysrq: Trigger a crash" "$out/1/dmesg.txt" || tk_fail "crash 1: dmesg.txt lacks the sysrq line"
grep -qx capture.journal "$out/1/listing" || tk_fail "crash 1: no capture.journal (the filler left room for it)"
! grep -q -x -e vmcore -e vmcore.incomplete "$out/1/listing" || tk_fail "crash 1: a vmcore file on a full target"
[[ $(md 1 RESULT) == dmesg-only ]] || tk_fail "crash 1: RESULT=$(md 1 RESULT), expected dmesg-only"
[[ $(md 1 SPACE) == insufficient ]] || tk_fail "crash 1: SPACE=$(md 1 SPACE), expected insufficient"
[[ $(md 1 DMESG_STATUS) == 0 ]] || tk_fail "crash 1: DMESG_STATUS=$(md 1 DMESG_STATUS)"
# makedumpfile never ran for the vmcore: no status, no time, no size.
! grep -q -E '^(MAKEDUMPFILE_STATUS|VMCORE_USEC|VMCORE_SIZE)=' "$out/1/metadata" ||
        tk_fail "crash 1: the metadata records a vmcore run: $(grep -E '^(MAKEDUMPFILE_STATUS|VMCORE_USEC|VMCORE_SIZE)=' "$out/1/metadata" | tr '\n' ' ')"
for k in TARGET_FREE VMCORE_ESTIMATE VMCORE_MINIMUM MEMORY_SIZE; do
        [[ $(md 1 "$k") =~ ^[0-9]+$ ]] || tk_fail "crash 1: $k=$(md 1 "$k")"
done
(( $(md 1 TARGET_FREE) < $(md 1 VMCORE_MINIMUM) + 3 * 1048576 )) || tk_fail "crash 1: TARGET_FREE=$(md 1 TARGET_FREE) leaves room for the lower bound"
(( $(md 1 TARGET_FREE) < free_a )) || tk_fail "crash 1: TARGET_FREE=$(md 1 TARGET_FREE), but $free_a were free before dmesg.txt"
reason1="vmcore not saved: the target has $(mb "$(md 1 TARGET_FREE)") free, a dump of $(mb "$(md 1 MEMORY_SIZE)") of memory at dump level $(md 1 DUMP_LEVEL) needs at least $(mb "$(md 1 VMCORE_MINIMUM)") (up to $(mb "$(md 1 VMCORE_ESTIMATE)")); vmcore not tried"
[[ $(md 1 REASON) == "$reason1" ]] || tk_fail "crash 1: REASON=$(md 1 REASON); expected $reason1"
mcopy -n -i "$stick_a" "::/tinykdump/$old/metadata" "::/tinykdump/$old/dmesg.txt" "$out/old/"
mcopy -n -i "$stick_a" ::/filler "$out/old/filler"
cmp -s "$out/seed/metadata" "$out/old/metadata" && cmp -s "$out/seed/dmesg.txt" "$out/old/dmesg.txt" &&
        cmp -s "$out/seed/filler" "$out/old/filler" || tk_fail "crash 1 changed the earlier dump $old or the filler"
[[ $(mdir -b -i "$stick_a" "::/tinykdump/$old" | wc -l) == 2 ]] || tk_fail "crash 1 added files to the earlier dump $old"

# ==== Crash 2: the stick is pulled while the vmcore is written. Boot 2 reads crash 1's record on A
# first, then asks for B.
start_boot 2 "$stick_a"
tk_vm_wait boot2 "tinykdump-test: swap the stick for B" 900 "boot 2 asks for stick B" || tk_fail "boot 2 did not ask for stick B"
swap_stick boot2 usbstick "$stick_b" stickb
armed 2
record 1 2
grep -qx "MESSAGE_ID=$TK_MESSAGE_ID_DUMP_DMESG_ONLY" "$out/record-1" || tk_fail "crash 1: not the DUMP_DMESG_ONLY record"
grep -qx "TINYKDUMP_SPACE=insufficient" "$out/record-1" || tk_fail "crash 1: no TINYKDUMP_SPACE=insufficient in the record"
message_says 1 "$reason1" || tk_fail "crash 1: the record's MESSAGE does not end with ': $reason1.'"
tk_vm_result boot2 2 info.txt | grep -q "Target space: insufficient" || tk_fail "tinykdump info does not show 'Target space: insufficient'"
[[ $(tk_vm_value boot2 2 records) == 2 ]] || tk_fail "boot 2: $(tk_vm_value boot2 2 records) records, expected 2 (the earlier dump and crash 1)"
[[ $(tk_vm_value boot2 2 fstype_armed) == vfat ]] || tk_fail "boot 2 armed on stick B with fstype '$(tk_vm_value boot2 2 fstype_armed)'"
panic_seen 2
# A console line triggers the action only; the verdict comes from the stick and the next boot.
tk_vm_wait boot2 "tinykdump-save.*saving vmcore \(dump level 0, none compression\)" 900 "the vmcore started" ||
        tk_fail "crash 2: the capture did not start the vmcore"
qmp boot2 '{"execute":"device_del","arguments":{"id":"stickb"}}'
t_pull=$SECONDS
tk_log "crash 2: stick B removed $((t_pull - t_panic)) s after the panic"
rebooted 2 pulled 1800
tk_log "crash 2: removal to reboot $((SECONDS - t_pull)) s"
fsck.vfat -n "$stick_b" >"$out/fsck-b.txt" 2>&1 || true
sed 's/^/  fsck.vfat -n B: /' "$out/fsck-b.txt" >&2
read_dump 2 "$stick_b" ""
grep -qx dmesg.txt "$out/2/listing" || tk_fail "crash 2: dmesg.txt, written before the removal, is gone"
grep -q "sysrq: Trigger a crash" "$out/2/dmesg.txt" || tk_fail "crash 2: dmesg.txt lacks the sysrq line"
! grep -qx vmcore "$out/2/listing" || tk_fail "crash 2: a vmcore, although the stick was pulled while it was written"
grep -qx metadata "$out/2/listing" || tk_fail "crash 2: no metadata (one is written durably before the vmcore)"
# The final metadata cannot reach a pulled stick: the last one that did is the one written durably
# before makedumpfile started, and it says so.
[[ $(md 2 RESULT) == dmesg-only ]] || tk_fail "crash 2: RESULT=$(md 2 RESULT), expected dmesg-only"
[[ $(md 2 REASON) == "interrupted while saving vmcore" ]] || tk_fail "crash 2: REASON=$(md 2 REASON)"

# ==== Crash 3: a foreign file system behind the right label. Boot 3 reads crash 2's record on B,
# arms on B, then gets C instead.
start_boot 3 "$stick_b"
tk_vm_wait boot3 "tinykdump-test: swap the stick for C" 900 "boot 3 asks for stick C" || tk_fail "boot 3 did not ask for stick C"
swap_stick boot3 usbstick "$stick_c" stickc
armed 3
record 2 3
grep -qx "MESSAGE_ID=$TK_MESSAGE_ID_DUMP_DMESG_ONLY" "$out/record-2" || tk_fail "crash 2: not the DUMP_DMESG_ONLY record"
message_says 2 "interrupted while saving vmcore" || tk_fail "crash 2: the record's MESSAGE does not say the vmcore was interrupted"
[[ $(tk_vm_value boot3 3 records) == 3 ]] || tk_fail "boot 3: $(tk_vm_value boot3 3 records) records, expected 3"
[[ $(tk_vm_value boot3 3 fstype_armed) == vfat ]] || tk_fail "boot 3 armed with fstype '$(tk_vm_value boot3 3 fstype_armed)', expected vfat"
[[ $(tk_vm_value boot3 3 fstype_crash) == ext4 ]] || tk_fail "boot 3 crashed with '$(tk_vm_value boot3 3 fstype_crash)' behind LABEL=TKDUMP, expected ext4"
# The arm-time check: with C attached and FileSystemType=vfat, load warns (dry run and the load
# unit's journal); the arm on B with auto did not (the control).
foreign="/etc/tinykdump/tinykdump.conf.d/60-faults-fstype.conf:2: [Target] FileSystemType=vfat, but the target LABEL=TKDUMP (/dev/disk/by-label/TKDUMP) holds ext4 now: the capture mounts only vfat and would save nothing to it."
tk_vm_result boot3 3 load-foreign.txt | grep -qF "$foreign" ||
        { tk_vm_result boot3 3 load-foreign.txt >&2; tk_fail "boot 3: load --dry-run did not warn: $foreign"; }
tk_vm_result boot3 3 load-foreign.journal | grep -qF "$foreign" ||
        { tk_vm_result boot3 3 load-foreign.journal >&2; tk_fail "boot 3: the load unit's journal lacks: $foreign"; }
! tk_vm_result boot3 3 load-dry-run.txt | grep -q "FileSystemType=.*holds" ||
        tk_fail "boot 3: load warned about the file system while B (vfat) was attached with FileSystemType=auto"
tk_log "boot 3: load warns at arm time: FileSystemType=vfat, C (ext4) attached"
panic_seen 3
rebooted 3 foreign 900
[[ $(sha256sum <"$stick_c") == "$sum_c" ]] || tk_fail "crash 3: the foreign ext4 stick C changed"
tk_log "crash 3: stick C (ext4, LABEL=TKDUMP) byte for byte unchanged"
tk_vm_stop boot3
tk_log "PASS: $name in $((SECONDS - TK_T0)) s"
exit 0
