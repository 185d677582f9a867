#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# The faults-makedumpfile boots: three crashes in a row whose makedumpfile misbehaves, through a test
# hook appended to the capture initrd (the product's image is not changed): a wrapper that the
# capture's tinykdump-save runs as its makedumpfile (--makedumpfile=, by a drop-in for
# tinykdump-save.service). The wrapper hands --dump-dmesg and -v to the real makedumpfile; the
# vmcore run
#   hang   sleeps (never writes): [Dump] TimeoutSec=10s must stop it;
#   kill   starts the real makedumpfile, lets it write for 2 s, then both die of SIGKILL (as the
#          OOM killer would do it);
#   panic  panics the capture kernel (a second panic, inside the capture system): the capture
#          kernel's own panic= must reboot it.
# Boot 1 arms with "hang" and crashes; boot 2 records what the journal says of crash 1, arms with
# "kill" and crashes; boot 3 records crash 2, arms with "panic" and crashes; boot 4 records what it
# says of all three. Results in $TK_RESULTS (see the test
# hook): values (loaded, boot_id, records), record.export (every tinykdump record, export format),
# list.txt and info.txt (tinykdump list and info), hook.txt (the hook's files as appended).
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

arm_with_hook() { # mode
        local mode=$1 release tree save
        release=$(uname -r)
        save=$(systemctl show -P ExecStart tinykdump-save.service | sed -n 's/.*path=\([^ ;]*\).*/\1/p')
        [[ -x $save ]] || save=/usr/libexec/tinykdump-save
        [[ -x $save ]] || { echo "no tinykdump-save" >&2; return 1; }
        tree=/run/tk-hook
        rm -rf "$tree"
        mkdir -p "$tree/usr/lib/tinykdump-test" "$tree/etc/systemd/system/tinykdump-save.service.d"
        cat >"$tree/usr/lib/tinykdump-test/makedumpfile" <<EOF
#!/bin/sh
# faults-makedumpfile test hook, mode $mode
for m in /usr/sbin/makedumpfile /usr/bin/makedumpfile; do [ -x "\$m" ] && break; done
for a in "\$@"; do
        case \$a in --dump-dmesg|-v|--version) exec "\$m" "\$@" ;; esac
done
echo "test hook: makedumpfile $mode" >&2
# The capture image keeps no coreutils (mkosi.finalize.d/10-prune), only busybox.
sleep=sleep
command -v sleep >/dev/null || sleep="busybox sleep"
case $mode in
hang) exec \$sleep infinity ;;
kill) "\$m" "\$@" & \$sleep 2; kill -KILL \$! ; kill -KILL \$\$ ;;
panic) echo c >/proc/sysrq-trigger ;;
esac
EOF
        chmod 0755 "$tree/usr/lib/tinykdump-test/makedumpfile"
        printf '[Service]\nExecStart=\nExecStart=%s --makedumpfile=/usr/lib/tinykdump-test/makedumpfile\n' "$save" \
                >"$tree/etc/systemd/system/tinykdump-save.service.d/50-test-hook.conf"
        (cd "$tree" && find . -mindepth 1 | sed 's|^\./||' | sort | cpio -o -H newc -R 0:0 --quiet) >/run/tk-hook.cpio
        (cd "$tree" && find . -type f -printf '%p\n' -exec cat {} \;) >"$TK_RESULTS/hook.txt"
        mkdir -p /var/lib/tinykdump-test
        local img=/var/lib/tinykdump-test/initrd-hook.img
        cp "/var/lib/tinykdump/capture/$release/initrd.img" "$img"
        # The kernel unpacks concatenated archives; the appended one starts 4-byte aligned.
        truncate -s $(( ($(stat -c %s "$img") + 3) / 4 * 4 )) "$img"
        cat /run/tk-hook.cpio >>"$img"
        mkdir -p /etc/tinykdump/tinykdump.conf.d
        printf '[Capture]\nInitrd=%s\n\n[Dump]\nTimeoutSec=10s\n' "$img" >/etc/tinykdump/tinykdump.conf.d/50-test-hook.conf
        systemctl restart tinykdump-load.service || { journalctl -b -o cat -u tinykdump-load.service >&2; return 1; }
}

crash() {
        local loaded
        loaded=$(cat /sys/kernel/kexec/crash_loaded 2>/dev/null || cat /sys/kernel/kexec_crash_loaded)
        tk-value loaded "$loaded"
        tk-value boot_id "$(tr -d '-' </proc/sys/kernel/random/boot_id)"
        tinykdump status --json=short >"$TK_RESULTS/status.json"
        [[ $loaded == 1 ]] || { tinykdump status; journalctl -b -o cat -u tinykdump-load.service; exit 1; }
        tk-results-done crashing
        echo c >/proc/sysrq-trigger
}

case $TK_BOOT in
1) arm_with_hook hang || exit 1; crash ;;
2) report 1; arm_with_hook kill || exit 1; crash ;;
3) report 2; arm_with_hook panic || exit 1; crash ;;
4) report 3 ;;
esac
exit 0
