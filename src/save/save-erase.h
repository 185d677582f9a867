/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* tinykdump-save's erasing step: between makedumpfile writing vmcore.incomplete and its rename
 * to vmcore. On erase-apply only: the capture side never links libbpf. */

#include "metadata.h"

/* Applies the erase plan the loader put at ERASE_PLAN_PATH (below root) to dir_fd/name, walking
 * the crashed kernel's memory in vmcore_path (/proc/vmcore; the written file when that cannot be
 * opened). Fills the metadata's ERASE_* fields and logs per rule. Returns 0 when the file may be
 * published: erasure complete, or no plan (disabled), or failed under on-failure=keep. Returns
 * -EIO when it must not be: on-failure=delete, and the file is deleted already. */
int save_erase(const char *root, const char *vmcore_path, int dir_fd, const char *name, DumpMetadata *md);
