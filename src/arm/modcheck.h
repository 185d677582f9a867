/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* Can the capture image reach the dump target? What the target needs (its file system, the
 * drivers of every device between it and the PCI bus) checked against the capture image's
 * module indexes with libkmod. tinykdump-build-image keeps those indexes (modules.dep.bin,
 * modules.alias.bin, modules.builtin.bin, modules.builtin.alias.bin, …) next to the image, in
 * MODCHECK_INDEX_DIR. */

#include "macro.h"

/* Below the directory of the capture kernel (or UKI). */
#define MODCHECK_INDEX_DIR "modules"

typedef struct ModuleNeed {
        char *lookup;       /* what is looked up: "fs-vfat", "usb_storage", … */
        char *why;          /* "the file system vfat", "the driver of 2-1:1.0" */
        char *found;        /* the module that provides it in the image, NULL when none */
        bool builtin;       /* … built into the image's kernel */
} ModuleNeed;

typedef struct ModuleCheck {
        ModuleNeed *needs;
        size_t n_needs;
        char *device_sysfs; /* the target's sysfs directory, when the device was walked */
} ModuleCheck;

void module_check_done(ModuleCheck *c);

/* The file system fstype (as blkid and mount name it) needs the module alias "fs-<fstype>"; vfat
 * also needs its default code page (nls_cp437). */
int module_check_need_fs(ModuleCheck *c, const char *fstype);

/* The drivers the running system bound to the target device and each of its parents (read from
 * sysfs below root: /sys/class/block/<name>/…/driver/module), as modules. devnode is the
 * target's /dev path; its symlinks are followed to the kernel's name. -ENOENT when the device is
 * not there. Drivers built into the running kernel need nothing. */
int module_check_need_device(ModuleCheck *c, const char *root, const char *devnode);

/* Look every need up in the index directory (below root): -ENOENT when it holds no
 * modules.dep.bin. Returns the number of needs the image cannot meet. */
int module_check_resolve(ModuleCheck *c, const char *root, const char *index_dir);

/* The index directory of a capture image file (kernel or UKI path): "<its directory>/modules". */
int module_check_index_dir(const char *image_file, char **ret);
