/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* Room on the dump target: how much a dump of the crashed machine can need, whether the target
 * has it, and what a failed vmcore says about why it failed (a full target, or vfat's file size
 * limit). tinykdump-save checks before the vmcore, and after a failure deletes the partial file
 * first so that the final metadata and capture.journal always fit. See tinykdump-save.service(8),
 * "FULL TARGETS". */

#include "macro.h"

/* The largest file FAT (vfat, msdos) can hold: 4 GiB - 1 byte. */
#define FAT_FILE_SIZE_MAX UINT64_C(0xffffffff)
/* A vmcore.incomplete this close to FAT_FILE_SIZE_MAX on FAT ran into the limit (makedumpfile
 * writes in blocks of a few pages; one block more would not have fitted). */
#define FAT_FILE_SIZE_SLACK (64 * MiB)
/* Less than this free on the target after a failed write: the target filled up. */
#define SPACE_FULL_THRESHOLD (1 * MiB)
/* capture.journal is a copy of the capture image's one journal file, which journald grows up to
 * RuntimeMaxFileSize=2M (mkosi.extra/usr/lib/systemd/journald.conf.d/tinykdump-capture.conf). */
#define CAPTURE_JOURNAL_RESERVE (2 * MiB)
/* Kept free when deciding whether to try the vmcore: the final metadata (1 MiB, generously: a
 * temporary file next to the old one) and capture.journal. With 1 MiB alone, a target with 1.75 MiB
 * left after dmesg.txt was "insufficient" and then had no room for a 2 MiB capture.journal. */
#define SPACE_RESERVE (1 * MiB + CAPTURE_JOURNAL_RESERVE)
/* Headers of a kdump-compressed file (disk_dump_header, kdump_sub_header, VMCOREINFO, ELF notes
 * of every CPU), rounded up generously. */
#define KDUMP_HEADERS_MAX (1 * MiB)
/* One page descriptor per dumped page (struct page_desc: offset, size, flags, page_flags). */
#define KDUMP_PAGE_DESC_SIZE 24U

typedef enum SpaceVerdict {
        SPACE_UNKNOWN,       /* not checked (no statvfs, no memory size) */
        SPACE_OK,            /* the upper bound fits */
        SPACE_TIGHT,         /* less free than the upper bound, more than the lower: tried */
        SPACE_INSUFFICIENT,  /* less free than even the lower bound: vmcore not tried */
        SPACE_FULL,          /* the vmcore filled the target; the partial file was deleted */
        SPACE_FILE_LIMIT,    /* the vmcore reached the file system's file size limit; deleted */
        _SPACE_VERDICT_MAX,
        _SPACE_VERDICT_INVALID = -EINVAL,
} SpaceVerdict;

/* "ok", "tight", "insufficient", "full", "file-limit"; NULL for SPACE_UNKNOWN. The metadata's
 * SPACE= and the journal's TINYKDUMP_SPACE=. */
const char *space_verdict_to_string(SpaceVerdict v) _pure_;

typedef struct SpaceEstimate {
        uint64_t min;   /* written whatever the dump level excludes: headers and the two bitmaps */
        uint64_t max;   /* nothing excluded, nothing compressed: every page, its descriptor, headers */
} SpaceEstimate;

/* Bounds for a kdump-compressed dump of memory_size bytes of RAM (the size of /proc/vmcore) in
 * pages of page_size bytes, at makedumpfile dump level dump_level. Level 0 keeps every page, so
 * there min is max less what compression can save, which tinykdump does not guess: min = max
 * only when compression is off too. Filtering levels exclude page classes whose share of memory
 * only makedumpfile's walk knows; the lower bound is then what every dump writes. */
SpaceEstimate space_estimate(uint64_t memory_size, uint64_t page_size, unsigned dump_level, bool compressed);

/* Before the vmcore: free bytes against the estimate. */
SpaceVerdict space_check(uint64_t free_bytes, const SpaceEstimate *e);

/* After a failed vmcore: did it fill the target (free_after below SPACE_FULL_THRESHOLD) or reach
 * the file size limit (a FAT target and a partial file within FAT_FILE_SIZE_SLACK of it)?
 * SPACE_UNKNOWN when neither explains the failure. */
SpaceVerdict space_classify_failure(const char *fstype, uint64_t free_after, uint64_t partial_size);

/* The file size limit of a file system type, UINT64_MAX when it has none that matters. */
uint64_t fstype_file_size_max(const char *fstype) _pure_;

/* Free bytes for an unprivileged writer (f_bavail) of the file system holding fd. */
int fd_free_bytes(int fd, uint64_t *ret);
