# SPDX-License-Identifier: LGPL-2.1-or-later
# shellcheck shell=bash
#
# QEMU helpers for the VM scenarios; source it from tests/vm/<scenario>/test.
# Guests run under TCG only (-accel tcg -cpu max; KVM hangs on this kind of host),
# with the serial console logged to a file. The console is for phase detection and
# failure tails only: results travel as files on a results disk (see below).
#
#   tk_vm_init NAME              check prerequisites (exit 77 to skip, with the reason),
#                                read $TK_VM_OUT/images.env, make the work dir $TK_WORK
#   tk_vm_guest_disk [NAME]      a copy-on-write overlay of the guest root disk ($TK_WORK/NAME.qcow2,
#                                default root), one per guest when a scenario runs several
#   tk_vm_usb_disk FILE vfat|ext4 SIZE_MIB   a USB target image (no mounting)
#   tk_vm_results_disk NAME      make VM NAME's empty results disk, print its path
#   tk_vm_start NAME [options]   start QEMU in the background, with a new results disk
#                                attached (virtio, serial "tkresults"); options:
#       --kernel FILE --initrd FILE --append "…" --mem MIB --disk FILE
#       --usb FILE --script FILE (guest-side script, run by the test hook)
#       --env FILE (shell-sourceable variables for that script) --no-reboot
#       --net SPEC (a virtio NIC on QEMU user networking: -netdev user,id=net0,SPEC; give
#       restrict=on and a guestfwd, so that the guest reaches only what is forwarded)
#       --qmp (a QMP socket, $TK_WORK/NAME.qmp.sock, for tk_vm_qmp)
#                                The --usb disk is the device "usbstick" on the bus "xhci.0".
#   tk_vm_qmp NAME JSON…         send QMP commands (one JSON object each) to VM NAME, e.g.
#                                '{"execute":"device_del","arguments":{"id":"usbstick"}}';
#                                fails when QEMU answers one with an error
#   tk_vm_wait NAME REGEX SECONDS [WHAT]   wait for a console line (phases only)
#   tk_vm_wait_results NAME BOOT SECONDS [WHAT]
#                                wait until boot BOOT's `done` marker is on VM NAME's
#                                results disk, then copy that boot's files to the host
#   tk_vm_hook_result NAME BOOT SECONDS    the same, then return the script's status
#   tk_vm_result NAME BOOT FILE  print a result file of a finished boot
#   tk_vm_result_path NAME BOOT FILE       its path on the host
#   tk_vm_value NAME BOOT KEY    a KEY=VALUE line of the boot's `values` file (the last)
#   tk_vm_show_results NAME BOOT print the boot's stdout and stderr (for failures)
#   tk_vm_results_dump NAME      the console tail and every file on the results disk
#   tk_vm_stop NAME              stop that QEMU (by its pid)
#   tk_vm_console NAME           path of the console log
#   tk_journal_ids               source the generated MESSAGE_ID file ($TK_JOURNAL_IDS)
#   tk_patched_kernel            print the bzImage of kernel-patches/build (cma-grow*), waiting
#                                for the build tests/run-all started; see there for skip/fail
#
# The results disk: every VM gets an empty 32 MiB vfat image, $TK_WORK/NAME.results.img.
# In the guest, the test hook (tests/vm/guest-overlay/usr/lib/tinykdump-test/hook) mounts
# it by its virtio serial, runs the scenario's script with $TK_RESULTS = boot-<N>/ on it,
# stores the script's stdout, stderr and status there and writes `done` last. The host
# polls for `done` with mtools (reading the image needs no mount and is safe while QEMU
# runs: everything before `done` was flushed before `done` was written) and copies the
# boot's files to $TK_WORK/NAME.results/boot-<N>/, where the readers above find them.
#
# Where things are: $TK_VM_OUT (default $TK_BUILD_DIR/vm, meson test sets it) holds this
# build's images (images.env) and the scenarios' work directories (work/<scenario>); the
# cache of base images shared by all checkouts is $TK_CACHE_DIR.

TK_CACHE_DIR=${TK_CACHE_DIR:-/var/cache/tinykdump-tests}
TK_VM_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
TK_BUILD_DIR=${TK_BUILD_DIR:-${TINYKDUMP_BUILD_DIR:-$TK_VM_DIR/../../build-test}}
TK_VM_OUT=${TK_VM_OUT:-$TK_BUILD_DIR/vm}
TK_JOURNAL_IDS=${TK_JOURNAL_IDS:-$TK_BUILD_DIR/tests/vm/journal-ids.env}
# The images are checked by the host's mtools while QEMU may still have them open.
export MTOOLS_SKIP_CHECK=1
declare -A TK_VM_PID=()
declare -A TK_VM_RESULTS=()

tk_log() { echo "[$(date +%T)] $*" >&2; }

tk_skip() {
        tk_log "SKIP: $*"
        exit 77
}

tk_fail() {
        tk_log "FAIL: $*"
        exit 1
}

tk_vm_init() {
        local name=$1
        command -v qemu-system-x86_64 >/dev/null || tk_skip "qemu-system-x86_64 is not installed"
        command -v qemu-img >/dev/null || tk_skip "qemu-img is not installed"
        command -v mcopy >/dev/null || tk_skip "mtools is not installed (the results disk is read with it)"
        command -v mkfs.vfat >/dev/null || tk_skip "dosfstools is not installed (mkfs.vfat makes the results disk)"
        [[ -r $TK_VM_OUT/images.env ]] ||
                tk_skip "no images: run tests/vm/build-images --out $TK_VM_OUT first ($TK_VM_OUT/images.env missing)"
        # shellcheck source=/dev/null
        source "$TK_VM_OUT/images.env"
        TK_WORK=$TK_VM_OUT/work/$name
        rm -rf "$TK_WORK"
        mkdir -p "$TK_WORK"
        trap tk_vm_stop_all EXIT
        TK_T0=$SECONDS
        export TK_T0
}

tk_journal_ids() {
        [[ -r $TK_JOURNAL_IDS ]] || tk_fail "no MESSAGE_ID file at $TK_JOURNAL_IDS (built by meson: tests/vm/journal-ids.env)"
        # shellcheck source=/dev/null
        source "$TK_JOURNAL_IDS"
}

# The patched kernel of kernel-patches/ for cma-grow and cma-grow-load: the cached bzImage's
# path on stdout, return 0. When tests/run-all builds it in the background
# ($TINYKDUMP_KERNEL_BUILD_STATUS names a file that says "building" until the build ends with
# "ok SECONDS" or "failed SECONDS"), wait for that build; with TINYKDUMP_BUILD_KERNEL=1, build it
# here. Return 2 when a build failed (the caller fails), 1 when the kernel is not built and
# nothing builds it (the caller skips). TINYKDUMP_TEST_KERNEL=<bzImage> is taken as given.
tk_patched_kernel() {
        local build=$TK_VM_DIR/../../kernel-patches/build status start=$SECONDS last=$SECONDS
        if [[ -n ${TINYKDUMP_TEST_KERNEL:-} ]]; then
                echo "$TINYKDUMP_TEST_KERNEL"
                return 0
        fi
        "$build" --print-path 2>/dev/null && return 0
        if [[ -n ${TINYKDUMP_KERNEL_BUILD_STATUS:-} ]]; then
                while status=$(cat "$TINYKDUMP_KERNEL_BUILD_STATUS" 2>/dev/null) && [[ $status == building ]]; do
                        if ((SECONDS - last >= 300)); then
                                tk_log "still waiting for the patched kernel build ($((SECONDS - start)) s so far; log ${TINYKDUMP_KERNEL_BUILD_STATUS%.status}.log)"
                                last=$SECONDS
                        fi
                        sleep 10
                done
                tk_log "the patched kernel build ended: '${status:-no status}' (waited $((SECONDS - start)) s)"
                if [[ $status == ok* ]] && "$build" --print-path 2>/dev/null; then
                        return 0
                fi
                tk_log "the patched kernel build failed; its log: ${TINYKDUMP_KERNEL_BUILD_STATUS%.status}.log"
                return 2
        fi
        if [[ ${TINYKDUMP_BUILD_KERNEL:-0} == 1 ]]; then
                "$build" >/dev/null && "$build" --print-path && return 0
                tk_log "kernel-patches/build failed"
                return 2
        fi
        return 1
}

tk_vm_guest_disk() {
        local disk=$TK_WORK/${1:-root}.qcow2
        qemu-img create -q -f qcow2 -b "$TK_GUEST_DISK" -F raw "$disk" >&2
        echo "$disk"
}

tk_vm_usb_disk() {
        local file=$1 fs=$2 size=$3
        rm -f "$file"
        case $fs in
        vfat)
                mkfs.vfat -C -n TKDUMP -i 7e57d00d "$file" $((size * 1024)) >/dev/null ;;
        ext4)
                truncate -s "${size}M" "$file"
                mkfs.ext4 -q -F -L TKDUMP -U 7e57d00d-7e57-4d00-8d00-7e57d00d0001 "$file" ;;
        *)
                tk_log "tk_vm_usb_disk: unknown filesystem '$fs'"
                return 1 ;;
        esac
}

tk_vm_results_disk() {
        local name=$1 file=$TK_WORK/$1.results.img
        rm -f "$file"
        rm -rf "$TK_WORK/$name.results"
        mkfs.vfat -C -n TKRESULTS -i 7e57d00e "$file" $((32 * 1024)) >/dev/null
        echo "$file"
}

tk_vm_console() {
        echo "$TK_WORK/$1.console"
}

# True when the kernel on CONSOLE died of an int3 trap in its own text before any init ran:
# QEMU's TCG occasionally lets a vCPU run code another vCPU is patching (static keys flipped
# early in boot, while the initramfs unpacks on the other vCPU: seen in sched_clock_cpu,
# sched_clock_idle_wakeup_event and __hrtimer_start_range_ns on the sid 7.2 guest, 1.1-2.3 s
# into boot; on 2026-12-06 2 of ~45 boots at a host load of 13, 2 of 12 on an idle host).
# Nothing of the guest's own ran, no disk was written: the boot can start again unchanged.
# Capture kernels boot with nr_cpus=1 and cannot meet it.
tk_console_emulator_oops() {
        tr -d '\r' <"$1" | awk '/ as init process/ { init = 1 } /^\[ *[0-9.]+\] Oops: int3: / && !init { bad = 1 } END { exit !bad }'
}

# How often a boot is started in all when the emulator's fault above ends it: at a rate of
# 1 in 6, three such deaths in a row are about 1 in 200 boots.
TK_VM_BOOT_ATTEMPTS=${TK_VM_BOOT_ATTEMPTS:-3}

# A kernel whose console stops before any init ran, for this many seconds, is stuck in the
# emulator and is started again like the int3 above (same attempts). Seen once: the fleet
# scenario's guest stopped 2.0 s into boot after "hpet0: 3 comparators" and printed nothing
# for 20 minutes (tests/vm/fixtures/console-stall-early, 2026-12-07). A guest's kernel reaches
# init in 5-10 s of its own clock, at most about 2 minutes of wall clock on a loaded host; a
# capture kernel is watched by the scenario, not here (its console follows an init).
TK_VM_EARLY_STALL=${TK_VM_EARLY_STALL:-240}

# Run QEMU for VM NAME (the arguments after NAME) in the foreground of this (background)
# shell. A boot that dies as tk_console_emulator_oops says, or whose console stops for
# $TK_VM_EARLY_STALL s before init, is started again, up to $TK_VM_BOOT_ATTEMPTS boots in all,
# each such console kept as NAME.console.emulator-oops.K or NAME.console.stalled.K;
# the last attempt's outcome is final. The shell's PID stands for the VM: TERM stops QEMU.
tk_vm_run_qemu() {
        local name=$1 console qpid='' attempt rc size seen changed stalled kind why
        shift
        console=$(tk_vm_console "$name")
        trap '[[ -n $qpid ]] && kill "$qpid" 2>/dev/null; wait 2>/dev/null; exit 143' TERM
        for ((attempt = 1; ; attempt++)); do
                qemu-system-x86_64 "$@" </dev/null >"$TK_WORK/$name.qemu.log" 2>&1 &
                qpid=$!
                # Until an init runs, watch for the emulator's trap and for a console that
                # stopped; a guest without --no-reboot would otherwise boot again in the same
                # QEMU and console.
                seen=-1 changed=$SECONDS stalled=''
                while kill -0 "$qpid" 2>/dev/null && ! grep -a -q ' as init process' "$console"; do
                        if (( attempt < TK_VM_BOOT_ATTEMPTS )) && tk_console_emulator_oops "$console"; then
                                kill "$qpid" 2>/dev/null || true
                                break
                        fi
                        size=$(stat -c %s "$console" 2>/dev/null || echo 0)
                        (( size != seen )) && { seen=$size; changed=$SECONDS; }
                        if (( attempt < TK_VM_BOOT_ATTEMPTS && SECONDS - changed >= TK_VM_EARLY_STALL )); then
                                stalled=1
                                kill "$qpid" 2>/dev/null || true
                                break
                        fi
                        sleep 1
                done
                rc=0
                wait "$qpid" || rc=$?
                if [[ -n $stalled ]]; then
                        kind=stalled why="printed nothing for $TK_VM_EARLY_STALL s before init ran (stuck in QEMU's TCG)"
                elif (( attempt < TK_VM_BOOT_ATTEMPTS )) && tk_console_emulator_oops "$console"; then
                        kind=emulator-oops why="died of an int3 in its own text before init ran (QEMU TCG code patching race)"
                else
                        return "$rc"
                fi
                mv "$console" "$console.$kind.$attempt"
                : >"$console"
                tk_log "$name: the kernel $why; console kept as $name.console.$kind.$attempt; boot $((attempt + 1)) of at most $TK_VM_BOOT_ATTEMPTS"
        done
}

tk_vm_start() {
        local name=$1
        shift
        local kernel='' initrd='' append='' mem=1024 disk='' usb='' script='' env='' noreboot='' net='' qmp=''
        while [[ $# -gt 0 ]]; do
                case $1 in
                --kernel) kernel=$2; shift 2 ;;
                --initrd) initrd=$2; shift 2 ;;
                --append) append=$2; shift 2 ;;
                --mem) mem=$2; shift 2 ;;
                --disk) disk=$2; shift 2 ;;
                --usb) usb=$2; shift 2 ;;
                --script) script=$2; shift 2 ;;
                --env) env=$2; shift 2 ;;
                --no-reboot) noreboot=1; shift ;;
                --net) net=$2; shift 2 ;;
                --qmp) qmp=$TK_WORK/$name.qmp.sock; shift ;;
                *) tk_log "tk_vm_start: unknown option '$1'"; return 1 ;;
                esac
        done
        local results
        results=$(tk_vm_results_disk "$name")
        TK_VM_RESULTS[$name]=$results
        # The kernel checks that the IO-APIC timer interrupt arrives within a busy-wait of a few
        # jiffies; QEMU's TCG on a loaded host can miss it, and the kernel then panics "IO-APIC +
        # timer doesn't work!" 0.03 s into boot (the newuser scenario's boot 3 at a host load of
        # 14 on 2026-12-06; the bench's capture kernel at 140M). no_timer_check skips that check,
        # as virtual machines' kernels commonly do; the capture command line keeps it (tinykdump
        # drops only what it knows to drop), so capture kernels are spared too.
        append="${append:+$append }no_timer_check"

        # The root disk and the results disk at fixed PCI slots, so the root disk is
        # always vda (root=/dev/vda); the guest finds the results disk by its serial.
        local args=(
                -machine q35 -accel tcg -cpu max -smp 2 -m "$mem"
                -nodefaults -display none -monitor none
                -serial "file:$(tk_vm_console "$name")"
                -kernel "$kernel" -append "$append"
                -drive "if=none,id=results,format=raw,file=$results"
                -device "virtio-blk-pci,drive=results,serial=tkresults,bus=pcie.0,addr=0x6"
        )
        [[ -n $initrd ]] && args+=(-initrd "$initrd")
        [[ -n $disk ]] && args+=(-drive "if=none,id=root,format=qcow2,file=$disk"
                                 -device "virtio-blk-pci,drive=root,serial=tkroot,bus=pcie.0,addr=0x5")
        [[ -n $usb ]] && args+=(-device "qemu-xhci,id=xhci"
                                -drive "if=none,id=usbdisk,format=raw,file=$usb"
                                -device "usb-storage,bus=xhci.0,drive=usbdisk,id=usbstick")
        [[ -n $script ]] && args+=(-fw_cfg "name=opt/tinykdump/script,file=$script")
        [[ -n $env ]] && args+=(-fw_cfg "name=opt/tinykdump/env,file=$env")
        [[ -n $noreboot ]] && args+=(-no-reboot)
        if [[ -n $qmp ]]; then
                rm -f "$qmp"
                args+=(-qmp "unix:$qmp,server=on,wait=off")
        fi
        [[ -n $net ]] && args+=(-netdev "user,id=net0,$net" -device "virtio-net-pci,netdev=net0,bus=pcie.0,addr=0x7")

        printf '%q ' qemu-system-x86_64 "${args[@]}" >"$TK_WORK/$name.cmdline"
        : >"$(tk_vm_console "$name")"
        tk_vm_run_qemu "$name" "${args[@]}" &
        TK_VM_PID[$name]=$!
        tk_log "$name: started QEMU (pid ${TK_VM_PID[$name]}, ${mem} MiB): $append"
}

# QMP commands to VM NAME (started with --qmp), one JSON object per argument, after the
# capabilities handshake; the replies are appended to $TK_WORK/NAME.qmp.log. Fails when QEMU
# answers one with an error or not at all. The commands are sent at once; the second after
# them only lets the replies arrive.
tk_vm_qmp() {
        local name=$1 sock=$TK_WORK/$1.qmp.sock reply
        shift
        [[ -S $sock ]] || { tk_log "$name: no QMP socket $sock (tk_vm_start --qmp)"; return 1; }
        command -v socat >/dev/null || { tk_log "tk_vm_qmp needs socat (tests/install-deps installs it)"; return 1; }
        reply=$({ echo '{"execute":"qmp_capabilities"}'; printf '%s\n' "$@"; sleep 1; } |
                socat -t 2 - "UNIX-CONNECT:$sock") || { tk_log "$name: cannot talk to QMP at $sock"; return 1; }
        printf '%s\n' "> $*" "$reply" >>"$TK_WORK/$name.qmp.log"
        if grep -q '"error"' <<<"$reply" || (( $(grep -c '"return"' <<<"$reply") < $# + 1 )); then
                tk_log "$name: QMP $*: $reply"
                return 1
        fi
}

tk_vm_running() {
        local pid=${TK_VM_PID[$1]:-}
        [[ -n $pid ]] && kill -0 "$pid" 2>/dev/null
}

tk_vm_tail() {
        local name=$1
        echo "----- last 40 console lines of $name -----" >&2
        tail -n 40 "$(tk_vm_console "$name")" | tr -d '\r' >&2
        [[ -s $TK_WORK/$name.qemu.log ]] && { echo "----- QEMU -----" >&2; cat "$TK_WORK/$name.qemu.log" >&2; }
        echo "-----" >&2
}

# Wait until a console line matches REGEX (extended, grep -E): phase detection only.
# Fails when the timeout passes or QEMU exits first, printing the console tail and
# whatever the results disk holds.
tk_vm_wait() {
        local name=$1 regex=$2 timeout=$3 what=${4:-$2}
        local console start=$SECONDS
        console=$(tk_vm_console "$name")
        while true; do
                if grep -a -q -E -- "$regex" "$console"; then
                        tk_log "$name: $what after $((SECONDS - start)) s"
                        return 0
                fi
                if ! tk_vm_running "$name"; then
                        grep -a -q -E -- "$regex" "$console" && return 0
                        tk_log "$name: QEMU exited while waiting for $what"
                        tk_vm_results_dump "$name"
                        return 1
                fi
                if (( SECONDS - start >= timeout )); then
                        tk_log "$name: timed out after $timeout s waiting for $what"
                        tk_vm_results_dump "$name"
                        return 1
                fi
                sleep 1
        done
}

# The results disk image of VM NAME.
tk_vm_results_image() {
        local img=${TK_VM_RESULTS[$1]:-$TK_WORK/$1.results.img}
        [[ -e $img ]] || { tk_log "$1: no results disk ($img)"; return 1; }
        echo "$img"
}

# True when boot BOOT's `done` marker is on VM NAME's results disk.
tk_vm_results_done() {
        local img
        img=$(tk_vm_results_image "$1") || return 1
        mdir -b -i "$img" "::/boot-$2/done" >/dev/null 2>&1
}

# Copy boot BOOT's files (or, with BOOT "*", everything) from the results disk to
# $TK_WORK/NAME.results/.
tk_vm_results_copy() {
        local name=$1 boot=$2 img dst=$TK_WORK/$1.results
        img=$(tk_vm_results_image "$name") || return 1
        mkdir -p "$dst"
        if [[ $boot == '*' ]]; then
                mcopy -s -n -o -i "$img" '::/*' "$dst/" 2>/dev/null
        else
                rm -rf "${dst:?}/boot-$boot"
                mcopy -s -n -o -i "$img" "::/boot-$boot" "$dst/"
        fi
}

# After a phase failed: the console tail, and whatever the results disk holds.
tk_vm_results_dump() {
        tk_vm_tail "$1"
        tk_vm_results_dump_files "$1"
}

# Whatever VM NAME's results disk holds, copied to the host and printed.
tk_vm_results_dump_files() {
        local name=$1 f
        if ! tk_vm_results_copy "$name" '*'; then
                tk_log "$name: the results disk holds no files"
                return 0
        fi
        while IFS= read -r f; do
                echo "----- $name results: ${f#"$TK_WORK/$name.results/"} (last 60 lines) -----" >&2
                tail -n 60 "$f" >&2
        done < <(find "$TK_WORK/$name.results" -type f | sort)
        echo "-----" >&2
}

# Wait until boot BOOT of VM NAME has finished its results (its `done` marker exists),
# then copy them to the host. Fails when the timeout passes or QEMU exits first,
# printing the console tail and whatever results exist.
tk_vm_wait_results() {
        local name=$1 boot=$2 timeout=$3 what=${4:-"results of boot $2"} start=$SECONDS
        while true; do
                if tk_vm_results_done "$name" "$boot"; then
                        tk_vm_results_copy "$name" "$boot" || { tk_log "$name: cannot copy the results of boot $boot"; return 1; }
                        tk_log "$name: $what after $((SECONDS - start)) s"
                        return 0
                fi
                if ! tk_vm_running "$name"; then
                        # The marker may have landed just before QEMU ended.
                        if tk_vm_results_done "$name" "$boot"; then
                                continue
                        fi
                        tk_log "$name: QEMU exited before the $what were done"
                        tk_vm_results_dump "$name"
                        return 1
                fi
                if (( SECONDS - start >= timeout )); then
                        tk_log "$name: timed out after $timeout s waiting for the $what"
                        tk_vm_results_dump "$name"
                        return 1
                fi
                sleep 1
        done
}

tk_vm_result_path() {
        local name=$1 boot=$2 file=$3 dir=$TK_WORK/$1.results/boot-$2
        if [[ ! -e $dir/done ]]; then
                tk_log "tk_vm_result: boot $boot of $name is not done (tk_vm_wait_results first)"
                return 1
        fi
        echo "$dir/$file"
}

tk_vm_result() {
        local path
        path=$(tk_vm_result_path "$@") || return 1
        if [[ ! -e $path ]]; then
                tk_log "$1: boot $2 left no result file '$3'"
                return 1
        fi
        cat "$path"
}

# The value of KEY in the boot's `values` file (lines KEY=VALUE, written by tk-value in
# the guest; the last one wins). When there is none, says so and fails.
tk_vm_value() {
        local path
        path=$(tk_vm_result_path "$1" "$2" values) || return 1
        [[ -e $path ]] || { tk_log "$1: boot $2 reported no values"; return 1; }
        awk -v k="$3" 'index($0, k "=") == 1 { v = substr($0, length(k) + 2); found = 1 }
                       END { if (found) print v; exit !found }' "$path" && return 0
        tk_log "$1: boot $2 reported no value '$3'"
        return 1
}

tk_vm_show_results() {
        local name=$1 boot=$2 f path
        for f in stdout stderr; do
                path=$TK_WORK/$name.results/boot-$boot/$f
                [[ -s $path ]] || continue
                echo "----- $name boot $boot: $f -----" >&2
                cat "$path" >&2
        done
}

# Wait for the guest-side script of boot BOOT to finish (see tk_vm_wait_results) and
# return its exit status; when it is not 0, show its output.
tk_vm_hook_result() {
        local name=$1 boot=$2 timeout=$3 status
        tk_vm_wait_results "$name" "$boot" "$timeout" "test hook results of boot $boot" || return 1
        status=$(tk_vm_result "$name" "$boot" status) || return 1
        [[ $status == 0 ]] && return 0
        tk_log "$name: the guest script of boot $boot ended with status '$status'"
        tk_vm_show_results "$name" "$boot"
        [[ $status =~ ^[0-9]+$ ]] && return "$status"
        return 1
}

tk_vm_stop() {
        local name=$1 pid=${TK_VM_PID[$1]:-}
        [[ -n $pid ]] || return 0
        if kill -0 "$pid" 2>/dev/null; then
                kill "$pid" 2>/dev/null || true
                for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
                kill -9 "$pid" 2>/dev/null || true
        fi
        wait "$pid" 2>/dev/null || true
        unset "TK_VM_PID[$name]"
        return 0
}

tk_vm_stop_all() {
        local name
        for name in "${!TK_VM_PID[@]}"; do
                tk_vm_stop "$name"
        done
}

# Console lines of a guest's console, carriage returns removed.
tk_vm_lines() {
        tr -d '\r' <"$(tk_vm_console "$1")"
}
