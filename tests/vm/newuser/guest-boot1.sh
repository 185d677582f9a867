# SPDX-License-Identifier: LGPL-2.1-or-later
# Boot 1 (after tests/vm/newuser/guest-lib.sh): the machine as the chroot steps left it,
# booted without crash memory. The README's commands before its reboot run here; then what
# the boot configuration now says is kept for the host, which boots with it next.
tk-value enabled_by_preset "$(systemctl is-enabled tinykdump-load.service 2>&1)"
tk-value loaded_before "$(loaded)"
@README@
tk-value enabled "$(systemctl is-enabled tinykdump-load.service 2>&1)"
cp /etc/kernel/cmdline "$TK_RESULTS/kernel-cmdline" 2>/dev/null
cat /etc/default/grub.d/*.cfg >"$TK_RESULTS/grub.cfg" 2>/dev/null
exit $rc
