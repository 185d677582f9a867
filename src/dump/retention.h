/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* Retention on the dump target: [Target] MaxUse= and KeepFree= (tinykdump.conf(5), the model is
 * coredump.conf(5)), applied by tinykdump-save before the vmcore (tinykdump-save.service(8),
 * RETENTION). Off by default: nothing is ever deleted unless a limit is set.
 *
 * Only dumps that are complete (metadata RESULT=complete), that the host has reported (the loader
 * carries their names into capture.conf as RETENTION_REPORTED=, since the capture side sees only
 * the target) and that are not the newest dump directory on the target may go, oldest first (by
 * name, which is by crash time). A dump directory is deleted only when it holds nothing but
 * regular files with the names tinykdump writes; anything else (a subdirectory, a symlink, a FIFO,
 * a file of another name) keeps the whole directory. */

#include "macro.h"

/* A size or a percentage of the file system's size. */
typedef struct RetentionLimit {
        bool set;
        bool percent;        /* value is 0…100 (% of the file system's size) */
        uint64_t value;      /* bytes, or the percentage */
} RetentionLimit;

/* How many reported dump names `load` carries into capture.conf (the newest ones of this target;
 * older reported dumps stay on the target until a newer list names them: a short list can only
 * make fewer dumps deletable), and how many bytes of capture.conf they may take. */
#define RETENTION_REPORTED_MAX 128U
#define RETENTION_REPORTED_BYTES_MAX (32 * KiB)
/* Longest target key (a UUID cleaned by target_key_clean(): 32 for ext4, 8 for vfat). */
#define RETENTION_KEY_MAX 64U
/* At most this many dump directories go in one capture; the names of those deleted must fit one
 * metadata value (METADATA_VALUE_MAX). */
#define RETENTION_DELETE_MAX 32U
/* A scan of the dump directory looks at no more than this many entries. */
#define RETENTION_SCAN_ENTRIES_MAX 65536U

/* "512M", "2G", "1T", "12345" (bytes, parse_size() suffixes) or "10%" (0…100). -EINVAL otherwise,
 * -ERANGE for a percentage above 100. "" unsets. */
int retention_limit_parse(const char *s, RetentionLimit *ret);
/* The limit as retention_limit_parse() reads it back: "10%" or the bytes in decimal; "" when unset.
 * buf holds at least 24 bytes. */
const char *retention_limit_format(const RetentionLimit *l, char *buf, size_t n);
/* The limit in bytes for a file system of fs_size bytes; UINT64_MAX when unset. */
uint64_t retention_limit_bytes(const RetentionLimit *l, uint64_t fs_size) _pure_;
bool retention_limit_equal(const RetentionLimit *a, const RetentionLimit *b) _pure_;

/* RETENTION_REPORTED= entries: "<target key>/<dump directory name>". */
int retention_reported_entry(const char *uuid, const char *name, char **ret);
bool retention_reported_entry_is_valid(const char *s);

/* The reported dumps of one target as the host knows them: the names of the newest
 * RETENTION_REPORTED_MAX (and RETENTION_REPORTED_BYTES_MAX) dumps in root's REPORT_DUMPS_DIR whose
 * source file says the dump was in `directory` (DIRECTORY=<directory>/<NAME>) and has a file
 * system UUID, as
 * retention_reported_entry() strings, sorted. A missing state directory is an empty list; an
 * unreadable entry is skipped. */
int retention_reported_collect(const char *root, const char *directory, char ***ret);

/* One dump directory on the target, as retention sees it. */
typedef struct RetentionDump {
        char *name;
        bool complete;       /* its metadata says RESULT=complete */
        bool reported;       /* named in RETENTION_REPORTED= for this target */
        bool clean;          /* only regular files of the names tinykdump writes */
        uint64_t bytes;      /* allocated bytes of its regular files (st_blocks) */
} RetentionDump;

void retention_dumps_free(RetentionDump *d, size_t n);

/* The dump directories in parent_fd except `exclude` (the one this capture writes), sorted by name
 * (oldest first). reported: RETENTION_REPORTED= entries; target_uuid: the mounted target's
 * UUID (NULL: nothing counts as reported). complete/clean are looked at for reported dumps only
 * (the others can never go); bytes for all. */
int retention_scan(int parent_fd, const char *exclude, char * const *reported, const char *target_uuid,
                   RetentionDump **ret, size_t *ret_n);

/* May d[i] of n (sorted oldest first) be deleted: complete, reported, clean, not the newest. */
bool retention_dump_deletable(const RetentionDump *d, size_t i, size_t n) _pure_;

/* Are the limits broken with `used` bytes in dumps and `free_bytes` free on a file system of
 * fs_size bytes? */
bool retention_over(const RetentionLimit *max_use, const RetentionLimit *keep_free, uint64_t fs_size, uint64_t used,
                    uint64_t free_bytes) _pure_;

/* Which dumps to delete, oldest deletable first, until the limits hold (or nothing more may go,
 * or RETENTION_DELETE_MAX). Writes their indices to ret_idx (room for n) and returns how many. */
size_t retention_plan(const RetentionDump *d, size_t n, const RetentionLimit *max_use, const RetentionLimit *keep_free,
                      uint64_t fs_size, uint64_t free_bytes, size_t *ret_idx);

/* Deletes the dump directory name in parent_fd: opened without following a symlink, checked
 * (only regular files of the known names, on the same file system), renamed to a hidden
 * ".retention-<name>" (so that an interrupted deletion never leaves a dump that looks whole),
 * then its files, then itself. -ENOTEMPTY (nothing touched) when it holds anything else,
 * -ELOOP/-ENOTDIR when it is not a directory. ret_freed: allocated bytes of the files deleted. */
int retention_delete_dir(int parent_fd, const char *name, uint64_t *ret_freed);

/* Finishes the deletions an interrupted capture began: every ".retention-<name>" directory in
 * parent_fd that holds nothing but regular files of the known names goes (one holding anything
 * else stays untouched), at most RETENTION_DELETE_MAX of them. Returns how many went; ret_names:
 * their dump names (NULL when none), ret_freed: the allocated bytes of the files deleted. */
int retention_finish_interrupted(int parent_fd, char ***ret_names, uint64_t *ret_freed);
