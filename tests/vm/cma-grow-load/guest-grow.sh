#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# cma-grow-load, boot 2: the sid guest on the patched kernel with only crashkernel=256M,cma.
# tinykdump-load.service failed at boot (no capture kernel for this release yet). Checks,
# writing results for the host as files in $TK_RESULTS (see the test hook): values
# (key=value), estimate.txt, <step>.out (tinykdump's messages), iomem-after-load, pin.log,
# failures. Checks: nothing withheld before load; `tinykdump load` grows
# the region to the need and arms; writes to crash_size are refused while loaded (ENOENT);
# unload frees the region; load grows it again; with the CMA area's pages held by
# vmsplice() the load fails with the retry hint and leaves nothing allocated; after the pages
# are released the same load succeeds. Then the results are closed (status "crashing")
# and the kernel is crashed.
set -u
dir=$(dirname "$(readlink -f "$0")")
k=/sys/kernel/kexec
rc=0
fail() { echo "FAIL: $*"; echo "$*" >>"$TK_RESULTS/failures"; rc=1; }
# val KEY=VALUE…: one value per word (the values have no spaces).
val() { local kv; for kv in "$@"; do tk-value "${kv%%=*}" "${kv#*=}"; done; }
mi() { echo $(( $(sed -n -E "s/^$1: +([0-9]+) kB$/\1/p" /proc/meminfo) * 1024 )); }
size() { cat $k/crash_size; }
loaded() { cat $k/crash_loaded; }
iomem_crash() { grep -c 'Crash kernel' /proc/iomem; }
ms() { echo $(( $(date +%s%N) / 1000000 )); }
snap() { # PREFIX: what is withheld and loaded now
        val "$1_crash_size=$(size)" "$1_loaded=$(loaded)" "$1_memtotal=$(mi MemTotal)" \
                "$1_cmatotal=$(mi CmaTotal)" "$1_cmafree=$(mi CmaFree)" "$1_iomem_crash=$(iomem_crash)"
}
expect_eq() { # WHAT GOT WANT
        [[ $2 == "$3" ]] || fail "$1: got '$2', expected '$3'"
}
load() { # NAME: tinykdump load, timed; its messages in NAME.out
        local t0 r
        t0=$(ms)
        tinykdump load >"$TK_RESULTS/$1.out" 2>&1
        r=$?
        val "$1_rc=$r" "$1_ms=$(( $(ms) - t0 ))"
        return $r
}
unload() { # NAME
        local t0 r
        t0=$(ms)
        tinykdump unload >"$TK_RESULTS/$1.out" 2>&1
        r=$?
        val "$1_rc=$r" "$1_ms=$(( $(ms) - t0 ))"
        return $r
}

val "release=$(uname -r)"
val "boot_load_service=$(systemctl show -P Result tinykdump-load.service)"

# Before load: nothing withheld, the kernel can grow.
snap before
val "growable=$(cat $k/crash_size_growable 2>/dev/null || echo absent)"
tk-value cma_ranges_before "$(tr '\n' ' ' <$k/crash_cma_ranges)"
expect_eq "crash_size before load" "$(size)" 0
expect_eq "Crash kernel lines in /proc/iomem before load" "$(iomem_crash)" 0
expect_eq "crash_loaded before load" "$(loaded)" 0
tinykdump status --json=short |
        jq -r '"status_growable=\(.reservation.growable)", "status_static=\(.reservation.static_size)",
               "status_cma=\(.reservation.cma_size)", "status_armed=\(.armed)"' >>"$TK_RESULTS/values"

# The capture kernel: the patched bzImage for this release, with the sid capture initrd.
mkdir -p /etc/tinykdump/tinykdump.conf.d
cat >/etc/tinykdump/tinykdump.conf.d/60-cma-grow-load.conf <<EOF
# tests/vm/cma-grow-load: the patched kernel captures too, with Debian's sid capture initrd
# (its modules do not match, but this kernel has the drivers built in).
[Capture]
Kernel=$dir/vmlinuz-%r
Initrd=$(cat "$dir/capture-initrd")
EOF
tinykdump estimate >"$TK_RESULTS/estimate.txt" 2>&1
need=$(tinykdump estimate --json=short | jq -r '.current.grow_to')
val "need=$need"
[[ $need -gt 0 ]] || fail "tinykdump estimate does not plan to grow (grow_to '$need')"

# Grow and arm.
load load1 || fail "tinykdump load failed"
snap load1
tinykdump status --json=short |
        jq -r '"load1_armed=\(.armed)", "load1_need_static=\(.capture.need_static)",
               "load1_static_after=\(.capture.static_after)", "load1_grown=\(.capture.grown)"' >>"$TK_RESULTS/values"
grep 'Crash kernel' /proc/iomem | sed 's/^ *//' >"$TK_RESULTS/iomem-after-load"
tk-value cma_ranges_after_load "$(tr '\n' ' ' <$k/crash_cma_ranges)"
expect_eq "crash_loaded after load" "$(loaded)" 1
# load grows the region to exactly its own need. estimate's grow_to leaves the erase plan
# out of the overlay (it does not resolve the rules against BTF): at most a few pages less.
need_est=$need
need=$(tinykdump status --json=short | jq -r '.capture.need_static')
(( need >= need_est && need - need_est <= 65536 )) ||
        fail "load needed $need bytes, estimate planned to grow to $need_est"
expect_eq "crash_size after load" "$(size)" "$need"
expect_eq "Crash kernel lines in /proc/iomem after load" "$(iomem_crash)" 1

# Refused while loaded: growing and shrinking alike (ENOENT, as the kernel documents).
armed_size=$(size)
tk-value loaded_write_grow "$("$dir/helper" write $k/crash_size $((armed_size * 2)))"
tk-value loaded_write_shrink "$("$dir/helper" write $k/crash_size 0)"
expect_eq "crash_size after refused writes" "$(size)" "$armed_size"
expect_eq "crash_loaded after refused writes" "$(loaded)" 1

# Unload frees the region; load grows it again.
unload unload1 || fail "tinykdump unload failed"
snap unload1
expect_eq "crash_size after unload" "$(size)" 0
expect_eq "crash_loaded after unload" "$(loaded)" 0
expect_eq "Crash kernel lines in /proc/iomem after unload" "$(iomem_crash)" 0
load load2 || fail "tinykdump load (regrow) failed"
snap load2
expect_eq "crash_size after regrow" "$(size)" "$need"
expect_eq "crash_loaded after regrow" "$(loaded)" 1
unload unload2 || fail "tinykdump unload (2) failed"
expect_eq "crash_size after the second unload" "$(size)" 0

# Forced allocation failure: hold almost all available memory with vmsplice()d pages, so
# that movable allocations fill the CMA area with pages migration cannot move.
ulimit -n 8192 # two descriptors per held MiB
mkfifo /run/tk-release
hold=$(( $(mi MemAvailable) / 1048576 - 64 ))
"$dir/helper" pin "$hold" /run/tk-release >/dev/null 2>/run/tk-pin.log &
pinpid=$!
while ! grep -q holding /run/tk-pin.log && kill -0 $pinpid 2>/dev/null; do sleep 1; done
cp /run/tk-pin.log "$TK_RESULTS/pin.log"
snap pinned
val "pinned_memavailable=$(mi MemAvailable)"
if load pinned; then
        fail "tinykdump load succeeded with the CMA area's pages held"
        unload unload-pinned
fi
if grep -q "retrying later may succeed" "$TK_RESULTS/pinned.out"; then
        val "pinned_retry_hint=yes"
else
        fail "no retry hint in the message"
fi
expect_eq "crash_size after the failed grow" "$(size)" 0
expect_eq "crash_loaded after the failed grow" "$(loaded)" 0
echo >/run/tk-release
wait $pinpid
load retry || fail "tinykdump load after releasing the pages failed"
snap armed
expect_eq "crash_size when armed" "$(size)" "$need"
expect_eq "crash_loaded when armed" "$(loaded)" 1
tinykdump status --json=short |
        jq -r '"armed=\(.armed)", "armed_grown=\(.capture.grown)", "armed_static_after=\(.capture.static_after)"' \
        >>"$TK_RESULTS/values"
tk-value uname "$(uname -snrvm)"

if [[ $rc != 0 ]]; then
        journalctl -b -o cat -u tinykdump-load.service | tail -n 20 >"$TK_RESULTS/load-service.log"
        exit $rc
fi
# The results are complete and on the disk before the kernel stops.
tk-results-done crashing
echo c >/proc/sysrq-trigger
