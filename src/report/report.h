/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* After the crash: the dump directories on a mounted dump target, which of them are not yet
 * reported, the one journal record sent for each, the small copy kept on the host in
 * /var/lib/tinykdump/dumps/<id>/, and the records read back for "tinykdump list|info".
 *
 * Everything on the target is untrusted (it is a removable disk, written by a kernel that had
 * just crashed): names are validated, nothing is followed through a symlink, only regular files
 * are read and every read is bounded. Nothing on the target is ever written, renamed or deleted.
 *
 * Idempotency: a dump is reported once. The host-side directory dumps/<id>/ is the "reported"
 * mark: it is filled under a temporary name, the record is sent, and only then is it renamed to
 * <id> (so a crash in between reports the dump again rather than never). Its "source" file names
 * the target's file system UUID and the dump directory, so the same name on another disk is a
 * different dump (it gets the id "<name>_<first 8 characters of that UUID>"). */

#include <sys/types.h>
#include <sys/uio.h>

#include "json.h"
#include "metadata.h"

/* Below the root directory: the host-side state. */
#define REPORT_STATE_DIR "/var/lib/tinykdump"
#define REPORT_DUMPS_DIR REPORT_STATE_DIR "/dumps"
#define REPORT_LOCK_FILE ".lock"
#define REPORT_SOURCE_FILENAME "source"
#define REPORT_DMESG_FILENAME "dmesg.txt"
#define CAPTURE_JOURNAL_FILENAME "capture.journal"

/* Bounds. A target holds at most REPORT_DUMPS_MAX directories we look at (more are left for the
 * next run); a directory name is a file name; of dmesg.txt the host keeps the last
 * REPORT_DMESG_KEEP_MAX bytes, and the journal record carries the last REPORT_DMESG_TAIL_LINES
 * lines, at most REPORT_DMESG_TAIL_MAX bytes. A journal field read back is cut at
 * REPORT_FIELD_MAX; the source file is at most REPORT_SOURCE_MAX. */
#define REPORT_DUMPS_MAX 1024U
#define REPORT_NAME_MAX 255U
#define REPORT_DMESG_KEEP_MAX (1 * MiB)
#define REPORT_DMESG_TAIL_LINES 40U
#define REPORT_DMESG_TAIL_MAX (8 * KiB)
#define REPORT_PANIC_IN_MESSAGE_MAX 200U
#define REPORT_FIELD_MAX (64 * KiB)
#define REPORT_SOURCE_MAX (4 * KiB)
/* The capture image's journal lives in /run; it is small, but bounded all the same. */
#define CAPTURE_JOURNAL_MAX (64 * MiB)

/* Is name a dump directory name we are willing to open: 1..REPORT_NAME_MAX bytes of
 * [A-Za-z0-9._+:-], not starting with '.' (so neither "." nor ".." nor hidden files). */
bool dump_dir_name_is_valid(const char *name);

/* The crash time a dump directory name starts with ("YYYY-MM-DDTHH:MM:SS" or, on FAT,
 * "YYYY-MM-DDTHH-MM-SS", UTC; see dumpdir_format_name()), for dumps whose metadata cannot be read.
 * -EINVAL when the name does not start so. */
int dump_dir_name_time(const char *name, uint64_t *ret_usec);

/* One dump directory as found on the target. */
typedef struct DumpEntry {
        char *name;
        DumpMetadata md;             /* dump_metadata_init()ed when it could not be read */
        int metadata_error;          /* 0, or why "metadata" could not be read (-ENOENT, -EBADMSG…) */
        MetadataParseError parse_error; /* where, when metadata_error is -EBADMSG */
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

/* All dump directories in parent_fd, sorted by name (which is by crash time). Entries with
 * invalid names or that are not directories are skipped and counted in *ret_skipped. */
int report_scan(int parent_fd, DumpEntry **ret, size_t *ret_n, unsigned *ret_skipped);

/* The last max_lines lines of data, at most max_bytes (then starting at a line boundary if there
 * is one within the last max_bytes), as a new string in which NUL and control characters other
 * than newline and tab became '?' and without trailing newlines. -ENODATA when empty. */
int dmesg_tail(const char *data, size_t size, size_t max_lines, size_t max_bytes, char **ret);

typedef enum ReportKind {
        REPORT_DUMP_SAVED,
        REPORT_DMESG_ONLY,
        REPORT_CAPTURE_FAILED,
        _REPORT_KIND_MAX,
        _REPORT_KIND_INVALID = -EINVAL,
} ReportKind;

/* The MESSAGE_ID string of a kind, and back. */
const char *report_kind_to_message_id(ReportKind k) _pure_;
ReportKind report_kind_from_message_id(const char *s) _pure_;
/* "saved", "dmesg-only", "failed" */
const char *report_kind_to_string(ReportKind k) _pure_;

/* The target as the reporter saw it. */
typedef struct ReportTarget {
        const char *what;            /* the configured What=, e.g. "UUID=1234-ABCD" */
        const char *uuid;            /* the file system UUID libblkid read, or NULL */
        const char *device;          /* the device node, e.g. "/dev/sdb1", or NULL */
        const char *directory;       /* the configured Directory=, e.g. "tinykdump" */
} ReportTarget;

/* One record: what is sent to the journal and what is read back from it. Strings may be NULL,
 * numbers are METADATA_UNSET when not known. */
typedef struct ReportRecord {
        ReportKind kind;
        char *message;
        char *id;                    /* the host-side id: the directory name, maybe with a suffix */
        char *directory;             /* "<Directory>/<name>" on the target */
        char *target;
        char *target_uuid;
        char *target_device;
        char *kernel_release;
        char *crashed_boot_id;
        char *crashed_machine_id;
        char *hostname;
        char *panic_message;
        char *result;                /* "complete", "dmesg-only", "failed" */
        char *reason;
        char *dump_level;
        char *compression;
        char *format;
        char *capture_boot_id;
        char *capture_journal;       /* path on the target, when capture.journal is there */
        char *version;               /* tinykdump version of the capture side */
        char *dmesg_tail;
        uint64_t crash_time_usec;
        uint64_t vmcore_size;
        uint64_t dmesg_size;
        uint64_t makedumpfile_status;
        uint64_t target_wait_usec;
        uint64_t dmesg_usec;
        uint64_t vmcore_usec;
        uint64_t total_usec;
        uint64_t journal_time_usec;  /* when the record was logged (read back only) */
} ReportRecord;

void report_record_init(ReportRecord *r);
void report_record_done(ReportRecord *r);
void report_records_free(ReportRecord *r, size_t n);

/* What a dump directory says, as a record. The kind follows the metadata's RESULT, corrected by
 * what is really there: "complete" without a vmcore is "dmesg-only" (or "failed" without dmesg.txt
 * too), and unreadable metadata is "failed" with the reason saying file, line, key and value. */
int report_record_from_dump(const DumpEntry *e, const ReportTarget *t, const char *id, ReportRecord *ret);

/* The human MESSAGE= of a record: "Kernel 7.2.13 crashed at <local time>: '<panic>' — dump saved
 * to <directory> on <target>, 44.0M." Control characters in untrusted parts become '?'. */
int report_format_message(const ReportRecord *r, char **ret);

/* The journal fields: MESSAGE_ID=, PRIORITY=, MESSAGE= (r->message, or formatted), and
 * TINYKDUMP_*=, each "KEY=value" (values may hold newlines: sd_journal_sendv() takes them). */
int report_record_to_fields(const ReportRecord *r, char ***ret);

/* Takes one journal field "KEY=value" (not NUL-terminated; size bytes) into r. MESSAGE_ID=
 * sets the kind; unknown keys are ignored; values longer than REPORT_FIELD_MAX are cut, NUL bytes
 * are -EBADMSG, a number that does not parse is left unset. */
int report_record_add_field(ReportRecord *r, const void *data, size_t size);

/* The seam for tests: how a record's fields are sent. The real one is sd_journal_sendv(). */
typedef int (*ReportSendFunc)(const struct iovec *iov, size_t n, void *userdata);
int report_send_journal(const struct iovec *iov, size_t n, void *userdata);

/* Per-dump outcome, for the caller's log: r < 0 is an error for that dump (the others go on);
 * reported is false when it had been reported before. */
typedef void (*ReportNotifyFunc)(const DumpEntry *e, const ReportRecord *rec, bool reported, int r, void *userdata);

typedef struct ReportStats {
        unsigned found, reported, already, failed, skipped;
} ReportStats;

/* Opens (creating with mode 0700 when create is set) REPORT_DUMPS_DIR below root. */
int report_state_open(const char *root, bool create, int *ret_fd);

/* Takes an exclusive lock on the state directory (flock on REPORT_LOCK_FILE), waiting for it, so
 * two reporters (boot and hotplug) never send the same dump twice. Returns the lock's fd. */
int report_state_lock(int state_fd, int *ret_fd);

/* Reports every dump in parent_fd that is not yet reported: builds its record, copies
 * metadata, dmesg.txt's tail and a source file into state_fd/<id>/, sends, marks. now_usec is
 * recorded in the source file. Returns the first error, after trying every dump. */
int report_dumps(int parent_fd, int state_fd, const ReportTarget *t, uint64_t now_usec, ReportSendFunc send,
                 void *send_userdata, ReportNotifyFunc notify, void *notify_userdata, ReportStats *ret);

/* The host-side source file of a reported dump. */
typedef struct ReportSource {
        char *target;
        char *target_uuid;
        char *directory;
        char *name;
        uint64_t reported_usec;
} ReportSource;

void report_source_done(ReportSource *s);
int report_source_format(const ReportSource *s, char **ret, size_t *ret_size);
/* KEY=value lines; unknown keys ignored; control characters, a key given twice or a missing
 * NAME= are -EBADMSG; more than REPORT_SOURCE_MAX is -EFBIG. */
int report_source_parse(const char *data, size_t size, ReportSource *ret);

/* The key that tells targets apart: the UUID in lower case with only [0-9a-z] kept, else the
 * What= value cleaned the same way; "unknown" if neither has any. */
char *report_target_key(const ReportTarget *t);

/* Finds the record whose id is id_or_prefix, or the only one whose id starts with it; with
 * several records for the same id (a dump reported again) the last one counts. -ENOENT, or
 * -ENOTUNIQ when the prefix names more than one dump. */
int report_records_find(const ReportRecord *recs, size_t n, const char *id_or_prefix, size_t *ret_index);

/* Drops records for an id seen later again (keeps the last of each), preserving order. */
size_t report_records_dedup(ReportRecord *recs, size_t n);

/* Output for "tinykdump list" and "tinykdump info". dmesg (may be NULL) is the host-side copy of
 * dmesg.txt; without it the record's tail is shown. At most dmesg_lines lines of it. */
void report_print_table(FILE *f, const ReportRecord *recs, size_t n);
void report_json_record(JsonWriter *w, const ReportRecord *r);
void report_print_info(FILE *f, const ReportRecord *r, const char *dmesg, size_t dmesg_lines);

/* Capture side: saves the capture boot's own journal (the first <root>/run/log/journal/<machine
 * id>/system.journal) into dir_fd as capture.journal, through a temporary name, fsynced; a copy
 * of a file journald keeps open, which journalctl --file= reads. -ENOENT when there is none. */
int capture_journal_save(const char *root, int dir_fd, uint64_t *ret_size);

/* Runs "journalctl --sync" (the first of /usr/bin/journalctl, /bin/journalctl), so that what was
 * logged so far is in the journal file, stopping it after timeout_usec (SIGTERM, then SIGKILL half
 * a second later). -ENOENT without journalctl, -ETIMEDOUT, -EPROTO when it failed. */
int journal_sync(uint64_t timeout_usec);

/* Host side: finding and opening the target. */

/* The device node for the argument of "tinykdump report": "/dev/…" is taken as it is; a sysfs
 * path ("/sys/devices/…/sdb1", the instance of tinykdump-report@.service) becomes
 * "/dev/block/MAJ:MIN" from its "dev" attribute, read below root. -EINVAL otherwise. */
int report_device_from_arg(const char *root, const char *arg, char **ret);

/* Opens the file system on devnode (a block device whose identity the caller has checked): where
 * it is already mounted, that mount; otherwise a read-only, nosuid, nodev, noexec mount in a new
 * private mount namespace of the calling process, on a fresh directory below /run/tinykdump (or
 * /tmp when /run is read-only), detached again at once: it lives only as long as the returned fd,
 * and the directory is removed. Either way the opened directory must be on devnode (its st_dev;
 * btrfs excepted). ret_where (may be NULL) says where it was found or mounted, ret_mounted whether
 * we mounted it. */
int report_target_open(const char *devnode, const char *fstype, int *ret_fd, char **ret_where, bool *ret_mounted);

/* Reading back. At most REPORT_RECORDS_MAX records are kept (the newest). */
#define REPORT_RECORDS_MAX 10000U

typedef struct sd_journal sd_journal;

/* Every tinykdump record in j, oldest first: matches the three MESSAGE_IDs and keeps only records
 * that root logged (_UID=0, a field journald sets itself), so a user cannot forge one. */
int report_journal_read(sd_journal *j, ReportRecord **ret, size_t *ret_n);
