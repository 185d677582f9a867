/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* Runs a resolved erase plan over the crashed kernel's memory and collects the physical byte
 * ranges to erase. The memory is hostile input (the kernel crashed, maybe because it was
 * corrupted), so every step is bounded:
 *   - every pointer taken from memory must be NULL (ends the branch) or a kernel-half address
 *     that is not an ERR_PTR; rb_node and list_head pointers must also be 8-byte aligned;
 *     reads of unmapped or absent memory fail the rule;
 *   - an rbtree, list or array step yields at most its max= objects (≤ ERASE_WALK_NODES_MAX), an
 *     rbtree is at most ERASE_RBTREE_DEPTH_MAX deep, and a node seen twice (a cycle) fails the rule;
 *   - a length read from memory is cut to the step's max= (≤ ERASE_LENGTH_MAX) and counted as
 *     clamped; per-CPU walks stop at ERASE_CPUS_MAX;
 *   - at most ERASE_RANGES_MAX ranges are collected in all.
 * Memory use: the range array (16 bytes a range, at most 8 MiB) and one visited set per running
 * tree or list step (16 bytes a node at most, 4 MiB for the largest walk). A rule that fails
 * keeps the ranges it found before failing (erasing more is never unsafe) and records why. */

#include "erase-plan.h"

#define ERASE_RANGES_MAX (512U * 1024U)
#define ERASE_RBTREE_DEPTH_MAX 128U

/* The crashed kernel's memory: reads by kernel virtual address, and translation to physical
 * addresses (which the saved dump is indexed by). Errors as vmcore.h's. */
typedef struct EraseMemory {
        int (*read)(void *userdata, uint64_t vaddr, void *buf, size_t size);
        int (*virt_to_phys)(void *userdata, uint64_t vaddr, uint64_t *ret);
        void *userdata;
} EraseMemory;

typedef struct EraseRange {
        uint64_t paddr;
        uint64_t size;
} EraseRange;

typedef struct EraseRuleResult {
        int error;                 /* 0, or why the walk of this rule stopped */
        char what[160];            /* a sentence for messages when error != 0 */
        uint64_t objects;          /* objects at least one byte was collected from */
        uint64_t bytes;            /* bytes collected (before merging overlaps) */
        uint64_t visited;          /* objects the walk looked at */
        uint64_t clamped;          /* lengths cut to max= */
} EraseRuleResult;

typedef struct EraseWalk {
        EraseRuleResult *results;  /* one per plan rule; unresolved rules stay zero */
        size_t n_results;
        EraseRange *ranges;        /* sorted by address, overlaps merged, after erase_walk() */
        size_t n_ranges;
        size_t allocated;
        size_t n_failed;           /* resolved rules whose walk failed */
} EraseWalk;

void erase_walk_done(EraseWalk *w);

/* Walks every resolved rule. Returns 0 when all walks completed, -EIO when at least one failed
 * (see results[].error; the ranges found are still there), -ENOMEM. */
int erase_walk(const ErasePlan *plan, const EraseMemory *mem, EraseWalk *ret);

/* The fixed pattern erased bytes get: the ASCII text "TKERASED" repeated, aligned so that the
 * byte at physical address a is "TKERASED"[a % 8]. */
#define ERASE_PATTERN "TKERASED"
static inline uint8_t erase_pattern_byte(uint64_t paddr) {
        return (uint8_t) ERASE_PATTERN[paddr % 8];
}
