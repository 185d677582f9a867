/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* A saved dump, checked rather than trusted: tinykdump's own readers (src/vmcore) read it back —
 * the header, VMCOREINFO (its kernel release against the crashed kernel's), the crashed kernel's
 * page tables (kernel symbols translated by the page-table walk must land where the kernel
 * image's fixed mapping puts them, and be in the dump), utsname and the printk ring. makedumpfile
 * can exit 0 with a dump that is incomplete (an unsupported kernel version, wrong exclusions):
 * see tinykdump-save.service(8), VERIFYING THE DUMP. */

#include "macro.h"

/* Symbols every x86_64 kernel's VMCOREINFO names: translated both ways and read. The first two
 * are required. */
#define VERIFY_SYMBOLS "init_top_pgt", "init_uts_ns", "_stext", "prb"
#define VERIFY_SYMBOLS_REQUIRED 2U

typedef struct DumpVerdict {
        bool ok;
        char *reason;   /* "header, VMCOREINFO 7.2.13, …" or the first check that failed */
} DumpVerdict;

void dump_verdict_done(DumpVerdict *v);

typedef struct Vmcore Vmcore;

/* Checks an opened dump (the fuzz target's entry point). */
int dump_verify(Vmcore *v, const char *expected_release, DumpVerdict *ret);

/* Reads the dump open at fd; expected_release (NULL: not compared) is the crashed kernel's
 * uname -r. The verdict says yes or no and why; the return value is negative only for -ENOMEM. */
int dump_verify_fd(int fd, const char *expected_release, DumpVerdict *ret);
