/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* The journal record of one dump: what "tinykdump report" sends (one sd_journal_sendv() record
 * with a MESSAGE_ID per outcome and TINYKDUMP_* fields) and what "tinykdump list|info" read back.
 * The field names are part of the interface (tinykdump(8), src/catalog/): only add. */

#include "metadata.h"
#include "scan.h"

/* A journal field read back is cut at REPORT_FIELD_MAX; the panic message in MESSAGE= at
 * REPORT_PANIC_IN_MESSAGE_MAX. */
#define REPORT_FIELD_MAX (64 * KiB)
#define REPORT_PANIC_IN_MESSAGE_MAX 200U

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

/* One record. Strings may be NULL, numbers are METADATA_UNSET when not known. What the dump's
 * metadata says about the crashed system and the capture is kept in md (a copy of it, with
 * crash_time_usec from the directory name when the metadata lacks it, and vmcore_size and
 * dmesg_size from the files really there); the rest is what the reporter adds. Of md, the
 * journal carries the fields listed in record.c; the others stay unset when read back. */
typedef struct ReportRecord {
        ReportKind kind;
        char *message;
        char *id;                    /* the host-side id: the directory name, maybe with a suffix */
        char *directory;             /* "<Directory>/<name>" on the target */
        char *target;                /* What= of the target it was found on (else the metadata's) */
        char *target_uuid;
        char *target_device;
        char *result;                /* "complete", "dmesg-only", "failed": corrected by what is there */
        char *reason;                /* likewise */
        char *capture_journal;       /* path on the target, when capture.journal is there */
        char *dmesg_tail;
        uint64_t test;               /* 1: the crash was "tinykdump test" (its marker named the crashed boot) */
        DumpMetadata md;
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

/* Calls f for each TINYKDUMP_* field of r in the journal's order, with its key and either its
 * string (NULL when unset) or its number (METADATA_UNSET when unset): for printers. */
typedef void (*ReportFieldFunc)(const char *key, bool is_number, const char *s, uint64_t u, void *userdata);
void report_record_foreach_field(const ReportRecord *r, ReportFieldFunc f, void *userdata);

/* Finds the record whose id is id_or_prefix, or the only one whose id starts with it; with
 * several records for the same id (a dump reported again) the last one counts. -ENOENT, or
 * -ENOTUNIQ when the prefix names more than one dump. */
int report_records_find(const ReportRecord *recs, size_t n, const char *id_or_prefix, size_t *ret_index);

/* Drops records for an id seen later again (keeps the last of each), preserving order. */
/* Keeps, in order, the records keep() accepts and frees the others; returns how many are left. */
size_t report_records_keep(ReportRecord *recs, size_t n,
                           bool (*keep)(const ReportRecord *recs, size_t n, size_t i, void *userdata), void *userdata);
size_t report_records_dedup(ReportRecord *recs, size_t n);

/* A copy of untrusted text for one line of output: control characters become '?', cut at max
 * bytes (not inside a UTF-8 sequence) with "…" appended. NULL on ENOMEM. */
char *report_one_line(const char *s, size_t max);

/* usec (realtime) as local "%Y-%m-%d %H:%M:%S %Z", or "an unknown time". */
void report_format_time(uint64_t usec, char *buf, size_t l);
