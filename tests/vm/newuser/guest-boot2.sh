# SPDX-License-Identifier: LGPL-2.1-or-later
# Boot 2 (after tests/vm/newuser/guest-lib.sh): with the reservation the README's steps
# configured. Nothing armed this boot by hand: the unit is enabled, so the boot arms. The
# README's commands after the reboot run here up to its test crash, which is last: the
# results are closed (status "crashing") before it.
load_settled
tk-value loaded "$(loaded)"
tk-value enabled "$(systemctl is-enabled tinykdump-load.service 2>&1)"
tk-value active "$(systemctl is-active tinykdump-load.service 2>&1)"
tk-value marker_before "$([[ -e /var/lib/tinykdump/test-pending ]] && echo present || echo absent)"
systemctl --no-pager status tinykdump-load.service >"$TK_RESULTS/load-service.txt" 2>&1
[[ $(loaded) == 1 ]] || fail "not armed after the reboot"
@README@
