/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* The per-dump metadata file: "<dump dir>/metadata", written by tinykdump-save and read by
 * "tinykdump list|info" and the reporter.
 *
 * Format: UTF-8 text, one "KEY=VALUE" per line, KEY of [A-Z0-9_] (at most METADATA_KEY_MAX
 * bytes), VALUE escaped so that it holds no control characters: "\\" "\n" "\t" "\r" and "\xHH"
 * for any other byte below 0x20 or 0x7f. Blank lines and lines starting with "#" are comments.
 * No quoting, no continuation. Numbers are unsigned decimal. Unknown keys are skipped, so older
 * readers accept newer files; a key given twice, a malformed line or a bad value is an error.
 * The keys are listed in tinykdump-save.service(8). */

#include <sys/types.h>

#include "conf-parser.h"
#include "dump-files.h"
#include "macro.h"

/* Bounds for the reader: whole file, key, one value after unescaping. */
#define METADATA_FILE_MAX (64 * KiB)
#define METADATA_KEY_MAX 64U
#define METADATA_VALUE_MAX (4 * KiB)
/* How much of a bad key and value a diagnostic keeps. */
#define METADATA_DIAG_KEY_MAX METADATA_KEY_MAX
#define METADATA_DIAG_VALUE_MAX 79U

/* "Not recorded" for numeric fields. */
#define METADATA_UNSET UINT64_MAX

typedef enum DumpResult {
        DUMP_RESULT_COMPLETE,    /* dmesg.txt and vmcore saved */
        DUMP_RESULT_DMESG_ONLY,  /* dmesg.txt saved, the vmcore was not */
        DUMP_RESULT_FAILED,      /* nothing usable saved, or the capture was interrupted */
        _DUMP_RESULT_MAX,
        _DUMP_RESULT_INVALID = -EINVAL,
} DumpResult;

const char *dump_result_to_string(DumpResult r) _pure_;
DumpResult dump_result_from_string(const char *s) _pure_;

typedef struct DumpMetadata {
        char *tinykdump_version;
        DumpResult result;
        char *reason;              /* why not complete; NULL when complete */

        /* The crashed system, from the capture configuration that "tinykdump load" recorded. */
        char *kernel_release;
        char *boot_id;             /* 32 lower-case hex digits */
        char *machine_id;
        char *hostname;
        char *panic_message;       /* the "Kernel panic - not syncing: …" text, if found */

        /* Realtime clock, µs since the epoch. crash_time is the capture kernel's start, i.e. the
         * moment of the panic to within the capture kernel's boot time; capture_time is when
         * tinykdump-save started. */
        uint64_t crash_time_usec;
        uint64_t capture_time_usec;
        char *capture_boot_id;

        /* Where it went. */
        char *target;              /* the configured identity, e.g. "UUID=1234-ABCD" */
        char *target_device;       /* the device node that was mounted */
        char *target_fstype;
        char *directory;           /* the dump directory's name below the target directory */

        /* How. */
        char *dump_level;          /* makedumpfile -d argument, e.g. "31" */
        char *compression;         /* compression actually used: zlib, lzo, snappy, zstd, none */
        char *compression_configured; /* when it differs: what the configuration asked for */
        char *format;              /* kdump-compressed or elf */
        char *makedumpfile_version;

        /* Results. Exit statuses are the process's exit code, or 128+N when killed by signal N. */
        uint64_t dmesg_size;
        uint64_t vmcore_size;
        uint64_t dmesg_status;
        uint64_t makedumpfile_status;

        /* Erasing secrets (src/erase/): ERASE= "complete", "failed" or "disabled"; ERASE_RULES= per
         * rule "NAME=OBJECTS/BYTES" or "NAME=failed|unresolved|inactive|disabled", space-separated;
         * ERASE_REASON= why it failed or what it could not cover. */
        char *erase;
        char *erase_rules;
        char *erase_reason;
        uint64_t erase_bytes;       /* bytes overwritten in the saved dump */
        uint64_t erase_pages;       /* pages rewritten */
        uint64_t erase_usec;

        /* Room on the target (tinykdump-save.service(8), FULL TARGETS): the crashed machine's
         * memory (the size of /proc/vmcore), bytes free before the vmcore, the dump's upper bound
         * and lower bound, and SPACE= "ok", "tight", "insufficient", "full" or "file-limit". */
        uint64_t memory_size;
        uint64_t target_free;
        uint64_t vmcore_estimate;
        uint64_t vmcore_minimum;
        char *space;
        /* Retention ([Target] MaxUse=, KeepFree=; tinykdump-save.service(8), RETENTION): the older
         * dump directories deleted before this vmcore, space-separated, and the bytes they took. */
        char *retention_deleted;
        uint64_t retention_freed;

        /* Checked, not trusted (tinykdump-save.service(8), VERIFYING THE DUMP): makedumpfile's own
         * "may be incomplete" warnings, and whether tinykdump's readers read the saved vmcore
         * back: VERIFIED= "yes" or "no", VERIFY_REASON= what was read or what failed. */
        char *makedumpfile_warning;
        char *verified;
        char *verify_reason;

        /* Durations in µs (CLOCK_BOOTTIME differences). */
        uint64_t target_wait_usec;  /* capture kernel start until the target was usable */
        uint64_t dmesg_usec;
        uint64_t vmcore_usec;
        uint64_t total_usec;        /* capture kernel start until the final metadata write */
} DumpMetadata;

/* All strings NULL, all numbers METADATA_UNSET, result failed. */
void dump_metadata_init(DumpMetadata *m);
void dump_metadata_done(DumpMetadata *m);

/* Replace one string field with a copy of s (NULL clears it). */
int dump_metadata_set(char **field, const char *s);

/* A deep copy of every field of src into *ret (which is overwritten, not freed). */
int dump_metadata_copy(const DumpMetadata *src, DumpMetadata *ret);

/* Render as the file's text (NUL-terminated; ret_size excludes the NUL). Fields that are NULL
 * or METADATA_UNSET are left out. */
int dump_metadata_format(const DumpMetadata *m, char **ret, size_t *ret_size);

/* Parse size bytes of data (no NUL needed; embedded NULs are errors). On -EBADMSG, and only
 * then, one error is appended to diags (if non-NULL): file DUMP_FILE_METADATA, the 1-based line
 * (0 when the file as a whole is wrong: no RESULT=), key and value as they stood in the file
 * (cut to METADATA_DIAG_KEY_MAX and METADATA_DIAG_VALUE_MAX bytes, control bytes as '?') and
 * why ("missing '='", "invalid number", …). Also -EFBIG (larger than METADATA_FILE_MAX) and
 * -ENOMEM. *ret is written only on success. */
int dump_metadata_parse(const char *data, size_t size, DumpMetadata *ret, ConfDiagList *diags);

/* Read and parse "metadata" in the directory dir_fd (not following a symlink). */
int dump_metadata_read_at(int dir_fd, DumpMetadata *ret, ConfDiagList *diags);

/* The first "Kernel panic - not syncing: " message in a kernel log (makedumpfile --dump-dmesg
 * text; "[   12.345678] " and "<0>" prefixes allowed), without the prefix and trailing white
 * space, cut to at most max bytes. -ENOENT if there is none. */
int dmesg_find_panic_message(const char *data, size_t size, size_t max, char **ret);
