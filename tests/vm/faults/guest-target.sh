#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# The faults-target boots (faults/case-target.sh): three crashes in a row on one root disk, each
# with its own USB stick labelled TKDUMP ([Target] What=LABEL=TKDUMP, FileSystemType=auto).
#   boot 1  stick A (vfat, nearly full) is attached: arm, crash.
#   boot 2  A again: wait for the record of crash 1; ask the host for stick B (console line
#           "tinykdump-test: swap the stick for B"; the host swaps A for B over QMP), arm on B
#           with [Dump] Level=0 and Compression=none (a long vmcore: the host removes B while it is
#           written), crash.
#   boot 3  B again: wait for the record of crash 2; arm on B (vfat, as blkid sees it: load
#           records TARGET_FSTYPE=vfat), ask for stick C (ext4, same label); with C attached, set
#           FileSystemType=vfat and load again (load-foreign.txt: a dry run; load-foreign.journal:
#           the load unit's journal of the real one), crash.
# Results in $TK_RESULTS (see the test hook): values (boot_id, loaded, records, fstype_armed,
# fstype_crash), record.export (every tinykdump record, export format), list.txt and info.txt,
# load-dry-run.txt (the dry run after each arm).
set -u
ids=("MESSAGE_ID=$TK_MESSAGE_ID_DUMP_SAVED" "MESSAGE_ID=$TK_MESSAGE_ID_DUMP_DMESG_ONLY"
     "MESSAGE_ID=$TK_MESSAGE_ID_CAPTURE_FAILED")
records() { journalctl -q -o cat "${ids[@]}" | wc -l; }
say() { echo "tinykdump-test: $*" >/dev/kmsg; }

# The stick attached at start may come late under TCG (udev loads usb-storage late on a busy host).
wait_stick() { # by-uuid name
        for _ in $(seq 240); do
                udevadm settle --timeout=5 2>/dev/null
                [[ -e /dev/disk/by-uuid/$1 && -e /dev/disk/by-label/TKDUMP ]] &&
                        [[ $(readlink -f /dev/disk/by-uuid/"$1") == $(readlink -f /dev/disk/by-label/TKDUMP) ]] && return 0
                sleep 1
        done
        echo "stick $1 did not appear as LABEL=TKDUMP" >&2
        ls -l /dev/disk/by-uuid /dev/disk/by-label >&2
        return 1
}

# The records of the crashes so far, and no reporter still reading the stick that goes next.
report() { # records expected
        for _ in $(seq 300); do
                [[ $(records) -ge $1 ]] && break
                sleep 1
        done
        for _ in $(seq 60); do
                [[ -z $(systemctl list-units --no-legend --state=activating,active 'tinykdump-report@*') ]] && break
                sleep 1
        done
        journalctl -q -o export "${ids[@]}" |
                grep -a -E '^(MESSAGE|MESSAGE_ID|PRIORITY|TINYKDUMP_[A-Z_]+)=|^$' | grep -v '^TINYKDUMP_DMESG_TAIL=' \
                >"$TK_RESULTS/record.export"
        tk-value records "$(records)"
        tinykdump list >"$TK_RESULTS/list.txt" 2>&1
        for id in $(tinykdump --json=short list 2>/dev/null | jq -r '.[].id'); do
                echo "== $id"
                tinykdump info "$id" 2>&1
        done >"$TK_RESULTS/info.txt"
}

arm() {
        # A changed tinykdump.conf.d starts tinykdump-rearm.service by its path unit: let it end
        # first, so that no re-arm runs after the stick was swapped.
        sleep 3
        for _ in $(seq 120); do
                systemctl -q is-active tinykdump-rearm.service || break
                sleep 1
        done
        systemctl restart tinykdump-load.service || { journalctl -b -o cat -u tinykdump-load.service >&2; return 1; }
        tk-value fstype_armed "$(blkid -o value -s TYPE /dev/disk/by-label/TKDUMP)"
        tinykdump load --dry-run >"$TK_RESULTS/load-dry-run.txt" 2>&1
}

crash() {
        local loaded
        loaded=$(cat /sys/kernel/kexec/crash_loaded 2>/dev/null || cat /sys/kernel/kexec_crash_loaded)
        tk-value loaded "$loaded"
        tk-value boot_id "$(tr -d '-' </proc/sys/kernel/random/boot_id)"
        tk-value fstype_crash "$(blkid -o value -s TYPE /dev/disk/by-label/TKDUMP)"
        tinykdump status --json=short >"$TK_RESULTS/status.json"
        [[ $loaded == 1 ]] || { tinykdump status; journalctl -b -o cat -u tinykdump-load.service; exit 1; }
        tk-results-done crashing
        echo c >/proc/sysrq-trigger
}

case $TK_BOOT in
1)
        wait_stick 7E57-D00A || exit 1
        arm || exit 1
        crash ;;
2)
        wait_stick 7E57-D00A || exit 1
        report 2
        say "swap the stick for B"
        wait_stick 7E57-D00B || exit 1
        mkdir -p /etc/tinykdump/tinykdump.conf.d
        printf '[Dump]\nLevel=0\nCompression=none\n' >/etc/tinykdump/tinykdump.conf.d/60-faults-target.conf
        arm || exit 1
        crash ;;
3)
        wait_stick 7E57-D00B || exit 1
        report 3
        rm -f /etc/tinykdump/tinykdump.conf.d/60-faults-target.conf
        arm || exit 1
        say "swap the stick for C"
        wait_stick 7e57d00d-7e57-4d00-8d00-7e57d00d000c || exit 1
        # At arm time: FileSystemType=vfat set while C (ext4) is attached; load warns, on the
        # terminal and in the load unit's journal, and arms (the capture mounts vfat, as before).
        printf '[Target]\nFileSystemType=vfat\n' >/etc/tinykdump/tinykdump.conf.d/60-faults-fstype.conf
        tinykdump load --dry-run >"$TK_RESULTS/load-foreign.txt" 2>&1
        sleep 3
        for _ in $(seq 120); do
                systemctl -q is-active tinykdump-rearm.service || break
                sleep 1
        done
        since=$(date '+%Y-%m-%d %H:%M:%S')
        systemctl restart tinykdump-load.service || { journalctl -b -o cat -u tinykdump-load.service >&2; exit 1; }
        # The unit's stderr reaches journald through a stream that may still hold the warning
        # when restart returns: sync (journald reads the streams first), and give it up to 30 s.
        for _ in $(seq 30); do
                journalctl --sync
                journalctl -q -o cat --since "$since" -u tinykdump-load.service >"$TK_RESULTS/load-foreign.journal"
                grep -q "FileSystemType=vfat, but" "$TK_RESULTS/load-foreign.journal" && break
                sleep 1
        done
        crash ;;
esac
exit 0
