#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# Guest side of the secrets scenario, one script for its three boots (the test hook numbers
# them on the root disk):
#   boot 1  erase on (the shipped default): plant the canaries, arm, crash
#   boot 2  [Erase] Enable=no (a drop-in): plant new canaries, arm, crash
#   boot 3  the other kernel, erase on: plant, arm, record which rules resolve; no crash
# plant-secrets comes base64-encoded in the hook's environment ($TK_PLANT_SECRETS). It runs
# before tinykdump-load.service is restarted (the arming), so dm_mod and dm_crypt are loaded and
# the dm-crypt rules resolve.
# Results in $TK_RESULTS: canaries, plant.log, holders.txt (keys, mapping, modules), crypto.txt
# (/proc/crypto), load.log, status.txt, status.json, erase.plan,
# values (variant, kernel, load_rc, loaded, plan_size, plan_rules).
set -u
# The drop-in below would make tinykdump-rearm.path reload in the background, possibly before
# the mapping exists; this script loads itself, after planting.
systemctl stop tinykdump-rearm.path
dropin=/etc/tinykdump/tinykdump.conf.d/90-secrets-no-erase.conf
case $TK_BOOT in
1) variant=erase ;;
2) variant=no-erase ;;
*) variant=status ;;
esac
tk-value variant "$variant"
tk-value kernel "$(uname -r)"
if [[ $variant == no-erase ]]; then
        printf '[Erase]\nEnable=no\n' >"$dropin"
else
        rm -f "$dropin"
fi

base64 -d <<<"${TK_PLANT_SECRETS:?no plant-secrets in the environment}" >/run/plant-secrets
chmod 0755 /run/plant-secrets
/run/plant-secrets "$TK_RESULTS/canaries" >"$TK_RESULTS/plant.log" 2>&1 || {
        echo "plant-secrets failed:"
        cat "$TK_RESULTS/plant.log"
        exit 1
}

# What holds the canaries, so that a check that fails on the host explains itself: the keys
# (keyctl), the mapping (dmsetup table without the key, status, the loop device) and the cipher
# implementations the kernel chose for it (/proc/crypto: xts(aes) by AES-NI or the generic
# template, which the dm-crypt-cipher rules depend on).
{
        keyctl show @u
        echo
        dmsetup ls
        dmsetup table --showkeys | sed 's/ [0-9a-f]\{128\} / <key> /'
        dmsetup status
        dmsetup info tkcanary
        losetup -a
        echo
        lsmod | grep -E '^(dm_crypt|dm_mod|xts|aesni_intel|aes_generic|cryptd|loop) ' || true
} >"$TK_RESULTS/holders.txt" 2>&1
cp /proc/crypto "$TK_RESULTS/crypto.txt"

# Armed the way a machine is: by tinykdump-load.service, in its sandbox (which must let it read
# /proc/kallsyms, or no erase rule resolves). Its journal, the boot's arming included, is load.log.
systemctl restart tinykdump-load.service
tk-value load_rc $?
journalctl --sync
journalctl -b -o short-monotonic -u tinykdump-load.service >"$TK_RESULTS/load.log" 2>&1
tinykdump status >"$TK_RESULTS/status.txt" 2>&1
tinykdump --json=short status >"$TK_RESULTS/status.json" 2>/dev/null
plan=/run/tinykdump/erase.plan
if [[ -e $plan ]]; then
        cp "$plan" "$TK_RESULTS/erase.plan"
        tk-value plan_size "$(stat -c %s "$plan")"
else
        tk-value plan_size 0
fi
loaded=$(cat /sys/kernel/kexec/crash_loaded 2>/dev/null || cat /sys/kernel/kexec_crash_loaded)
tk-value loaded "$loaded"
[[ $loaded == 1 ]] || { cat "$TK_RESULTS/load.log"; exit 1; }
[[ $variant == status ]] && exit 0

tk-results-done crashing
echo c >/proc/sysrq-trigger
