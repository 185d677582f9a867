# SPDX-License-Identifier: LGPL-2.1-or-later
# shellcheck shell=bash
#
# QEMU helpers for the VM scenarios; source it from tests/vm/<scenario>/test.
# Guests run under TCG only (-accel tcg -cpu max; KVM hangs on this kind of host),
# with the serial console logged to a file. A phase is detected by waiting for a
# console pattern with a timeout; a failure prints the console's tail.
#
#   tk_vm_init NAME              check prerequisites (exit 77 to skip), read
#                                images.env, make the work dir $TK_WORK
#   tk_vm_guest_disk             a copy-on-write overlay of the guest root disk
#   tk_vm_usb_disk FILE vfat|ext4 SIZE_MIB   a USB target image (no mounting)
#   tk_vm_start NAME [options]   start QEMU in the background; options:
#       --kernel FILE --initrd FILE --append "…" --mem MIB --disk FILE
#       --usb FILE --script FILE (guest-side script, run by the test hook)
#       --no-reboot
#   tk_vm_wait NAME REGEX SECONDS [WHAT]   wait for a console line
#   tk_vm_hook_result NAME BOOT SECONDS    wait for the hook's end marker of boot
#                                BOOT, print the script's output, return its status
#   tk_vm_stop NAME              stop that QEMU (by its pid)
#   tk_vm_console NAME           path of the console log

TK_CACHE_DIR=${TK_CACHE_DIR:-/var/cache/tinykdump-tests}
TK_VM_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
declare -A TK_VM_PID=()

tk_log() { echo "[$(date +%T)] $*" >&2; }

tk_skip() {
        tk_log "SKIP: $*"
        exit 77
}

tk_vm_init() {
        local name=$1
        command -v qemu-system-x86_64 >/dev/null || tk_skip "qemu-system-x86_64 is not installed"
        command -v qemu-img >/dev/null || tk_skip "qemu-img is not installed"
        [[ -r $TK_CACHE_DIR/out/images.env ]] ||
                tk_skip "no images: run tests/vm/build-images first ($TK_CACHE_DIR/out/images.env missing)"
        # shellcheck source=/dev/null
        source "$TK_CACHE_DIR/out/images.env"
        TK_WORK=${TK_VM_WORKDIR:-$TK_CACHE_DIR/work}/$name
        rm -rf "$TK_WORK"
        mkdir -p "$TK_WORK"
        trap tk_vm_stop_all EXIT
        TK_T0=$SECONDS
}

tk_vm_guest_disk() {
        local disk=$TK_WORK/root.qcow2
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

tk_vm_console() {
        echo "$TK_WORK/$1.console"
}

tk_vm_start() {
        local name=$1
        shift
        local kernel= initrd= append= mem=1024 disk= usb= script= noreboot=
        while [[ $# -gt 0 ]]; do
                case $1 in
                --kernel) kernel=$2; shift 2 ;;
                --initrd) initrd=$2; shift 2 ;;
                --append) append=$2; shift 2 ;;
                --mem) mem=$2; shift 2 ;;
                --disk) disk=$2; shift 2 ;;
                --usb) usb=$2; shift 2 ;;
                --script) script=$2; shift 2 ;;
                --no-reboot) noreboot=1; shift ;;
                *) tk_log "tk_vm_start: unknown option '$1'"; return 1 ;;
                esac
        done

        local args=(
                -machine q35 -accel tcg -cpu max -smp 2 -m "$mem"
                -nodefaults -display none -monitor none
                -serial "file:$(tk_vm_console "$name")"
                -kernel "$kernel" -append "$append"
        )
        [[ -n $initrd ]] && args+=(-initrd "$initrd")
        [[ -n $disk ]] && args+=(-drive "if=virtio,format=qcow2,file=$disk")
        [[ -n $usb ]] && args+=(-device qemu-xhci,id=xhci
                                -drive "if=none,id=usbdisk,format=raw,file=$usb"
                                -device usb-storage,bus=xhci.0,drive=usbdisk)
        [[ -n $script ]] && args+=(-fw_cfg "name=opt/tinykdump/script,file=$script")
        [[ -n $noreboot ]] && args+=(-no-reboot)

        printf '%q ' qemu-system-x86_64 "${args[@]}" >"$TK_WORK/$name.cmdline"
        : >"$(tk_vm_console "$name")"
        qemu-system-x86_64 "${args[@]}" </dev/null >"$TK_WORK/$name.qemu.log" 2>&1 &
        TK_VM_PID[$name]=$!
        tk_log "$name: started QEMU (pid ${TK_VM_PID[$name]}, ${mem} MiB): $append"
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

# Wait until a console line matches REGEX (extended, grep -E). Fails when the timeout
# passes or QEMU exits first, printing the console tail.
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
                        tk_vm_tail "$name"
                        return 1
                fi
                if (( SECONDS - start >= timeout )); then
                        tk_log "$name: timed out after $timeout s waiting for $what"
                        tk_vm_tail "$name"
                        return 1
                fi
                sleep 1
        done
}

# Wait for the guest-side script of boot BOOT to finish; print what it printed and
# return its exit status.
tk_vm_hook_result() {
        local name=$1 boot=$2 timeout=$3 rc
        tk_vm_wait "$name" "TK-HOOK-END boot=$boot rc=[0-9]+" "$timeout" "test hook of boot $boot" || return 1
        tk_vm_hook_output "$name" "$boot"
        rc=$(tr -d '\r' <"$(tk_vm_console "$name")" | sed -n -E "s/.*TK-HOOK-END boot=$boot rc=([0-9]+).*/\1/p" | head -n 1)
        return "$rc"
}

# The lines the guest-side script of boot BOOT printed (the hook prefixes them with
# "TK| "), without kernel messages or anything else on the console.
tk_vm_hook_output() {
        local name=$1 boot=$2
        tr -d '\r' <"$(tk_vm_console "$name")" |
                sed -n "/TK-HOOK-BEGIN boot=$boot/,/TK-HOOK-END boot=$boot /p" |
                { grep -a -o 'TK| .*' || true; } | sed 's/^TK| //'
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

# Console lines of a guest's console, kernel messages and carriage returns removed.
tk_vm_lines() {
        tr -d '\r' <"$(tk_vm_console "$1")"
}

tk_fail() {
        tk_log "FAIL: $*"
        exit 1
}
