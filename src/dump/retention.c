/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <dirent.h>
#include <fcntl.h>
#include <inttypes.h>
#include <sys/stat.h>

#include "dump-files.h"
#include "dumpdir.h"
#include "metadata.h"
#include "report-source.h"
#include "retention.h"
#include "util.h"

#define RETENTION_HIDDEN_PREFIX ".retention-"

int retention_limit_parse(const char *s, RetentionLimit *ret) {
        uint64_t v;
        size_t n;

        if (isempty(s)) {
                *ret = (RetentionLimit) {};
                return 0;
        }
        n = strlen(s);
        if (s[n - 1] == '%') {
                char num[8];
                if (n - 1 == 0 || n - 1 >= sizeof(num))
                        return -EINVAL;
                memcpy(num, s, n - 1);
                num[n - 1] = 0;
                if (strspn(num, "0123456789") != n - 1 || safe_atou64(num, &v) < 0)
                        return -EINVAL;
                if (v > 100)
                        return -ERANGE;
                *ret = (RetentionLimit) { .set = true, .percent = true, .value = v };
                return 0;
        }
        if (!(s[0] >= '0' && s[0] <= '9') || parse_size(s, &v) < 0)
                return -EINVAL;
        *ret = (RetentionLimit) { .set = true, .value = v };
        return 0;
}

const char *retention_limit_format(const RetentionLimit *l, char *buf, size_t n) {
        if (!l->set)
                snprintf(buf, n, "%s", "");
        else
                snprintf(buf, n, "%" PRIu64 "%s", l->value, l->percent ? "%" : "");
        return buf;
}

uint64_t retention_limit_bytes(const RetentionLimit *l, uint64_t fs_size) {
        if (!l->set)
                return UINT64_MAX;
        if (!l->percent)
                return l->value;
        /* fs_size / 100 * p, without overflow for any fs_size. */
        return fs_size / 100 * l->value + fs_size % 100 * l->value / 100;
}

bool retention_limit_equal(const RetentionLimit *a, const RetentionLimit *b) {
        return a->set == b->set && (!a->set || (a->percent == b->percent && a->value == b->value));
}

static bool key_is_valid(const char *k, size_t n) {
        return n > 0 && n <= RETENTION_KEY_MAX && strspn(k, "0123456789abcdefghijklmnopqrstuvwxyz") >= n;
}

bool retention_reported_entry_is_valid(const char *s) {
        const char *slash = s ? strchr(s, '/') : NULL;

        return slash && key_is_valid(s, (size_t) (slash - s)) && dump_dir_name_is_valid(slash + 1);
}

int retention_reported_entry(const char *uuid, const char *name, char **ret) {
        _cleanup_free_ char *key = NULL;
        char *s;

        if (isempty(uuid) || !dump_dir_name_is_valid(name))
                return -EINVAL;
        key = target_key_clean(uuid);
        if (!key)
                return -ENOMEM;
        if (!key_is_valid(key, strlen(key)))
                return -EINVAL;
        if (asprintf(&s, "%s/%s", key, name) < 0)
                return -ENOMEM;
        *ret = s;
        return 0;
}

static int entry_name_cmp(const void *a, const void *b) {
        const char *x = strchr(*(char * const *) a, '/'), *y = strchr(*(char * const *) b, '/');
        int k = strcmp(x + 1, y + 1);

        return k != 0 ? k : strcmp(*(char * const *) a, *(char * const *) b);
}

int retention_reported_collect(const char *root, const char *directory, char ***ret) {
        _cleanup_free_ char *p = path_join(root, REPORT_DUMPS_DIR);
        _cleanup_closedir_ DIR *d = NULL;
        _cleanup_strv_free_ char **l = NULL;
        size_t n = 0, scanned = 0, bytes = 0, keep;

        if (!p)
                return -ENOMEM;
        d = opendir(p);
        if (!d) {
                if (errno != ENOENT)
                        return -errno;
                *ret = NULL;
                return 0;
        }
        for (struct dirent *de; (de = readdir(d)) && scanned < RETENTION_SCAN_ENTRIES_MAX; scanned++) {
                _cleanup_close_ int fd = -EBADF;
                _cleanup_free_ char *text = NULL, *entry = NULL;
                _cleanup_(report_source_done) ReportSource s = {};
                size_t size;
                int r;

                if (de->d_name[0] == '.')
                        continue;
                fd = openat(dirfd(d), de->d_name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
                if (fd < 0)
                        continue;
                r = dumpdir_read_file_at(fd, REPORT_SOURCE_FILENAME, REPORT_SOURCE_MAX, false, &text, &size);
                if (r == -ENOMEM)
                        return r;
                if (r < 0)
                        continue;
                r = report_source_parse(text, size, &s);
                if (r == -ENOMEM)
                        return r;
                /* DIRECTORY= is the dump's path below the target: "<Directory>/<name>". */
                const char *rest = r >= 0 && s.directory ? startswith(s.directory, directory) : NULL;
                if (!rest || rest[0] != '/' || !streq(rest + 1, s.name))
                        continue;
                r = retention_reported_entry(s.target_uuid, s.name, &entry);
                if (r == -ENOMEM)
                        return r;
                if (r < 0 || strv_contains(l, entry))
                        continue;
                r = strv_consume(&l, TAKE_PTR(entry));
                if (r < 0)
                        return r;
                n++;
        }
        if (n == 0) {
                *ret = NULL;
                return 0;
        }
        /* The newest names (and their targets) within the bounds. */
        qsort(l, n, sizeof(char *), entry_name_cmp);
        keep = 0;
        for (size_t i = n; i > 0 && keep < RETENTION_REPORTED_MAX; i--) {
                size_t len = strlen(l[i - 1]) + 1;
                if (bytes + len > RETENTION_REPORTED_BYTES_MAX)
                        break;
                bytes += len;
                keep++;
        }
        for (size_t i = 0; i < n - keep; i++) {
                free(l[i]);
                l[i] = NULL;
        }
        memmove(l, l + (n - keep), (keep + 1) * sizeof(char *));
        *ret = TAKE_PTR(l);
        return 0;
}

void retention_dumps_free(RetentionDump *d, size_t n) {
        for (size_t i = 0; d && i < n; i++)
                free(d[i].name);
        free(d);
}

/* The files tinykdump writes into a dump directory, under their final, incomplete and temporary
 * (write_atomic_at()) names, and makedumpfile's amended VMCOREINFO. */
static bool is_dump_file_name(const char *name) {
        static const char *const base[] = { DUMP_FILE_METADATA, DUMP_FILE_DMESG, DUMP_FILE_VMCORE, DUMP_FILE_CAPTURE_JOURNAL };
        static const char *const extra[] = { "vmcoreinfo.makedumpfile" };

        for (size_t i = 0; i < ELEMENTSOF(base); i++) {
                const char *rest = startswith(name, base[i]);
                if (rest && (streq(rest, "") || streq(rest, DUMP_FILE_INCOMPLETE_SUFFIX) || streq(rest, ".tmp")))
                        return true;
        }
        for (size_t i = 0; i < ELEMENTSOF(extra); i++)
                if (streq(name, extra[i]))
                        return true;
        return false;
}

/* A DIR reading fd from its start, on a duplicate (fd stays open and owned by the caller; the
 * duplicate shares its position, hence the rewind). NULL with errno set on failure. */
static DIR *opendir_dup(int fd) {
        int dup = fcntl(fd, F_DUPFD_CLOEXEC, 3);
        DIR *d;

        if (dup < 0)
                return NULL;
        d = fdopendir(dup);
        if (!d) {
                int k = errno;
                (void) close(dup);
                errno = k;
                return NULL;
        }
        rewinddir(d);
        return d;
}

/* Walks the open dump directory dfd: the allocated bytes of its regular files, and whether it
 * holds only regular files of the known names on the same file system as parent_st. */
static int inspect_dir(int dfd, dev_t dev, uint64_t *ret_bytes, bool *ret_clean) {
        _cleanup_closedir_ DIR *d = opendir_dup(dfd);
        uint64_t bytes = 0;
        bool clean = true;

        if (!d)
                return -errno;
        for (struct dirent *de; (de = readdir(d));) {
                struct stat st;

                if (streq(de->d_name, ".") || streq(de->d_name, ".."))
                        continue;
                if (fstatat(dirfd(d), de->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0) {
                        clean = false;
                        continue;
                }
                if (!S_ISREG(st.st_mode) || st.st_dev != dev || !is_dump_file_name(de->d_name)) {
                        clean = false;
                        continue;
                }
                bytes += (uint64_t) st.st_blocks * 512;
        }
        *ret_bytes = bytes;
        *ret_clean = clean;
        return 0;
}

static bool is_reported(char * const *reported, const char *key, const char *name) {
        STRV_FOREACH(e, reported) {
                const char *slash = strchr(*e, '/');
                if (slash && (size_t) (slash - *e) == strlen(key) && strneq(*e, key, strlen(key)) && streq(slash + 1, name))
                        return true;
        }
        return false;
}

static int dump_cmp(const void *a, const void *b) {
        return strcmp(((const RetentionDump *) a)->name, ((const RetentionDump *) b)->name);
}

int retention_scan(int parent_fd, const char *exclude, char * const *reported, const char *target_uuid,
                   RetentionDump **ret, size_t *ret_n) {
        _cleanup_closedir_ DIR *d = NULL;
        _cleanup_free_ char *key = NULL;
        RetentionDump *v = NULL;
        size_t n = 0, alloc = 0, scanned = 0;
        struct stat pst;
        int r = 0;

        if (fstat(parent_fd, &pst) < 0)
                return -errno;
        if (!isempty(target_uuid)) {
                key = target_key_clean(target_uuid);
                if (!key)
                        return -ENOMEM;
        }
        d = opendir_dup(parent_fd);
        if (!d)
                return -errno;
        for (struct dirent *de; (de = readdir(d)) && scanned < RETENTION_SCAN_ENTRIES_MAX; scanned++) {
                _cleanup_close_ int dfd = -EBADF;
                RetentionDump e = {};
                struct stat st;

                if (!dump_dir_name_is_valid(de->d_name) || (exclude && streq(de->d_name, exclude)))
                        continue;
                if (de->d_type != DT_DIR && de->d_type != DT_UNKNOWN)
                        continue;
                dfd = openat(dirfd(d), de->d_name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
                if (dfd < 0 || fstat(dfd, &st) < 0 || st.st_dev != pst.st_dev)
                        continue;
                e.reported = key && is_reported(reported, key, de->d_name);
                r = inspect_dir(dfd, pst.st_dev, &e.bytes, &e.clean);
                if (r < 0)
                        continue;
                if (e.reported) {
                        DumpMetadata md;
                        if (dump_metadata_read_at(dfd, &md, NULL) >= 0) {
                                e.complete = md.result == DUMP_RESULT_COMPLETE;
                                dump_metadata_done(&md);
                        }
                }
                if (n >= alloc) {
                        size_t na = alloc ? alloc * 2 : 16;
                        RetentionDump *nv = reallocarray(v, na, sizeof(RetentionDump));
                        if (!nv) {
                                r = -ENOMEM;
                                break;
                        }
                        v = nv;
                        alloc = na;
                }
                e.name = strdup(de->d_name);
                if (!e.name) {
                        r = -ENOMEM;
                        break;
                }
                v[n++] = e;
        }
        if (r == -ENOMEM) {
                retention_dumps_free(v, n);
                return r;
        }
        if (n > 0)
                qsort(v, n, sizeof(RetentionDump), dump_cmp);
        *ret = v;
        *ret_n = n;
        return 0;
}

bool retention_dump_deletable(const RetentionDump *d, size_t i, size_t n) {
        return i + 1 < n && d[i].complete && d[i].reported && d[i].clean;
}

bool retention_over(const RetentionLimit *max_use, const RetentionLimit *keep_free, uint64_t fs_size, uint64_t used,
                    uint64_t free_bytes) {
        return used > retention_limit_bytes(max_use, fs_size) ||
               (keep_free->set && free_bytes < retention_limit_bytes(keep_free, fs_size));
}

size_t retention_plan(const RetentionDump *d, size_t n, const RetentionLimit *max_use, const RetentionLimit *keep_free,
                      uint64_t fs_size, uint64_t free_bytes, size_t *ret_idx) {
        uint64_t used = 0;
        size_t k = 0;

        for (size_t i = 0; i < n; i++)
                used += d[i].bytes;
        for (size_t i = 0; i < n && k < RETENTION_DELETE_MAX; i++) {
                if (!retention_over(max_use, keep_free, fs_size, used, free_bytes))
                        break;
                if (!retention_dump_deletable(d, i, n))
                        continue;
                ret_idx[k++] = i;
                used -= d[i].bytes;
                free_bytes = free_bytes > UINT64_MAX - d[i].bytes ? UINT64_MAX : free_bytes + d[i].bytes;
        }
        return k;
}

/* Opens the directory name in parent_fd without following a symlink and checks it: on the same
 * file system, only regular files of the known names. */
static int open_clean_dir(int parent_fd, const char *name, int *ret_fd) {
        _cleanup_close_ int dfd = -EBADF;
        struct stat pst, st;
        uint64_t bytes;
        bool clean;
        int r;

        if (fstat(parent_fd, &pst) < 0)
                return -errno;
        dfd = openat(parent_fd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (dfd < 0)
                return -errno;
        if (fstat(dfd, &st) < 0)
                return -errno;
        if (st.st_dev != pst.st_dev)
                return -EXDEV;
        r = inspect_dir(dfd, pst.st_dev, &bytes, &clean);
        if (r < 0)
                return r;
        if (!clean)
                return -ENOTEMPTY;
        *ret_fd = TAKE_FD(dfd);
        return 0;
}

/* Deletes the files of the checked directory dfd, then the directory hidden in parent_fd. */
static int remove_hidden(int parent_fd, int dfd, const char *hidden, uint64_t *ret_freed) {
        _cleanup_closedir_ DIR *d = opendir_dup(dfd);
        uint64_t freed = 0;
        struct stat st;

        if (!d)
                return -errno;
        for (struct dirent *de; (de = readdir(d));) {
                if (streq(de->d_name, ".") || streq(de->d_name, ".."))
                        continue;
                /* Checked above; checked again, never following anything. */
                if (fstatat(dfd, de->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0 || !S_ISREG(st.st_mode) ||
                    !is_dump_file_name(de->d_name))
                        continue;
                if (unlinkat(dfd, de->d_name, 0) < 0)
                        return -errno;
                freed += (uint64_t) st.st_blocks * 512;
        }
        if (unlinkat(parent_fd, hidden, AT_REMOVEDIR) < 0)
                return -errno;
        (void) fsync(parent_fd);
        if (ret_freed)
                *ret_freed = freed;
        return 0;
}

int retention_delete_dir(int parent_fd, const char *name, uint64_t *ret_freed) {
        _cleanup_free_ char *hidden = NULL;
        _cleanup_close_ int dfd = -EBADF;
        int r;

        if (!dump_dir_name_is_valid(name))
                return -EINVAL;
        r = open_clean_dir(parent_fd, name, &dfd);
        if (r < 0)
                return r;
        if (asprintf(&hidden, RETENTION_HIDDEN_PREFIX "%s", name) < 0)
                return -ENOMEM;
        if (renameat(parent_fd, name, parent_fd, hidden) < 0)
                return -errno;
        (void) fsync(parent_fd);
        return remove_hidden(parent_fd, dfd, hidden, ret_freed);
}

int retention_finish_interrupted(int parent_fd, char ***ret_names, uint64_t *ret_freed) {
        _cleanup_closedir_ DIR *d = opendir_dup(parent_fd);
        _cleanup_strv_free_ char **names = NULL;
        uint64_t freed = 0;
        size_t scanned = 0, k = 0;
        int r;

        if (!d)
                return -errno;
        for (struct dirent *de; (de = readdir(d)) && scanned < RETENTION_SCAN_ENTRIES_MAX && k < RETENTION_DELETE_MAX;
             scanned++) {
                _cleanup_close_ int dfd = -EBADF;
                const char *name = startswith(de->d_name, RETENTION_HIDDEN_PREFIX);
                uint64_t f = 0;

                if (!name || !dump_dir_name_is_valid(name))
                        continue;
                if (de->d_type != DT_DIR && de->d_type != DT_UNKNOWN)
                        continue;
                /* Anything else in it, and it is not ours to finish: it stays. */
                if (open_clean_dir(parent_fd, de->d_name, &dfd) < 0)
                        continue;
                r = remove_hidden(parent_fd, dfd, de->d_name, &f);
                if (r < 0)
                        return r;
                freed += f;
                r = strv_extend(&names, name);
                if (r < 0)
                        return r;
                k++;
        }
        if (ret_names)
                *ret_names = TAKE_PTR(names);
        if (ret_freed)
                *ret_freed = freed;
        return (int) k;
}
