/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* Scanning a dump target: the dump directories below the configured Directory=, what each holds.
 * Everything on the target is untrusted (a removable disk, written by a kernel that had just
 * crashed): names are validated, nothing is followed through a symlink, only regular files are
 * read and every read is bounded. Nothing on the target is ever written, renamed or deleted. */

#include "dump-files.h"
#include "dumpdir.h"
#include "metadata.h"

/* A target holds at most REPORT_DUMPS_MAX directories we look at (more are left for the next
 * run); a directory name is a file name; of dmesg.txt the journal record carries the last
 * REPORT_DMESG_TAIL_LINES lines, at most REPORT_DMESG_TAIL_MAX bytes. */
#define REPORT_DUMPS_MAX 1024U
/* A scan looks at no more than REPORT_SCAN_ENTRIES_MAX directory entries (a stick with millions
 * of entries is read in bounded time); of the valid dump directory names among them it keeps the
 * REPORT_DUMPS_MAX newest (names sort by crash time). */
#define REPORT_SCAN_ENTRIES_MAX 65536U
#define REPORT_NAME_MAX DUMPDIR_NAME_MAX
#define REPORT_DMESG_TAIL_LINES 40U
#define REPORT_DMESG_TAIL_MAX (8 * KiB)

/* The crash time a dump directory name starts with ("YYYY-MM-DDTHH:MM:SS" or, on FAT,
 * "YYYY-MM-DDTHH-MM-SS", UTC; see dumpdir_format_name()), for dumps whose metadata cannot be read.
 * -EINVAL when the name does not start so. */
int dump_dir_name_time(const char *name, uint64_t *ret_usec);

/* One dump directory as found on the target. */
typedef struct DumpEntry {
        char *name;
        DumpMetadata md;             /* dump_metadata_init()ed when it could not be read */
        int metadata_error;          /* 0, or why "metadata" could not be read (-ENOENT, -EBADMSG…) */
        ConfDiagList metadata_diags; /* where and why, when metadata_error is -EBADMSG */
        bool has_dmesg, has_vmcore, has_vmcore_incomplete, has_capture_journal;
        uint64_t dmesg_size, vmcore_size; /* of the regular files present */
        char *dmesg_tail;            /* last lines of dmesg.txt (cleaned, see dmesg_tail()), or NULL */
} DumpEntry;

void dump_entry_done(DumpEntry *e);
void dump_entries_free(DumpEntry *e, size_t n);

/* Reads the dump directory name in parent_fd: metadata (a bad one is recorded in the entry, not
 * returned), which files are there (regular files only, not followed), the tail of dmesg.txt.
 * -EINVAL for an invalid name, -ELOOP/-ENOTDIR when it is not a directory. */
int dump_entry_load(int parent_fd, const char *name, DumpEntry *ret);

/* The newest REPORT_DUMPS_MAX dump directories in parent_fd (among the first
 * REPORT_SCAN_ENTRIES_MAX entries), sorted by name (which is by crash time). Entries with invalid
 * names, that are not directories or that are older than the kept ones are skipped and counted
 * in *ret_skipped. */
int report_scan(int parent_fd, DumpEntry **ret, size_t *ret_n, unsigned *ret_skipped);

/* The last max_lines lines of data, at most max_bytes (then starting at a line boundary if there
 * is one within the last max_bytes), as a new string in which NUL and control characters other
 * than newline and tab became '?' and without trailing newlines. -ENODATA when empty. */
int dmesg_tail(const char *data, size_t size, size_t max_lines, size_t max_bytes, char **ret);
