/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* Erasing byte ranges from a kdump-compressed file (makedumpfile's output) in place.
 *
 * For every dumped page that holds bytes of a range: read its descriptor, decode the page (zlib,
 * lzo, snappy, zstd or raw, as the descriptor says), overwrite the bytes with the pattern of
 * erase-walk.h, compress it again with the same method (stored raw, flags 0, when that does not
 * shrink it, as makedumpfile does), then
 *   - if the new data fits the old slot: write it there and zero the rest of the slot;
 *   - else: append it at the end of the file and zero the whole old slot;
 * and rewrite the descriptor. The old compressed bytes therefore exist nowhere in the file
 * afterwards. Pages that are not in the dump (filtered) hold nothing to erase; pages that decode
 * to all zeros are left alone (makedumpfile may share one zero-page slot between descriptors,
 * and a zero page holds no secret). The file is fsync()ed at the end.
 *
 * Memory: one VmcoreKdump reader (a prefix table of 8 bytes per 32768 pages), three page-sized
 * buffers and the compressor's state (zstd level 1 for 4 KiB inputs: well under 1 MiB). */

#include "erase-walk.h"

typedef struct EraseApplyStats {
        uint64_t pages;            /* pages rewritten */
        uint64_t appended;         /* of which moved to the end of the file */
        uint64_t bytes;            /* bytes overwritten in dumped pages */
        uint64_t absent_bytes;     /* bytes in pages the dump does not hold (filtered out) */
} EraseApplyStats;

/* ranges sorted and merged (erase_walk() returns them so). fd open read-write. -EBADMSG for a
 * file that is not a consistent kdump-compressed file, -EPROTONOSUPPORT for a compression this
 * build cannot redo, I/O errors as returned. After an error the file may be half rewritten: it
 * must not be published. */
int erase_kdump_apply(int fd, const EraseRange *ranges, size_t n_ranges, EraseApplyStats *ret);

/* Whether every byte of the ranges that the dump holds reads back as the pattern: 1 yes, 0 no. */
int erase_kdump_verify(int fd, const EraseRange *ranges, size_t n_ranges);
