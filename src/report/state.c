/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <dirent.h>
#include <fcntl.h>
#include <inttypes.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <systemd/sd-journal.h>

#include "dumpdir.h"
#include "state.h"
#include "util.h"

int report_send_journal(const struct iovec *iov, size_t n, void *userdata) {
        if (n > INT32_MAX)
                return -E2BIG;
        return sd_journal_sendv(iov, (int) n);
}


char *report_target_key(const ReportTarget *t) {
        const char *src = NULL;
        char *k;

        if (t && !isempty(t->uuid))
                src = t->uuid;
        else if (t && t->what)
                src = strchr(t->what, '=') ? strchr(t->what, '=') + 1 : t->what;
        if (!src)
                return strdup("unknown");
        k = target_key_clean(src);
        if (k && k[0] == 0) {
                free(k);
                return strdup("unknown");
        }
        return k;
}

int report_state_open(const char *root, bool create, int *ret_fd) {
        _cleanup_free_ char *p = path_join(root, REPORT_DUMPS_DIR);
        int fd;

        if (!p)
                return -ENOMEM;
        if (create) {
                /* mkdir -p with 0700 for the parts we make: the copies hold kernel logs. */
                for (char *s = p + 1; *s; s++)
                        if (*s == '/') {
                                *s = 0;
                                if (mkdir(p, 0755) < 0 && errno != EEXIST)
                                        return -errno;
                                *s = '/';
                        }
                if (mkdir(p, 0700) < 0 && errno != EEXIST)
                        return -errno;
        }
        fd = open(p, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (fd < 0)
                return -errno;
        *ret_fd = fd;
        return 0;
}

int report_state_lock(int state_fd, int *ret_fd) {
        _cleanup_close_ int fd = -EBADF;

        fd = openat(state_fd, REPORT_LOCK_FILE, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);
        if (fd < 0)
                return -errno;
        while (flock(fd, LOCK_EX) < 0)
                if (errno != EINTR)
                        return -errno;
        *ret_fd = TAKE_FD(fd);
        return 0;
}

/* Is state_fd/id the record of the dump name on the target with this key? 1 yes, 0 no (absent),
 * -EEXIST: present but for another target or dump. */
static int state_matches(int state_fd, const char *id, const char *key, const char *name) {
        _cleanup_close_ int dfd = -EBADF;
        _cleanup_free_ char *text = NULL, *k = NULL;
        _cleanup_(report_source_done) ReportSource s = {};
        size_t n;
        int r;

        dfd = openat(state_fd, id, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (dfd < 0)
                return errno == ENOENT ? 0 : -errno;
        r = dumpdir_read_file_at(dfd, REPORT_SOURCE_FILENAME, REPORT_SOURCE_MAX + 1, true, &text, &n);
        if (r < 0)
                return -EEXIST;
        r = report_source_parse(text, n, &s);
        if (r == -ENOMEM)
                return r;
        if (r < 0 || !streq(s.name, name))
                return -EEXIST;
        k = report_target_key(&(ReportTarget) { .uuid = s.target_uuid, .what = s.target });
        if (!k)
                return -ENOMEM;
        return streq(k, key) ? 1 : -EEXIST;
}

/* The id for dump name on the target with key, and whether it was reported already. */
static int state_id(int state_fd, const char *key, const char *name, char **ret_id, bool *ret_reported) {
        _cleanup_free_ char *alt = NULL;
        int r;

        r = state_matches(state_fd, name, key, name);
        if (r < 0 && r != -EEXIST)
                return r;
        if (r >= 0) {
                *ret_id = strdup(name);
                if (!*ret_id)
                        return -ENOMEM;
                *ret_reported = r > 0;
                return 0;
        }
        /* The name is taken by a dump on another disk. */
        if (asprintf(&alt, "%s_%.8s", name, key) < 0)
                return -ENOMEM;
        r = state_matches(state_fd, alt, key, name);
        if (r == -EEXIST)
                return -EEXIST;   /* both taken: leave it to the admin, never overwrite */
        if (r < 0)
                return r;
        *ret_reported = r > 0;
        *ret_id = TAKE_PTR(alt);
        return 0;
}

static int write_file_at(int dir_fd, const char *name, const void *data, size_t size) {
        return write_atomic_at(dir_fd, name, data, size, 0600, WRITE_ATOMIC_DURABLE);
}

static int remove_tree_at(int dir_fd, const char *name) {
        _cleanup_close_ int fd = -EBADF;
        _cleanup_closedir_ DIR *d = NULL;

        fd = openat(dir_fd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (fd < 0)
                return errno == ENOENT ? 0 : -errno;
        d = fdopendir(fd);
        if (!d)
                return -errno;
        fd = -EBADF;
        for (struct dirent *de; (de = readdir(d));)
                if (!streq(de->d_name, ".") && !streq(de->d_name, ".."))
                        (void) unlinkat(dirfd(d), de->d_name, 0);
        return RET_NERRNO(unlinkat(dir_fd, name, AT_REMOVEDIR));
}

/* The tail of the target's dmesg.txt, cleaned, as dfd/dmesg.txt. A dmesg.txt that cannot be read
 * (gone, not a regular file) is left out. */
static int copy_dmesg(int parent_fd, const DumpEntry *e, int dfd, size_t *budget) {
        _cleanup_close_ int sfd = -EBADF;
        _cleanup_free_ char *text = NULL, *clean = NULL;
        size_t n;
        int r;

        sfd = openat(parent_fd, e->name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (sfd < 0)
                return -errno;
        size_t keep = MIN((size_t) REPORT_DMESG_KEEP_MAX, *budget);
        if (keep == 0)
                return 0;  /* this run's copy budget is spent: the record still names the file */
        r = dumpdir_read_file_at(sfd, DUMP_FILE_DMESG, keep, true, &text, &n);
        if (r >= 0)
                r = dmesg_tail(text, n, SIZE_MAX, keep, &clean);
        if (r == -ENOMEM)
                return r;
        if (r < 0)
                return 0;
        n = strlen(clean);
        *budget -= MIN(n, *budget);
        return write_file_at(dfd, REPORT_DMESG_FILENAME, clean, n);
}

/* Fills state_fd/<tmp> with the host-side copy of one dump. */
static int write_copy(int parent_fd, int state_fd, const char *tmp, const DumpEntry *e, const ReportSource *src,
                      size_t *budget) {
        _cleanup_close_ int dfd = -EBADF;
        _cleanup_free_ char *md = NULL, *source = NULL;
        size_t n;
        int r;

        r = remove_tree_at(state_fd, tmp);
        if (r < 0)
                return r;
        if (mkdirat(state_fd, tmp, 0700) < 0)
                return -errno;
        dfd = openat(state_fd, tmp, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (dfd < 0)
                return -errno;

        /* The metadata as we understood it (the canonical form), not the bytes from the disk. */
        if (e->metadata_error == 0) {
                r = dump_metadata_format(&e->md, &md, &n);
                if (r >= 0)
                        r = write_file_at(dfd, DUMP_FILE_METADATA, md, n);
                if (r < 0)
                        return r;
        }
        if (e->has_dmesg) {
                r = copy_dmesg(parent_fd, e, dfd, budget);
                if (r < 0)
                        return r;
        }

        r = report_source_format(src, &source, &n);
        if (r < 0)
                return r;
        return write_file_at(dfd, REPORT_SOURCE_FILENAME, source, n);
}

/* Sends the journal fields of rec. */
static int send_record(const ReportRecord *rec, ReportSendFunc send, void *userdata) {
        _cleanup_strv_free_ char **fields = NULL;
        _cleanup_free_ struct iovec *iov = NULL;
        size_t n;
        int r;

        r = report_record_to_fields(rec, &fields);
        if (r < 0)
                return r;
        n = strv_length(fields);
        iov = calloc(n, sizeof(struct iovec));
        if (!iov)
                return -ENOMEM;
        for (size_t i = 0; i < n; i++)
                iov[i] = (struct iovec) { .iov_base = fields[i], .iov_len = strlen(fields[i]) };
        return send(iov, n, userdata);
}

/* 1 when reported now, 0 when reported before, -EDQUOT when not yet reported but may_report is
 * false (the run's record cap is reached). */
static int report_one(int parent_fd, int state_fd, const ReportTarget *t, const char *key, const DumpEntry *e,
                      const char *test_boot_id, uint64_t now_usec, ReportSendFunc send, void *send_userdata, bool may_report, size_t *budget,
                      ReportRecord *rec, bool *ret_reported) {
        _cleanup_free_ char *id = NULL, *tmp = NULL;
        bool reported;
        int r;

        r = state_id(state_fd, key, e->name, &id, &reported);
        if (r < 0)
                return r;
        if (reported) {
                *ret_reported = false;
                return 0;
        }
        if (!may_report)
                return -EDQUOT;

        r = report_record_from_dump(e, t, id, rec);
        if (r < 0)
                return r;
        if (test_boot_id && rec->md.boot_id && streq(rec->md.boot_id, test_boot_id))
                rec->test = 1;

        ReportSource src = {
                .name = e->name,
                .directory = rec->directory,
                .target = (char *) (t ? t->what : NULL),
                .target_uuid = (char *) (t ? t->uuid : NULL),
                .reported_usec = now_usec,
        };
        if (asprintf(&tmp, ".%s.tmp", id) < 0)
                return -ENOMEM;
        /* The copy first, then the record: a copy without a record is removed again. */
        r = write_copy(parent_fd, state_fd, tmp, e, &src, budget);
        if (r >= 0)
                r = send_record(rec, send, send_userdata);
        if (r < 0) {
                (void) remove_tree_at(state_fd, tmp);
                return r;
        }

        /* Sent: now it counts as reported. */
        if (renameat(state_fd, tmp, state_fd, id) < 0)
                return -errno;
        (void) fsync(state_fd);
        *ret_reported = true;
        return 0;
}

int report_dumps(int parent_fd, int state_fd, const ReportTarget *t, const char *test_boot_id, uint64_t now_usec,
                 ReportSendFunc send,
                 void *send_userdata, ReportNotifyFunc notify, void *notify_userdata, ReportStats *ret) {
        _cleanup_free_ char *key = NULL;
        DumpEntry *entries = NULL;
        ReportStats st = {};
        size_t n = 0;
        int r, ret_r = 0;

        key = report_target_key(t);
        if (!key)
                return -ENOMEM;
        r = report_scan(parent_fd, &entries, &n, &st.skipped);
        if (r < 0)
                return r;
        st.found = (unsigned) n;

        size_t budget = REPORT_RUN_COPY_BYTES_MAX;
        /* Newest first: when the caps bite, the oldest wait for the next run. */
        for (size_t k = n; k > 0; k--) {
                size_t i = k - 1;
                ReportRecord rec;
                bool reported = false;

                report_record_init(&rec);
                r = report_one(parent_fd, state_fd, t, key, &entries[i], test_boot_id, now_usec, send, send_userdata,
                               st.reported < REPORT_RUN_RECORDS_MAX, &budget, &rec, &reported);
                if (r == -EDQUOT) {
                        st.deferred++;
                        report_record_done(&rec);
                        continue;
                }
                if (r < 0) {
                        st.failed++;
                        if (ret_r == 0)
                                ret_r = r;
                } else if (reported) {
                        st.reported++;
                        st.tests += rec.test == 1;
                }
                else
                        st.already++;
                if (notify)
                        notify(&entries[i], r >= 0 && reported ? &rec : NULL, reported, r, notify_userdata);
                report_record_done(&rec);
        }
        dump_entries_free(entries, n);
        if (ret)
                *ret = st;
        return ret_r;
}

static int name_cmp_desc(const void *a, const void *b) {
        return -strcmp(*(char * const *) a, *(char * const *) b);
}

int report_state_prune(int state_fd, uint64_t max_bytes, unsigned *ret_dropped, uint64_t *ret_freed) {
        _cleanup_closedir_ DIR *d = NULL;
        _cleanup_strv_free_ char **names = NULL;
        size_t n = 0, alloc = 0;
        uint64_t kept = 0, freed = 0;
        unsigned dropped = 0;
        int fd;

        fd = openat(state_fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (fd < 0)
                return -errno;
        d = fdopendir(fd);
        if (!d) {
                (void) close(fd);
                return -errno;
        }
        for (struct dirent *de; (de = readdir(d));) {
                if (de->d_name[0] == '.')
                        continue;
                if (n + 2 > alloc) {
                        size_t a = alloc ? alloc * 2 : 64;
                        char **m = realloc(names, a * sizeof(char *));
                        if (!m)
                                return -ENOMEM;
                        names = m;
                        alloc = a;
                }
                names[n] = strdup(de->d_name);
                if (!names[n])
                        return -ENOMEM;
                names[++n] = NULL;
        }
        if (n > 0)
                qsort(names, n, sizeof(char *), name_cmp_desc);

        /* Newest first: they keep their copies while the total fits. */
        for (size_t i = 0; i < n; i++) {
                _cleanup_close_ int dfd = -EBADF, f = -EBADF;
                uint64_t size;

                dfd = openat(state_fd, names[i], O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
                if (dfd < 0)
                        continue;
                f = dumpdir_open_regular_at(dfd, REPORT_DMESG_FILENAME, &size);
                if (f < 0)
                        continue;
                if (kept + size <= max_bytes) {
                        kept += size;
                        continue;
                }
                if (unlinkat(dfd, REPORT_DMESG_FILENAME, 0) < 0)
                        return -errno;
                freed += size;
                dropped++;
        }
        if (ret_dropped)
                *ret_dropped = dropped;
        if (ret_freed)
                *ret_freed = freed;
        return 0;
}
