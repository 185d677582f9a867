/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* crashkernel= as Linux evaluates it at boot (kernel/crash_reserve.c parse_crashkernel() and the x86
 * caller arch_reserve_crashkernel(), Linux 6.17 … 7.2), so user space knows what the kernel was asked
 * to reserve and can explain why it reserved nothing. */

#include "macro.h"

/* x86_64 default for the ,low part when crashkernel=X,high gives none: crash_low_size_default() in
 * arch/x86/include/asm/crash_reserve.h is max(swiotlb default 64 MiB + 8 MiB, 256 MiB) = 256 MiB. */
#define CRASHKERNEL_DEFAULT_LOW_SIZE (256 * MiB)

/* The kernel rounds the system RAM size up to this before matching range lists (firmware keeps some
 * RAM, so the size it sees is a little below the installed size). parse_crashkernel_mem(). */
#define CRASHKERNEL_RANGE_RAM_ROUNDUP (128 * MiB)

typedef struct Crashkernel {
        uint64_t size;        /* static part: crashkernel=X, the matching range's size, or X,high */
        uint64_t offset;      /* @offset, 0 when none (the kernel picks) */
        bool high;            /* from crashkernel=X,high: reserved above 4 GiB, plus a low part */
        bool range_list;      /* size came from a range1:size1,… list */
        uint64_t low;         /* ,low size; for ,high without ,low the kernel default (below) */
        bool low_default;     /* low is CRASHKERNEL_DEFAULT_LOW_SIZE, not given on the command line */
        uint64_t cma;         /* ,cma size (0 when none) */
        /* Byte offsets into the command line of the crashkernel= word each part came from, or
         * SIZE_MAX; the caller can print the word to show what was used. */
        size_t static_pos, low_pos, cma_pos;
} Crashkernel;

/* Errors of crashkernel_parse(), each its own errno (crashkernel_strerror() words them):
 *   -ENOENT    no crashkernel= on the command line at all;
 *   -EINVAL    syntax error in the word at *ret_error_pos ("memory value expected", "unrecognized
 *              char", "'-' expected", "':' expected");
 *   -ERANGE    a range list entry with end <= start;
 *   -EFBIG     a size not below system RAM (a range entry's size >= the rounded RAM size, or the
 *              final static size >= system_ram);
 *   -ENODATA   the static size is zero: crashkernel=0, or no range of the list matched this RAM size;
 *   -ENOMSG    only ,cma (or ,low) parts and no static or ,high part: Linux ≤ 7.2 then reserves
 *              nothing at all, not even the CMA part;
 *   -ENOMEM    out of memory.
 * system_ram is the physical RAM size (memblock_phys_mem_size() in the kernel; see crashmem.h for how
 * user space approximates it). On error *ret is untouched and *ret_error_pos (optional) is the byte
 * offset of the offending word in cmdline (SIZE_MAX when no single word is at fault). */
int crashkernel_parse(const char *cmdline, uint64_t system_ram, Crashkernel *ret, size_t *ret_error_pos);

/* A sentence for an error of crashkernel_parse() ("no range of the crashkernel= list matches this
 * machine's RAM size"), or NULL for an errno it never returns. */
const char *crashkernel_strerror(int error);

/* The kernel's memparse(): a number in C notation (0x hex, leading-0 octal, decimal) with an optional
 * K/M/G/T/P/E suffix (either case), wrapping on overflow exactly like the kernel. *ret_end is where
 * parsing stopped; when it equals s nothing was parsed. Exposed for tests. */
uint64_t kernel_memparse(const char *s, const char **ret_end);

/* The crashkernel= word (without "crashkernel=") starting at pos in cmdline, up to the next space;
 * a copy, for messages. */
char *crashkernel_word_at(const char *cmdline, size_t pos);
