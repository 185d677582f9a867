# SPDX-License-Identifier: LGPL-2.1-or-later
# shellcheck shell=bash
# The start of every newuser guest script (the host puts it in front of guest-bootN.sh and
# replaces that script's "@README@" line with the README's commands of that boot, each as
# `readme 'COMMAND'`). Results as files in $TK_RESULTS (see tests/vm/README.md):
#   readme-N.cmd, readme-N.txt   the README's Nth command of this boot and its output
#   values                       readme_N_status=…, and what each script records
set -u
rc=0
n=0
fail() { echo "FAIL: $*"; tk-value fail "$*"; rc=1; }
# readme COMMAND: run it as the README has it (bash -c), keep its output and exit status.
readme() {
        n=$((n + 1))
        printf '%s\n' "$1" >"$TK_RESULTS/readme-$n.cmd"
        bash -c "$1" >"$TK_RESULTS/readme-$n.txt" 2>&1
        local s=$?
        tk-value "readme_${n}_status" "$s"
        [[ $s == 0 ]] || fail "README command '$1' exited $s"
        return "$s"
}
loaded() { cat /sys/kernel/kexec/crash_loaded 2>/dev/null || echo missing; }
# tinykdump-load.service is WantedBy=sysinit.target, not ordered before multi-user.target,
# which the test hook runs after: wait (at most 300 s) until its start job is over.
load_settled() {
        local i state
        for i in $(seq 300); do
                state=$(systemctl show -P ActiveState tinykdump-load.service 2>/dev/null)
                [[ $state == activating ]] || { tk-value load_wait_s "$i"; return 0; }
                sleep 1
        done
        fail "tinykdump-load.service still activating after 300 s"
}
tk-value boot_id "$(tr -d '-' </proc/sys/kernel/random/boot_id)"
cat /proc/cmdline >"$TK_RESULTS/proc-cmdline"
