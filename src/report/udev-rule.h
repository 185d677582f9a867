/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* The udev rule that narrows 90-tinykdump-report.rules to the configured dump target: written by
 * "tinykdump load" into /run/udev/rules.d (udevd picks up changed rule files by itself), removed
 * by "tinykdump unload". It sets TINYKDUMP_TARGET=1 on a block device whose file-system UUID,
 * label, partition UUID or partition name (as udev's blkid builtin stores them) is the target's;
 * the static rule starts tinykdump-report@.service only for such devices. The reporter still
 * checks the device itself with libblkid before mounting it: a forged stick that carries the
 * target's identity gets that far, nothing else does. */

#include "macro.h"

#define REPORT_UDEV_RULE_DIR "/run/udev/rules.d"
#define REPORT_UDEV_RULE_NAME "89-tinykdump-target.rules"
#define REPORT_UDEV_PROPERTY "TINYKDUMP_TARGET"

/* The rule's text for a target "KIND=VALUE" (capture_what_split()). UUIDs match without regard to
 * case, as tinykdump compares them; labels and partition names match udev's encoded form
 * (ID_FS_LABEL_ENC, ID_PART_ENTRY_NAME). A value udev would escape (white space, '/', quotes…)
 * cannot be matched reliably by a glob, so for it the rule marks every file system (the old,
 * wide behaviour) and says so in a comment; ret_narrow tells which. -EINVAL for a bad spec. */
int report_udev_rule_format(const char *target_what, char **ret, bool *ret_narrow);

/* Write the rule below root (NULL: /), creating the directory; or remove it (-ENOENT is no error). */
int report_udev_rule_write(const char *root, const char *target_what, bool *ret_narrow);
int report_udev_rule_remove(const char *root);
