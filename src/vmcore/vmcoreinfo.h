/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* The VMCOREINFO note: the crashed kernel's own description of itself, "KEY=VALUE" lines written
 * by kernel/vmcore_info.c, kernel/printk/printk.c (log_buf_vmcoreinfo_setup()) and the arch code
 * (arch/x86/kernel/crash_core_64.c). Value formats, as the kernel prints them:
 *   OSRELEASE=%s  BUILD-ID=%s  PAGESIZE=%ld  CRASHTIME=%lld  KERNELOFFSET=%lx (hex, no 0x)
 *   SYMBOL(name)=%lx (hex, no 0x)   OFFSET(struct.member)=%lu   SIZE(struct)=%lu
 *   LENGTH(name)=%lu   NUMBER(name)=%ld (some arches print 0x%lx)
 * The text is hostile input (it comes from a dump file): size, line count and key/value lengths
 * are bounded, and every value is parsed strictly. */

#include "macro.h"

#define VMCOREINFO_SIZE_MAX (64 * KiB) /* the kernel writes at most one page (VMCOREINFO_BYTES) */
#define VMCOREINFO_LINES_MAX 4096U
#define VMCOREINFO_KEY_MAX 128U
#define VMCOREINFO_VALUE_MAX 256U

typedef struct VmcoreInfo VmcoreInfo;

typedef struct VmcoreInfoParseError {
        unsigned line;                   /* 1-based */
        char key[VMCOREINFO_KEY_MAX + 1];
        char value[80];                  /* the start of the value, for the message */
        const char *what;                /* static text: "missing '='", "key too long", … */
} VmcoreInfoParseError;

/* Parses size bytes of note text. Parsing stops at the first NUL (the note's descriptor is
 * padded with zeros). Empty lines are ignored; a line without '=', an empty key, a key or value
 * longer than the maximum, or a control character in a line give -EBADMSG and, only then,
 * *reterr (if non-NULL) says where and why. -EFBIG above VMCOREINFO_SIZE_MAX or
 * VMCOREINFO_LINES_MAX lines. A key given twice keeps its first value. *ret only on success. */
int vmcoreinfo_parse(const char *data, size_t size, VmcoreInfo **ret, VmcoreInfoParseError *reterr);

VmcoreInfo *vmcoreinfo_free(VmcoreInfo *info);
DEFINE_TRIVIAL_CLEANUP_FUNC(VmcoreInfo *, vmcoreinfo_free);
#define _cleanup_vmcoreinfo_free_ _cleanup_(vmcoreinfo_freep)

/* Number of KEY=VALUE entries kept. */
size_t vmcoreinfo_count(const VmcoreInfo *info);

/* The raw value of a key ("OSRELEASE", "SYMBOL(prb)", …), or NULL. */
const char *vmcoreinfo_get(const VmcoreInfo *info, const char *key);

/* Typed lookups. All return -ENOENT when the key is missing, -EBADMSG when its value is not a
 * number of the expected form, and write *ret only on success. */
int vmcoreinfo_symbol(const VmcoreInfo *info, const char *name, uint64_t *ret);        /* SYMBOL(name), hex */
int vmcoreinfo_offset(const VmcoreInfo *info, const char *member, uint64_t *ret);      /* OFFSET(struct.member) */
int vmcoreinfo_size(const VmcoreInfo *info, const char *type, uint64_t *ret);          /* SIZE(type) */
int vmcoreinfo_length(const VmcoreInfo *info, const char *name, uint64_t *ret);        /* LENGTH(name) */
int vmcoreinfo_number(const VmcoreInfo *info, const char *name, int64_t *ret);         /* NUMBER(name), decimal or 0x hex */
int vmcoreinfo_page_size(const VmcoreInfo *info, uint64_t *ret);                       /* PAGESIZE, a power of two 4K…1M */
int vmcoreinfo_kernel_offset(const VmcoreInfo *info, uint64_t *ret);                   /* KERNELOFFSET, hex */
int vmcoreinfo_crash_time(const VmcoreInfo *info, uint64_t *ret);                      /* CRASHTIME, seconds */
/* OSRELEASE, or NULL. */
const char *vmcoreinfo_osrelease(const VmcoreInfo *info);
