#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# The faults-retention boots ([Target] KeepFree=, tinykdump-save.service(8) RETENTION).
# Boot 1: the boot-time reporter reports the two dumps the host put on the stick (the oldest,
# complete; the newest, dmesg-only). Then, after that report, a third dump (complete) appears in
# the dump directory: it is moved there from a staging directory on the same stick, so the host
# never reported it. [Target] KeepFree=64M is configured, the capture kernel loaded again (its
# capture.conf now names the two reported dumps) and the kernel crashed.
# Boot 2: the reporter reports the unreported dump and the new one; the records and tinykdump info.
# Results in $TK_RESULTS (see the test hook): values (loaded, boot_id, records), capture.conf (from
# the loaded overlay), state.txt (the host's reported dumps), record.export, list.txt, info.txt.
set -u
ids=("MESSAGE_ID=$TK_MESSAGE_ID_DUMP_SAVED" "MESSAGE_ID=$TK_MESSAGE_ID_DUMP_DMESG_ONLY"
     "MESSAGE_ID=$TK_MESSAGE_ID_CAPTURE_FAILED")
records() { journalctl -q -o cat "${ids[@]}" | wc -l; }

report() { # the records expected so far
        for _ in $(seq 300); do
                [[ $(records) -ge $1 ]] && break
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

# The unreported dump onto the stick: moved within it (a rename), after the report.
add_unreported() {
        local m=/run/tk-stick d
        udevadm settle --timeout=60 2>/dev/null
        mkdir -p "$m"
        # The reporter set the device read-only (BLKROSET) before it looked at the stick.
        blockdev --setrw "$(readlink -f /dev/disk/by-label/TKDUMP)" || return 1
        mount -t vfat /dev/disk/by-label/TKDUMP "$m" || return 1
        for d in "$m"/staging/*; do
                mv "$d" "$m/tinykdump/" || { umount "$m"; return 1; }
                tk-value unreported "$(basename "$d")"
        done
        rmdir "$m/staging"
        umount "$m"
}

arm() {
        mkdir -p /etc/tinykdump/tinykdump.conf.d
        printf '[Target]\nKeepFree=64M\n' >/etc/tinykdump/tinykdump.conf.d/50-retention.conf
        # The path unit re-arms on the change; wait for that, then load once more ourselves.
        sleep 2
        for _ in $(seq 120); do
                systemctl -q is-active tinykdump-rearm.service || break
                sleep 1
        done
        systemctl restart tinykdump-load.service || { journalctl -b -o cat -u tinykdump-load.service >&2; return 1; }
        cpio -i --quiet --to-stdout etc/tinykdump/capture.conf </run/tinykdump/loaded-overlay.cpio \
                >"$TK_RESULTS/capture.conf"
        for s in /var/lib/tinykdump/dumps/*/source; do sed -n 's/^NAME=//p' "$s"; done | sort >"$TK_RESULTS/state.txt"
}

crash() {
        local loaded
        loaded=$(cat /sys/kernel/kexec/crash_loaded 2>/dev/null || cat /sys/kernel/kexec_crash_loaded)
        tk-value loaded "$loaded"
        tk-value boot_id "$(tr -d '-' </proc/sys/kernel/random/boot_id)"
        [[ $loaded == 1 ]] || { tinykdump status; journalctl -b -o cat -u tinykdump-load.service; exit 1; }
        tk-results-done crashing
        echo c >/proc/sysrq-trigger
}

case $TK_BOOT in
1) report 2; add_unreported || exit 1; arm || exit 1; crash ;;
2) report 4 ;;
esac
exit 0
