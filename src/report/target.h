/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* Host side: finding and opening the dump target. */

#include "macro.h"

/* The device node for the argument of "tinykdump report": "/dev/…" is taken as it is; a sysfs
 * path ("/sys/devices/…/sdb1", the instance of tinykdump-report@.service) becomes
 * "/dev/block/MAJ:MIN" from its "dev" attribute, read below root. -EINVAL otherwise. */
int report_device_from_arg(const char *root, const char *arg, char **ret);

/* Opens the file system on devnode (a block device whose identity the caller has checked): where
 * it is already mounted, that mount; otherwise a read-only, nosuid, nodev, noexec mount in a new
 * private mount namespace of the calling process, on a fresh directory below /run/tinykdump (or
 * /tmp when /run is read-only), detached again at once: it lives only as long as the returned fd,
 * and the directory is removed. Either way the opened directory must be on devnode (its st_dev;
 * btrfs excepted). ret_where (may be NULL) says where it was found or mounted, ret_mounted whether
 * we mounted it. */
int report_target_open(const char *devnode, const char *fstype, int *ret_fd, char **ret_where, bool *ret_mounted);
