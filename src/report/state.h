/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* The host-side state of the reporter, /var/lib/tinykdump/dumps/<id>/: the small copy kept of
 * each reported dump (canonical metadata, the tail of dmesg.txt, a "source" file), which is also
 * the "reported" mark, and the reporting run itself.
 *
 * Idempotency: a dump is reported once. dumps/<id>/ is filled under a temporary name, the record
 * is sent, and only then is it renamed to <id> (so a crash in between reports the dump again
 * rather than never). Its "source" file names the target's file system UUID and the dump
 * directory, so the same name on another disk is a different dump (it gets the id
 * "<name>_<first 8 characters of that UUID>"). */

#include <sys/uio.h>

#include "record.h"
#include "report-source.h"
#include "scan.h"

/* Below the root directory: the host-side state. */
#define REPORT_LOCK_FILE ".lock"
/* The host keeps the last REPORT_DMESG_KEEP_MAX bytes of dmesg.txt, under the same name. */
#define REPORT_DMESG_FILENAME DUMP_FILE_DMESG
#define REPORT_DMESG_KEEP_MAX (1 * MiB)
/* Per run (one stick inserted), at most REPORT_RUN_RECORDS_MAX dumps are newly reported and at
 * most REPORT_RUN_COPY_BYTES_MAX bytes of dmesg.txt copied into the state directory; the newest
 * dumps come first, the others are "deferred" to the next run. A hostile stick with a thousand
 * dump directories costs one bounded run, not a gigabyte in /var/lib/tinykdump. */
#define REPORT_RUN_RECORDS_MAX 64U
#define REPORT_RUN_COPY_BYTES_MAX (16 * MiB)

/* In total, the state directory keeps at most REPORT_STATE_BYTES_MAX bytes of dmesg.txt copies:
 * after each run, the copies of the oldest reported dumps (by id, which is by crash time) go
 * until the rest fits. Their metadata and source files stay: they are the "reported" marks, and
 * without them an old dump still on a stick would be reported again. Those are bounded per dump
 * (METADATA_FILE_MAX, REPORT_SOURCE_MAX). */
#define REPORT_STATE_BYTES_MAX (64 * MiB)

/* Drops the dmesg.txt copies of the oldest reported dumps in state_fd until the copies of the
 * newer ones take at most max_bytes. Entries that are not directories, temporaries (".…") and
 * anything that is not a regular dmesg.txt are left alone. Returns the number of copies dropped
 * and the bytes freed. */
int report_state_prune(int state_fd, uint64_t max_bytes, unsigned *ret_dropped, uint64_t *ret_freed);

/* The seam for tests: how a record's fields are sent. The real one is sd_journal_sendv(). */
typedef int (*ReportSendFunc)(const struct iovec *iov, size_t n, void *userdata);
int report_send_journal(const struct iovec *iov, size_t n, void *userdata);

/* Per-dump outcome, for the caller's log: r < 0 is an error for that dump (the others go on);
 * reported is false when it had been reported before. */
typedef void (*ReportNotifyFunc)(const DumpEntry *e, const ReportRecord *rec, bool reported, int r, void *userdata);

typedef struct ReportStats {
        unsigned found, reported, already, failed, skipped, deferred;
        unsigned tests;              /* of the reported: marked as "tinykdump test" crashes */
} ReportStats;

/* Opens (creating with mode 0700 when create is set) REPORT_DUMPS_DIR below root. */
int report_state_open(const char *root, bool create, int *ret_fd);

/* Takes an exclusive lock on the state directory (flock on REPORT_LOCK_FILE), waiting for it, so
 * two reporters (boot and hotplug) never send the same dump twice. Returns the lock's fd. */
int report_state_lock(int state_fd, int *ret_fd);

/* Reports the dumps in parent_fd that are not yet reported, newest first, within the per-run
 * caps above: builds its record, copies metadata, dmesg.txt's tail and a source file into
 * state_fd/<id>/, sends, marks. now_usec is recorded in the source file. A dump whose crashed
 * boot is test_boot_id (the self-test marker's, or NULL) is sent as a test (TINYKDUMP_TEST=1)
 * and counted in ret->tests. Returns the first error, after trying every dump. */
int report_dumps(int parent_fd, int state_fd, const ReportTarget *t, const char *test_boot_id, uint64_t now_usec,
                 ReportSendFunc send,
                 void *send_userdata, ReportNotifyFunc notify, void *notify_userdata, ReportStats *ret);

/* The key that tells targets apart: the UUID in lower case with only [0-9a-z] kept, else the
 * What= value cleaned the same way; "unknown" if neither has any. */
char *report_target_key(const ReportTarget *t);
