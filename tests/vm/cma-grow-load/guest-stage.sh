#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# cma-grow-load, boot 1 (Debian's sid kernel, whose qemu_fw_cfg driver the test hook needs):
# copy what the host put on the USB disk (payload.tar: the patched bzImage, the helper, this
# directory's scripts) into the guest disk, remove it from the USB disk (the dump target of
# boot 3), and enable the unit that runs the checks on the patched kernel (built without
# CONFIG_FW_CFG_SYSFS, so the hook cannot hand it a script itself). The host stops the VM
# once the results of this boot are done (values: staged=yes; file staged: the listing).
# The payload does not come through fw_cfg: the kernel reads a fw_cfg file byte by byte,
# seeking from its start for every page, which takes hours for a bzImage under TCG.
set -euo pipefail
dir=/var/lib/tinykdump-test/cma-grow-load
dev=/dev/disk/by-label/TKDUMP
udevadm settle
for _ in $(seq 60); do [[ -e $dev ]] && break; sleep 1; done
mkdir -p /run/tk-usb
mount "$dev" /run/tk-usb
rm -rf "$dir"
mkdir -p "$dir"
tar -x -C "$dir" --no-same-owner -f /run/tk-usb/payload.tar
rm /run/tk-usb/payload.tar
umount /run/tk-usb
install -m 0644 "$dir/tk-cma-grow-load.service" /etc/systemd/system/
mkdir -p /etc/systemd/system/multi-user.target.wants
ln -sf ../tk-cma-grow-load.service /etc/systemd/system/multi-user.target.wants/tk-cma-grow-load.service
ls -l "$dir" >"$TK_RESULTS/staged"
sync
tk-value staged yes
