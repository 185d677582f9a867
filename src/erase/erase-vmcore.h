/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* The capture side's whole erasure: walk the plan over the crashed kernel's memory (a Vmcore:
 * /proc/vmcore, or the written dump itself), rewrite the kdump-compressed file, read it back.
 * Linked by tinykdump-save; no libbpf. */

#include "erase-kdump.h"
#include "vmcore.h"

EraseMemory erase_memory_from_vmcore(Vmcore *v);

typedef struct EraseReport {
        EraseWalk walk;
        EraseApplyStats apply;
        bool verified;             /* every erased byte the dump holds reads back as the pattern */
        uint64_t usec;             /* CLOCK_MONOTONIC time the whole erasure took */
} EraseReport;

void erase_report_done(EraseReport *r);

/* 0: complete. -EIO: a rule's walk failed (the ranges found were still erased; see
 * walk.results), -EBADMSG: the read-back found unerased bytes; other errors from rewriting the
 * file (then it may be half rewritten). *ret is filled in every case but -ENOMEM. */
int erase_dump(const ErasePlan *plan, Vmcore *memory, int kdump_fd, EraseReport *ret);

/* Per rule "NAME=OBJECTS/BYTES" (resolved and walked), "NAME=failed", "NAME=unresolved",
 * "NAME=inactive", "NAME=disabled", separated by spaces: the metadata's ERASE_RULES= value. */
int erase_report_format_rules(const ErasePlan *plan, const EraseReport *r, char **ret);
