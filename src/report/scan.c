/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <time.h>

#include "dumpdir.h"
#include "scan.h"
#include "util.h"

int dump_dir_name_time(const char *name, uint64_t *ret_usec) {
        unsigned y, mo, d, h, mi, sec;
        char sep1, sep2, t;
        int n = 0;
        struct tm tm = {};
        time_t tt;

        if (!name || sscanf(name, "%4u-%2u-%2u%c%2u%c%2u%c%2u%n", &y, &mo, &d, &t, &h, &sep1, &mi, &sep2, &sec, &n) != 9 ||
            n != 19)
                return -EINVAL;
        /* Digits only where digits belong ("%u" would take "+1" or " 1"). */
        for (int i = 0; i < 19; i++)
                if (i != 4 && i != 7 && i != 10 && i != 13 && i != 16 && (name[i] < '0' || name[i] > '9'))
                        return -EINVAL;
        if (name[4] != '-' || name[7] != '-' || t != 'T' || sep1 != sep2 || (sep1 != ':' && sep1 != '-'))
                return -EINVAL;
        if (y < 1970 || y > 9999 || mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || sec > 60)
                return -EINVAL;
        tm = (struct tm) { .tm_year = (int) y - 1900, .tm_mon = (int) mo - 1, .tm_mday = (int) d,
                           .tm_hour = (int) h, .tm_min = (int) mi, .tm_sec = (int) sec };
        tt = timegm(&tm);
        if (tt == (time_t) -1 || tt < 0)
                return -EINVAL;
        *ret_usec = (uint64_t) tt * 1000000;
        return 0;
}

void dump_entry_done(DumpEntry *e) {
        free(e->name);
        dump_metadata_done(&e->md);
        conf_diags_done(&e->metadata_diags);
        free(e->dmesg_tail);
        *e = (DumpEntry) {};
}

void dump_entries_free(DumpEntry *e, size_t n) {
        for (size_t i = 0; i < n; i++)
                dump_entry_done(&e[i]);
        free(e);
}

static bool regular_file_at(int dir_fd, const char *name, uint64_t *ret_size) {
        struct stat st;

        if (fstatat(dir_fd, name, &st, AT_SYMLINK_NOFOLLOW) < 0 || !S_ISREG(st.st_mode))
                return false;
        if (ret_size)
                *ret_size = (uint64_t) st.st_size;
        return true;
}

int dmesg_tail(const char *data, size_t size, size_t max_lines, size_t max_bytes, char **ret) {
        size_t end = size, start, lines = 0;
        char *s;

        if (size > 0 && !data)
                return -EINVAL;
        while (end > 0 && (data[end - 1] == '\n' || data[end - 1] == '\r'))
                end--;
        if (end == 0 || max_lines == 0 || max_bytes == 0)
                return -ENODATA;

        /* Walk back over max_lines newlines, but not further than max_bytes. */
        start = end;
        while (start > 0 && end - start < max_bytes) {
                if (data[start - 1] == '\n') {
                        if (++lines >= max_lines)
                                break;
                }
                start--;
        }
        if (end - start >= max_bytes) {
                /* Cut inside a line: start at the next line if there is one in the window. */
                const char *nl = memchr(data + start, '\n', end - start);
                if (nl && (size_t) (nl - data) + 1 < end)
                        start = (size_t) (nl - data) + 1;
        }

        s = malloc(end - start + 1);
        if (!s)
                return -ENOMEM;
        for (size_t i = start; i < end; i++) {
                unsigned char c = (unsigned char) data[i];
                s[i - start] = (c < 0x20 && c != '\n' && c != '\t') || c == 0x7f ? '?' : (char) c;
        }
        s[end - start] = 0;
        *ret = s;
        return 0;
}

int dump_entry_load(int parent_fd, const char *name, DumpEntry *ret) {
        _cleanup_close_ int fd = -EBADF;
        DumpEntry e = {};
        int r;

        if (!dump_dir_name_is_valid(name))
                return -EINVAL;
        fd = openat(parent_fd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (fd < 0)
                return -errno;

        e.name = strdup(name);
        if (!e.name)
                return -ENOMEM;
        dump_metadata_init(&e.md);
        r = dump_metadata_read_at(fd, &e.md, &e.metadata_diags);
        if (r == -ENOMEM) {
                dump_entry_done(&e);
                return r;
        }
        if (r < 0) {
                dump_metadata_init(&e.md);
                e.metadata_error = r;
        }

        e.has_dmesg = regular_file_at(fd, DUMP_FILE_DMESG, &e.dmesg_size);
        e.has_vmcore = regular_file_at(fd, DUMP_FILE_VMCORE, &e.vmcore_size);
        e.has_vmcore_incomplete = regular_file_at(fd, DUMP_FILE_VMCORE_INCOMPLETE, NULL);
        e.has_capture_journal = regular_file_at(fd, DUMP_FILE_CAPTURE_JOURNAL, NULL);

        if (e.has_dmesg) {
                _cleanup_free_ char *text = NULL;
                size_t n;

                r = dumpdir_read_file_at(fd, DUMP_FILE_DMESG, REPORT_DMESG_TAIL_MAX, true, &text, &n);
                if (r >= 0)
                        r = dmesg_tail(text, n, REPORT_DMESG_TAIL_LINES, REPORT_DMESG_TAIL_MAX, &e.dmesg_tail);
                if (r == -ENOMEM) {
                        dump_entry_done(&e);
                        return r;
                }
        }
        *ret = e;
        return 0;
}

/* Keeps the max newest (greatest) names in names[0..*n), sorted ascending: when full, a name
 * greater than the oldest replaces it. 1 when kept, 0 when not, -ENOMEM. */
static int keep_newest(char **names, size_t *n, size_t max, const char *name) {
        size_t pos;
        char *s;

        if (*n >= max && strcmp(name, names[0]) <= 0)
                return 0;
        s = strdup(name);
        if (!s)
                return -ENOMEM;
        if (*n >= max) {
                free(names[0]);
                memmove(names, names + 1, (*n - 1) * sizeof(char *));
                (*n)--;
        }
        for (pos = *n; pos > 0 && strcmp(names[pos - 1], s) > 0; pos--)
                ;
        memmove(names + pos + 1, names + pos, (*n - pos) * sizeof(char *));
        names[pos] = s;
        (*n)++;
        return 1;
}

int report_scan(int parent_fd, DumpEntry **ret, size_t *ret_n, unsigned *ret_skipped) {
        _cleanup_closedir_ DIR *d = NULL;
        char **names = NULL;
        DumpEntry *list = NULL;
        size_t n_names = 0, n = 0, seen = 0;
        unsigned skipped = 0;
        int fd, r = 0;

        fd = fcntl(parent_fd, F_DUPFD_CLOEXEC, 3);
        if (fd < 0)
                return -errno;
        d = fdopendir(fd);
        if (!d) {
                r = -errno;
                (void) close(fd);
                return r;
        }
        rewinddir(d);
        names = calloc(REPORT_DUMPS_MAX, sizeof(char *));
        if (!names)
                return -ENOMEM;

        /* First the names (bounded), then the entries: the newest are kept, whatever readdir's order. */
        for (;;) {
                struct dirent *de;

                errno = 0;
                de = readdir(d);
                if (!de) {
                        if (errno != 0)
                                r = -errno;
                        break;
                }
                if (streq(de->d_name, ".") || streq(de->d_name, ".."))
                        continue;
                if (++seen > REPORT_SCAN_ENTRIES_MAX)
                        break;     /* counted as one more skipped entry below */
                if (!dump_dir_name_is_valid(de->d_name) || (de->d_type != DT_DIR && de->d_type != DT_UNKNOWN))
                        continue;
                r = keep_newest(names, &n_names, REPORT_DUMPS_MAX, de->d_name);
                if (r < 0)
                        break;
                r = 0;
        }
        /* Every entry looked at and not kept: bad names, non-directories, older than the kept ones. */
        skipped = (unsigned) (MIN(seen, (size_t) REPORT_SCAN_ENTRIES_MAX) - n_names + (seen > REPORT_SCAN_ENTRIES_MAX));

        for (size_t i = 0; r >= 0 && i < n_names; i++) {
                DumpEntry e;

                r = dump_entry_load(parent_fd, names[i], &e);
                if (r == -ENOMEM)
                        break;
                if (r < 0) {   /* not a directory after all (a symlink, a file): not ours */
                        skipped++;
                        r = 0;
                        continue;
                }
                DumpEntry *nl = realloc(list, (n + 1) * sizeof(DumpEntry));
                if (!nl) {
                        dump_entry_done(&e);
                        r = -ENOMEM;
                        break;
                }
                list = nl;
                list[n++] = e;
        }
        for (size_t i = 0; i < n_names; i++)
                free(names[i]);
        free(names);
        if (r < 0) {
                dump_entries_free(list, n);
                return r;
        }
        *ret = list;   /* in name order already */
        *ret_n = n;
        if (ret_skipped)
                *ret_skipped = skipped;
        return 0;
}
