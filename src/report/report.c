/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <fcntl.h>
#include <glob.h>
#include <inttypes.h>
#include <sched.h>
#include <sys/file.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <signal.h>
#include <syslog.h>
#include <time.h>
#include <systemd/sd-journal.h>

#include "dumpdir.h"
#include "journal-ids.h"
#include "mountinfo.h"
#include "report.h"
#include "spawn-util.h"
#include "util.h"

bool dump_dir_name_is_valid(const char *name) {
        size_t n;

        if (!name)
                return false;
        n = strlen(name);
        if (n == 0 || n > REPORT_NAME_MAX || name[0] == '.')
                return false;
        for (const char *p = name; *p; p++) {
                char c = *p;
                if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
                      c == '_' || c == '+' || c == ':' || c == '-'))
                        return false;
        }
        return true;
}

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
        free(e->dmesg_tail);
        *e = (DumpEntry) {};
}

void dump_entries_free(DumpEntry *e, size_t n) {
        for (size_t i = 0; i < n; i++)
                dump_entry_done(&e[i]);
        free(e);
}

/* Opens a regular file in dir_fd without following a symlink or blocking on a FIFO. */
static int open_regular_at(int dir_fd, const char *name, uint64_t *ret_size) {
        _cleanup_close_ int fd = -EBADF;
        struct stat st;

        fd = openat(dir_fd, name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
        if (fd < 0)
                return -errno;
        if (fstat(fd, &st) < 0)
                return -errno;
        if (!S_ISREG(st.st_mode))
                return -EBADFD;
        if (ret_size)
                *ret_size = (uint64_t) st.st_size;
        return TAKE_FD(fd);
}

static bool regular_file_at(int dir_fd, const char *name, uint64_t *ret_size) {
        struct stat st;

        if (fstatat(dir_fd, name, &st, AT_SYMLINK_NOFOLLOW) < 0 || !S_ISREG(st.st_mode))
                return false;
        if (ret_size)
                *ret_size = (uint64_t) st.st_size;
        return true;
}

/* Reads the last at most max bytes of a regular file. */
static int read_tail_at(int dir_fd, const char *name, size_t max, char **ret, size_t *ret_size) {
        _cleanup_close_ int fd = -EBADF;
        _cleanup_free_ char *buf = NULL;
        uint64_t size = 0;
        size_t n = 0, want;

        fd = open_regular_at(dir_fd, name, &size);
        if (fd < 0)
                return fd;
        want = size > max ? max : (size_t) size;
        buf = malloc(want + 1);
        if (!buf)
                return -ENOMEM;
        off_t off = (off_t) (size - want);
        while (n < want) {
                ssize_t k = pread(fd, buf + n, want - n, off + (off_t) n);
                if (k < 0) {
                        if (errno == EINTR)
                                continue;
                        return -errno;
                }
                if (k == 0)
                        break;   /* shrank under us: take what there is */
                n += (size_t) k;
        }
        buf[n] = 0;
        *ret = TAKE_PTR(buf);
        *ret_size = n;
        return 0;
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
        r = dump_metadata_read_at(fd, &e.md, &e.parse_error);
        if (r == -ENOMEM) {
                dump_entry_done(&e);
                return r;
        }
        if (r < 0) {
                dump_metadata_init(&e.md);
                e.metadata_error = r;
        }

        e.has_dmesg = regular_file_at(fd, "dmesg.txt", &e.dmesg_size);
        e.has_vmcore = regular_file_at(fd, "vmcore", &e.vmcore_size);
        e.has_vmcore_incomplete = regular_file_at(fd, "vmcore.incomplete", NULL);
        e.has_capture_journal = regular_file_at(fd, CAPTURE_JOURNAL_FILENAME, NULL);

        if (e.has_dmesg) {
                _cleanup_free_ char *text = NULL;
                size_t n;

                r = read_tail_at(fd, "dmesg.txt", REPORT_DMESG_TAIL_MAX, &text, &n);
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

static int entry_cmp(const void *a, const void *b) {
        return strcmp(((const DumpEntry *) a)->name, ((const DumpEntry *) b)->name);
}

int report_scan(int parent_fd, DumpEntry **ret, size_t *ret_n, unsigned *ret_skipped) {
        _cleanup_closedir_ DIR *d = NULL;
        DumpEntry *list = NULL;
        size_t n = 0;
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
                if (!dump_dir_name_is_valid(de->d_name) || (de->d_type != DT_DIR && de->d_type != DT_UNKNOWN)) {
                        skipped++;
                        continue;
                }
                if (n >= REPORT_DUMPS_MAX) {
                        skipped++;
                        continue;
                }
                DumpEntry e;
                r = dump_entry_load(parent_fd, de->d_name, &e);
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
        if (r < 0) {
                dump_entries_free(list, n);
                return r;
        }
        if (n > 0)
                qsort(list, n, sizeof(DumpEntry), entry_cmp);
        *ret = list;
        *ret_n = n;
        if (ret_skipped)
                *ret_skipped = skipped;
        return 0;
}

static const char *const kind_table[_REPORT_KIND_MAX] = {
        [REPORT_DUMP_SAVED] = "saved",
        [REPORT_DMESG_ONLY] = "dmesg-only",
        [REPORT_CAPTURE_FAILED] = "failed",
};

static const char *const message_id_table[_REPORT_KIND_MAX] = {
        [REPORT_DUMP_SAVED] = TK_MESSAGE_DUMP_SAVED_STR,
        [REPORT_DMESG_ONLY] = TK_MESSAGE_DUMP_DMESG_ONLY_STR,
        [REPORT_CAPTURE_FAILED] = TK_MESSAGE_CAPTURE_FAILED_STR,
};

const char *report_kind_to_string(ReportKind k) {
        return k >= 0 && k < _REPORT_KIND_MAX ? kind_table[k] : NULL;
}

const char *report_kind_to_message_id(ReportKind k) {
        return k >= 0 && k < _REPORT_KIND_MAX ? message_id_table[k] : NULL;
}

ReportKind report_kind_from_message_id(const char *s) {
        if (!s)
                return _REPORT_KIND_INVALID;
        for (int i = 0; i < _REPORT_KIND_MAX; i++)
                if (streq(s, message_id_table[i]))
                        return (ReportKind) i;
        return _REPORT_KIND_INVALID;
}

/* The journal fields of a record after MESSAGE_ID, PRIORITY and MESSAGE. Names are part of the
 * interface (documented in tinykdump(8) and the catalog): only add. */
typedef enum RecordFieldType { RF_STRING, RF_U64 } RecordFieldType;

typedef struct RecordField {
        const char *key;
        RecordFieldType type;
        size_t offset;
} RecordField;

#define RS(k, f) { "TINYKDUMP_" k, RF_STRING, offsetof(ReportRecord, f) }
#define RU(k, f) { "TINYKDUMP_" k, RF_U64, offsetof(ReportRecord, f) }

static const RecordField record_fields[] = {
        RS("ID", id),
        RS("DIRECTORY", directory),
        RS("TARGET", target),
        RS("TARGET_UUID", target_uuid),
        RS("TARGET_DEVICE", target_device),
        RS("KERNEL_RELEASE", kernel_release),
        RS("CRASHED_BOOT_ID", crashed_boot_id),
        RS("CRASHED_MACHINE_ID", crashed_machine_id),
        RS("HOSTNAME", hostname),
        RU("CRASH_TIMESTAMP", crash_time_usec),
        RS("PANIC_MESSAGE", panic_message),
        RS("RESULT", result),
        RS("REASON", reason),
        RU("VMCORE_SIZE", vmcore_size),
        RU("DMESG_SIZE", dmesg_size),
        RS("DUMP_LEVEL", dump_level),
        RS("COMPRESSION", compression),
        RS("FORMAT", format),
        RU("MAKEDUMPFILE_STATUS", makedumpfile_status),
        RU("TARGET_WAIT_USEC", target_wait_usec),
        RU("DMESG_USEC", dmesg_usec),
        RU("VMCORE_USEC", vmcore_usec),
        RU("TOTAL_USEC", total_usec),
        RS("CAPTURE_BOOT_ID", capture_boot_id),
        RS("CAPTURE_JOURNAL", capture_journal),
        RS("VERSION", version),
        RS("DMESG_TAIL", dmesg_tail),
};

#define RF_PTR(r, f) ((uint8_t *) (r) + (f)->offset)

void report_record_init(ReportRecord *r) {
        *r = (ReportRecord) { .kind = _REPORT_KIND_INVALID, .journal_time_usec = METADATA_UNSET };
        for (size_t i = 0; i < ELEMENTSOF(record_fields); i++)
                if (record_fields[i].type == RF_U64)
                        *(uint64_t *) RF_PTR(r, &record_fields[i]) = METADATA_UNSET;
}

void report_record_done(ReportRecord *r) {
        free(r->message);
        for (size_t i = 0; i < ELEMENTSOF(record_fields); i++)
                if (record_fields[i].type == RF_STRING)
                        free(*(char **) RF_PTR(r, &record_fields[i]));
        report_record_init(r);
}

void report_records_free(ReportRecord *r, size_t n) {
        for (size_t i = 0; i < n; i++)
                report_record_done(&r[i]);
        free(r);
}

static int set_str(char **field, const char *s) {
        return dump_metadata_set(field, s);
}

int report_record_from_dump(const DumpEntry *e, const ReportTarget *t, const char *id, ReportRecord *ret) {
        _cleanup_(report_record_done) ReportRecord r;
        const DumpMetadata *m = &e->md;
        _cleanup_free_ char *reason = NULL;
        DumpResult result;
        int k;

        report_record_init(&r);

        if (e->metadata_error == -EBADMSG) {
                const MetadataParseError *p = &e->parse_error;
                if (p->line > 0)
                        k = asprintf(&reason, "%s/%s:%u: %s=%s: %s", e->name, METADATA_FILENAME, p->line, p->key,
                                     p->value, strna(p->what));
                else
                        k = asprintf(&reason, "%s/%s: %s", e->name, METADATA_FILENAME, strna(p->what));
                if (k < 0)
                        return -ENOMEM;
                result = DUMP_RESULT_FAILED;
        } else if (e->metadata_error < 0) {
                if (asprintf(&reason, "%s/%s: %s", e->name, METADATA_FILENAME,
                             e->metadata_error == -ENOENT ? "missing (the capture stopped before writing it)"
                                                          : strerror(-e->metadata_error)) < 0)
                        return -ENOMEM;
                result = DUMP_RESULT_FAILED;
        } else {
                result = m->result;
                if (result == DUMP_RESULT_COMPLETE && !e->has_vmcore) {
                        result = e->has_dmesg ? DUMP_RESULT_DMESG_ONLY : DUMP_RESULT_FAILED;
                        reason = strdup("the metadata says complete, but there is no vmcore");
                } else if (result != DUMP_RESULT_FAILED && !e->has_dmesg && !e->has_vmcore) {
                        result = DUMP_RESULT_FAILED;
                        reason = strdup("neither dmesg.txt nor vmcore is there");
                } else if (m->reason)
                        reason = strdup(m->reason);
                if ((result != m->result || m->reason) && !reason)
                        return -ENOMEM;
        }

        r.kind = result == DUMP_RESULT_COMPLETE ? REPORT_DUMP_SAVED :
                 result == DUMP_RESULT_DMESG_ONLY ? REPORT_DMESG_ONLY : REPORT_CAPTURE_FAILED;
        r.reason = TAKE_PTR(reason);

        _cleanup_free_ char *dir = NULL;
        if (asprintf(&dir, "%s/%s", t && t->directory ? t->directory : "", e->name) < 0)
                return -ENOMEM;
        r.directory = strdup(dir[0] == '/' ? dir + 1 : dir);
        if (!r.directory)
                return -ENOMEM;

        _cleanup_free_ char *cj = NULL;
        if (e->has_capture_journal && asprintf(&cj, "%s/%s", r.directory, CAPTURE_JOURNAL_FILENAME) < 0)
                return -ENOMEM;

        if (set_str(&r.id, id ?: e->name) < 0 || set_str(&r.target, t ? t->what : m->target) < 0 ||
            set_str(&r.target_uuid, t ? t->uuid : NULL) < 0 || set_str(&r.target_device, t ? t->device : NULL) < 0 ||
            set_str(&r.kernel_release, m->kernel_release) < 0 || set_str(&r.crashed_boot_id, m->boot_id) < 0 ||
            set_str(&r.crashed_machine_id, m->machine_id) < 0 || set_str(&r.hostname, m->hostname) < 0 ||
            set_str(&r.panic_message, m->panic_message) < 0 ||
            set_str(&r.result, dump_result_to_string(result)) < 0 || set_str(&r.dump_level, m->dump_level) < 0 ||
            set_str(&r.compression, m->compression) < 0 || set_str(&r.format, m->format) < 0 ||
            set_str(&r.capture_boot_id, m->capture_boot_id) < 0 || set_str(&r.capture_journal, cj) < 0 ||
            set_str(&r.version, m->tinykdump_version) < 0 || set_str(&r.dmesg_tail, e->dmesg_tail) < 0)
                return -ENOMEM;

        r.crash_time_usec = m->crash_time_usec;
        if (r.crash_time_usec == METADATA_UNSET)
                (void) dump_dir_name_time(e->name, &r.crash_time_usec);
        /* What is there beats what the metadata remembers. */
        r.vmcore_size = e->has_vmcore ? e->vmcore_size : METADATA_UNSET;
        r.dmesg_size = e->has_dmesg ? e->dmesg_size : METADATA_UNSET;
        r.makedumpfile_status = m->makedumpfile_status;
        r.target_wait_usec = m->target_wait_usec;
        r.dmesg_usec = m->dmesg_usec;
        r.vmcore_usec = m->vmcore_usec;
        r.total_usec = m->total_usec;

        int q = report_format_message(&r, &r.message);
        if (q < 0)
                return q;

        *ret = r;
        report_record_init(&r);
        return 0;
}

/* A copy of untrusted text for a one-line message: control characters become '?', cut at max
 * bytes (not inside a UTF-8 sequence) with "…" appended. */
static char *one_line(const char *s, size_t max) {
        size_t n = strlen(s), cut = n > max ? max : n;
        char *r;

        while (cut < n && cut > 0 && ((unsigned char) s[cut] & 0xc0) == 0x80)
                cut--;
        r = malloc(cut + sizeof("…"));
        if (!r)
                return NULL;
        for (size_t i = 0; i < cut; i++) {
                unsigned char c = (unsigned char) s[i];
                r[i] = c < 0x20 || c == 0x7f ? '?' : (char) c;
        }
        r[cut] = 0;
        if (cut < n)
                strcat(r, "…");
        return r;
}

static void format_time(uint64_t usec, char *buf, size_t l) {
        time_t t = (time_t) (usec / 1000000);
        struct tm tm;

        if (usec == METADATA_UNSET || !localtime_r(&t, &tm) || strftime(buf, l, "%Y-%m-%d %H:%M:%S %Z", &tm) == 0)
                snprintf(buf, l, "an unknown time");
}

int report_format_message(const ReportRecord *r, char **ret) {
        _cleanup_free_ char *kernel = NULL, *panic = NULL, *dir = NULL, *target = NULL, *reason = NULL;
        char when[64], size[FORMAT_BYTES_MAX], *s;
        int k;

        kernel = one_line(r->kernel_release ?: "(unknown release)", 128);
        panic = r->panic_message ? one_line(r->panic_message, REPORT_PANIC_IN_MESSAGE_MAX) : strdup("");
        dir = one_line(r->directory ?: "(unknown directory)", 512);
        target = one_line(r->target ?: "the dump target", 256);
        reason = one_line(r->reason ?: "no reason recorded", 512);
        if (!kernel || !panic || !dir || !target || !reason)
                return -ENOMEM;
        format_time(r->crash_time_usec, when, sizeof(when));

        const char *q1 = r->panic_message ? ": '" : "", *q2 = r->panic_message ? "'" : "";
        switch (r->kind) {
        case REPORT_DUMP_SAVED:
                k = asprintf(&s, "Kernel %s crashed at %s%s%s%s — dump saved to %s on %s, %s.", kernel, when, q1, panic,
                             q2, dir, target,
                             r->vmcore_size == METADATA_UNSET ? "size unknown" : format_bytes(size, sizeof(size), r->vmcore_size));
                break;
        case REPORT_DMESG_ONLY:
                k = asprintf(&s, "Kernel %s crashed at %s%s%s%s — only its log was saved, to %s on %s: %s.", kernel, when,
                             q1, panic, q2, dir, target, reason);
                break;
        default:
                k = asprintf(&s, "Kernel %s crashed at %s%s%s%s — the crash dump could not be saved to %s on %s: %s.",
                             kernel, when, q1, panic, q2, dir, target, reason);
        }
        if (k < 0)
                return -ENOMEM;
        *ret = s;
        return 0;
}

int report_record_to_fields(const ReportRecord *r, char ***ret) {
        _cleanup_strv_free_ char **l = NULL;
        _cleanup_free_ char *msg = NULL;
        const char *mid = report_kind_to_message_id(r->kind);
        char *s;

        if (!mid)
                return -EINVAL;
        if (!r->message && report_format_message(r, &msg) < 0)
                return -ENOMEM;

        /* LOG_CRIT for every outcome: the event is a kernel crash, which is at least as bad as
         * the process crash systemd-coredump logs at LOG_CRIT; "journalctl -p crit" shows both.
         * The MESSAGE_ID tells the outcomes apart. */
        if (asprintf(&s, "MESSAGE_ID=%s", mid) < 0 || strv_consume(&l, s) < 0)
                return -ENOMEM;
        if (asprintf(&s, "PRIORITY=%d", LOG_CRIT) < 0 || strv_consume(&l, s) < 0)
                return -ENOMEM;
        if (asprintf(&s, "MESSAGE=%s", r->message ?: msg) < 0 || strv_consume(&l, s) < 0)
                return -ENOMEM;

        for (size_t i = 0; i < ELEMENTSOF(record_fields); i++) {
                const RecordField *f = &record_fields[i];
                const uint8_t *p = (const uint8_t *) r + f->offset;
                int k;

                if (f->type == RF_STRING) {
                        const char *v = *(char * const *) p;
                        if (!v)
                                continue;
                        k = asprintf(&s, "%s=%s", f->key, v);
                } else {
                        uint64_t v = *(const uint64_t *) p;
                        if (v == METADATA_UNSET)
                                continue;
                        k = asprintf(&s, "%s=%" PRIu64, f->key, v);
                }
                if (k < 0 || strv_consume(&l, s) < 0)
                        return -ENOMEM;
        }
        *ret = TAKE_PTR(l);
        return 0;
}

static bool field_key_is(const char *data, size_t keylen, const char *key) {
        return strlen(key) == keylen && memcmp(data, key, keylen) == 0;
}

int report_record_add_field(ReportRecord *r, const void *data, size_t size) {
        const char *d = data, *eq;
        size_t keylen, vlen;
        char *v;

        if (size > 0 && !data)
                return -EINVAL;
        eq = memchr(d, '=', size);
        if (!eq || eq == d)
                return -EBADMSG;
        keylen = (size_t) (eq - d);
        vlen = size - keylen - 1;
        if (memchr(eq + 1, 0, vlen))
                return -EBADMSG;
        if (vlen > REPORT_FIELD_MAX)
                vlen = REPORT_FIELD_MAX;

        char **target = NULL;
        uint64_t *number = NULL;
        bool is_mid = false;
        if (field_key_is(d, keylen, "MESSAGE"))
                target = &r->message;
        else if (field_key_is(d, keylen, "MESSAGE_ID"))
                is_mid = true;
        else if (field_key_is(d, keylen, "__REALTIME_TIMESTAMP"))
                number = &r->journal_time_usec;
        else
                for (size_t i = 0; i < ELEMENTSOF(record_fields); i++)
                        if (field_key_is(d, keylen, record_fields[i].key)) {
                                if (record_fields[i].type == RF_STRING)
                                        target = (char **) RF_PTR(r, &record_fields[i]);
                                else
                                        number = (uint64_t *) RF_PTR(r, &record_fields[i]);
                                break;
                        }
        if (!target && !number && !is_mid)
                return 0;

        v = strndup(eq + 1, vlen);
        if (!v)
                return -ENOMEM;
        if (is_mid) {
                r->kind = report_kind_from_message_id(v);
                free(v);
        } else if (number) {
                uint64_t u;
                /* Only plain decimal digits: "0x…" and the like are not ours. */
                bool digits = vlen > 0 && strspn(v, "0123456789") == vlen;
                *number = digits && safe_atou64(v, &u) >= 0 ? u : METADATA_UNSET;
                free(v);
        } else {
                free(*target);
                *target = v;
        }
        return 0;
}

int report_send_journal(const struct iovec *iov, size_t n, void *userdata) {
        if (n > INT32_MAX)
                return -E2BIG;
        return sd_journal_sendv(iov, (int) n);
}

/* ----- the host-side state ----- */

void report_source_done(ReportSource *s) {
        free(s->target);
        free(s->target_uuid);
        free(s->directory);
        free(s->name);
        *s = (ReportSource) {};
}

static bool value_ok(const char *s) {
        if (!s)
                return true;
        for (const unsigned char *p = (const unsigned char *) s; *p; p++)
                if (*p < 0x20 || *p == 0x7f)
                        return false;
        return true;
}

int report_source_format(const ReportSource *s, char **ret, size_t *ret_size) {
        char *t;
        int k;

        if (!s->name || !value_ok(s->target) || !value_ok(s->target_uuid) || !value_ok(s->directory) ||
            !value_ok(s->name))
                return -EINVAL;
        k = asprintf(&t, "# tinykdump: this dump was reported to the journal; see tinykdump info\n"
                         "NAME=%s\nDIRECTORY=%s\nTARGET=%s\nTARGET_UUID=%s\nREPORTED_USEC=%" PRIu64 "\n",
                     s->name, strempty(s->directory), strempty(s->target), strempty(s->target_uuid), s->reported_usec);
        if (k < 0)
                return -ENOMEM;
        if ((size_t) k > REPORT_SOURCE_MAX) {
                free(t);
                return -EFBIG;
        }
        *ret = t;
        *ret_size = (size_t) k;
        return 0;
}

int report_source_parse(const char *data, size_t size, ReportSource *ret) {
        _cleanup_(report_source_done) ReportSource s = {};
        bool have_usec = false;

        if (size > REPORT_SOURCE_MAX)
                return -EFBIG;
        if (size > 0 && !data)
                return -EINVAL;

        for (size_t pos = 0; pos < size;) {
                const char *l = data + pos, *nl = memchr(l, '\n', size - pos);
                size_t n = nl ? (size_t) (nl - l) : size - pos;
                pos += n + (nl ? 1 : 0);

                if (n == 0 || l[0] == '#')
                        continue;
                for (size_t i = 0; i < n; i++)
                        if ((unsigned char) l[i] < 0x20 || l[i] == 0x7f)
                                return -EBADMSG;
                const char *eq = memchr(l, '=', n);
                if (!eq || eq == l)
                        return -EBADMSG;
                size_t kl = (size_t) (eq - l), vl = n - kl - 1;
                char **field = NULL;
                if (field_key_is(l, kl, "NAME"))
                        field = &s.name;
                else if (field_key_is(l, kl, "DIRECTORY"))
                        field = &s.directory;
                else if (field_key_is(l, kl, "TARGET"))
                        field = &s.target;
                else if (field_key_is(l, kl, "TARGET_UUID"))
                        field = &s.target_uuid;
                else if (field_key_is(l, kl, "REPORTED_USEC")) {
                        char num[24];
                        if (have_usec || vl == 0 || vl >= sizeof(num))
                                return -EBADMSG;
                        memcpy(num, eq + 1, vl);
                        num[vl] = 0;
                        if (strspn(num, "0123456789") != vl || safe_atou64(num, &s.reported_usec) < 0)
                                return -EBADMSG;
                        have_usec = true;
                        continue;
                } else
                        continue;
                if (*field)
                        return -EBADMSG;
                *field = strndup(eq + 1, vl);
                if (!*field)
                        return -ENOMEM;
        }
        if (!s.name)
                return -EBADMSG;
        *ret = s;
        s = (ReportSource) {};
        return 0;
}

static char *key_clean(const char *s) {
        char *r = malloc(strlen(s) + 1), *w = r;

        if (!r)
                return NULL;
        for (; *s; s++) {
                char c = *s;
                if (c >= 'A' && c <= 'Z')
                        c = (char) (c - 'A' + 'a');
                if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'))
                        *w++ = c;
        }
        *w = 0;
        return r;
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
        k = key_clean(src);
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
        r = read_tail_at(dfd, REPORT_SOURCE_FILENAME, REPORT_SOURCE_MAX + 1, &text, &n);
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
        return write_file_atomic_at(dir_fd, name, data, size, 0600);
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

/* Fills state_fd/<tmp> with the host-side copy of one dump. */
static int write_copy(int parent_fd, int state_fd, const char *tmp, const DumpEntry *e, const ReportSource *src) {
        _cleanup_close_ int dfd = -EBADF, sfd = -EBADF;
        _cleanup_free_ char *text = NULL, *md = NULL, *source = NULL;
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
                        r = write_file_at(dfd, METADATA_FILENAME, md, n);
                if (r < 0)
                        return r;
        }

        if (e->has_dmesg) {
                sfd = openat(parent_fd, e->name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
                if (sfd < 0)
                        return -errno;
                r = read_tail_at(sfd, "dmesg.txt", REPORT_DMESG_KEEP_MAX, &text, &n);
                if (r == -ENOMEM)
                        return r;
                if (r >= 0) {
                        _cleanup_free_ char *clean = NULL;
                        r = dmesg_tail(text, n, SIZE_MAX, REPORT_DMESG_KEEP_MAX, &clean);
                        if (r == -ENOMEM)
                                return r;
                        if (r >= 0) {
                                r = write_file_at(dfd, REPORT_DMESG_FILENAME, clean, strlen(clean));
                                if (r < 0)
                                        return r;
                        }
                }
        }

        r = report_source_format(src, &source, &n);
        if (r < 0)
                return r;
        return write_file_at(dfd, REPORT_SOURCE_FILENAME, source, n);
}

static int report_one(int parent_fd, int state_fd, const ReportTarget *t, const char *key, const DumpEntry *e,
                      uint64_t now_usec, ReportSendFunc send, void *send_userdata, ReportRecord *rec, bool *ret_reported) {
        _cleanup_free_ char *id = NULL, *tmp = NULL;
        _cleanup_strv_free_ char **fields = NULL;
        bool reported;
        int r;

        r = state_id(state_fd, key, e->name, &id, &reported);
        if (r < 0)
                return r;
        if (reported) {
                *ret_reported = false;
                return 0;
        }

        r = report_record_from_dump(e, t, id, rec);
        if (r < 0)
                return r;

        ReportSource src = {
                .name = e->name,
                .directory = rec->directory,
                .target = (char *) (t ? t->what : NULL),
                .target_uuid = (char *) (t ? t->uuid : NULL),
                .reported_usec = now_usec,
        };
        if (asprintf(&tmp, ".%s.tmp", id) < 0)
                return -ENOMEM;
        r = write_copy(parent_fd, state_fd, tmp, e, &src);
        if (r < 0) {
                (void) remove_tree_at(state_fd, tmp);
                return r;
        }

        r = report_record_to_fields(rec, &fields);
        if (r < 0) {
                (void) remove_tree_at(state_fd, tmp);
                return r;
        }
        size_t n = strv_length(fields);
        struct iovec *iov = calloc(n, sizeof(struct iovec));
        if (!iov) {
                (void) remove_tree_at(state_fd, tmp);
                return -ENOMEM;
        }
        for (size_t i = 0; i < n; i++)
                iov[i] = (struct iovec) { .iov_base = fields[i], .iov_len = strlen(fields[i]) };
        r = send(iov, n, send_userdata);
        free(iov);
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

int report_dumps(int parent_fd, int state_fd, const ReportTarget *t, uint64_t now_usec, ReportSendFunc send,
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

        for (size_t i = 0; i < n; i++) {
                ReportRecord rec;
                bool reported = false;

                report_record_init(&rec);
                r = report_one(parent_fd, state_fd, t, key, &entries[i], now_usec, send, send_userdata, &rec, &reported);
                if (r < 0) {
                        st.failed++;
                        if (ret_r == 0)
                                ret_r = r;
                } else if (reported)
                        st.reported++;
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

/* ----- reading back ----- */

int report_records_find(const ReportRecord *recs, size_t n, const char *id_or_prefix, size_t *ret_index) {
        size_t found = SIZE_MAX, l;

        if (isempty(id_or_prefix))
                return -EINVAL;
        for (size_t i = n; i > 0; i--)
                if (recs[i - 1].id && streq(recs[i - 1].id, id_or_prefix)) {
                        *ret_index = i - 1;
                        return 0;
                }
        l = strlen(id_or_prefix);
        for (size_t i = n; i > 0; i--) {
                const ReportRecord *r = &recs[i - 1];
                if (!r->id || strncmp(r->id, id_or_prefix, l) != 0)
                        continue;
                if (found != SIZE_MAX && !streq(recs[found].id, r->id))
                        return -ENOTUNIQ;
                if (found == SIZE_MAX)
                        found = i - 1;
        }
        if (found == SIZE_MAX)
                return -ENOENT;
        *ret_index = found;
        return 0;
}

size_t report_records_dedup(ReportRecord *recs, size_t n) {
        size_t w = 0;

        for (size_t i = 0; i < n; i++) {
                bool later = false;
                for (size_t j = i + 1; j < n && recs[i].id; j++)
                        if (recs[j].id && streq(recs[i].id, recs[j].id)) {
                                later = true;
                                break;
                        }
                if (later) {
                        report_record_done(&recs[i]);
                        continue;
                }
                if (w != i) {
                        recs[w] = recs[i];
                        report_record_init(&recs[i]);
                }
                w++;
        }
        return w;
}

static void print_cell(FILE *f, const char *s, size_t width, bool last) {
        _cleanup_free_ char *c = one_line(s ?: "-", last ? 1024 : width);

        if (!c) {
                fputs("-", f);
                return;
        }
        if (last)
                fputs(c, f);
        else {
                /* Pad by characters, not bytes: count UTF-8 lead bytes. */
                size_t chars = 0;
                for (const char *p = c; *p; p++)
                        chars += ((unsigned char) *p & 0xc0) != 0x80;
                fputs(c, f);
                for (size_t i = chars; i < width + 1; i++)
                        fputc(' ', f);
        }
}

void report_print_table(FILE *f, const ReportRecord *recs, size_t n) {
        size_t wid = 2, wkernel = 6;

        for (size_t i = 0; i < n; i++) {
                if (recs[i].id)
                        wid = MAX(wid, MIN(strlen(recs[i].id), 64));
                if (recs[i].kernel_release)
                        wkernel = MAX(wkernel, MIN(strlen(recs[i].kernel_release), 40));
        }
        print_cell(f, "TIME", 23, false);
        print_cell(f, "ID", wid, false);
        print_cell(f, "KERNEL", wkernel, false);
        print_cell(f, "RESULT", 10, false);
        print_cell(f, "SIZE", 6, false);
        print_cell(f, "PANIC", 40, false);
        print_cell(f, "WHERE", 0, true);
        fputc('\n', f);
        for (size_t i = 0; i < n; i++) {
                const ReportRecord *r = &recs[i];
                char when[64] = "-", size[FORMAT_BYTES_MAX] = "-";
                _cleanup_free_ char *where = NULL;

                if (r->crash_time_usec != METADATA_UNSET) {
                        time_t t = (time_t) (r->crash_time_usec / 1000000);
                        struct tm tm;
                        if (!localtime_r(&t, &tm) || strftime(when, sizeof(when), "%a %Y-%m-%d %H:%M:%S", &tm) == 0)
                                snprintf(when, sizeof(when), "-");
                }
                if (r->vmcore_size != METADATA_UNSET)
                        format_bytes(size, sizeof(size), r->vmcore_size);
                if (asprintf(&where, "%s:%s", r->target ?: "?", r->directory ?: "?") < 0)
                        where = NULL;
                print_cell(f, when, 23, false);
                print_cell(f, r->id, wid, false);
                print_cell(f, r->kernel_release, wkernel, false);
                print_cell(f, r->result ?: report_kind_to_string(r->kind), 10, false);
                print_cell(f, size, 6, false);
                print_cell(f, r->panic_message, 40, false);
                print_cell(f, where, 200, true);
                fputc('\n', f);
        }
}

void report_json_record(JsonWriter *w, const ReportRecord *r) {
        json_object_open(w);
        json_kv_string(w, "id", r->id);
        json_kv_string(w, "kind", report_kind_to_string(r->kind));
        json_kv_string(w, "message_id", report_kind_to_message_id(r->kind));
        for (size_t i = 0; i < ELEMENTSOF(record_fields); i++) {
                const RecordField *f = &record_fields[i];
                const uint8_t *p = (const uint8_t *) r + f->offset;
                /* "TINYKDUMP_KERNEL_RELEASE" → "kernel_release" */
                char key[64];
                size_t j = 0;
                for (const char *k = f->key + strlen("TINYKDUMP_"); *k && j + 1 < sizeof(key); k++)
                        key[j++] = (char) (*k >= 'A' && *k <= 'Z' ? *k - 'A' + 'a' : *k);
                key[j] = 0;
                if (streq(key, "id"))
                        continue;
                json_key(w, key);
                if (f->type == RF_STRING)
                        json_string(w, *(char * const *) p);
                else if (*(const uint64_t *) p == METADATA_UNSET)
                        json_null(w);
                else
                        json_u64(w, *(const uint64_t *) p);
        }
        json_key(w, "journal_time_usec");
        if (r->journal_time_usec == METADATA_UNSET)
                json_null(w);
        else
                json_u64(w, r->journal_time_usec);
        json_kv_string(w, "message", r->message);
        json_object_close(w);
}

static void print_usec(FILE *f, const char *label, uint64_t usec) {
        if (usec == METADATA_UNSET)
                return;
        fprintf(f, "%16s: %.1fs\n", label, (double) usec / 1e6);
}

static void print_str(FILE *f, const char *label, const char *s) {
        _cleanup_free_ char *c = NULL;

        if (!s)
                return;
        c = one_line(s, 1024);
        fprintf(f, "%16s: %s\n", label, c ?: "?");
}

void report_print_info(FILE *f, const ReportRecord *r, const char *dmesg, size_t dmesg_lines) {
        char when[64], size[FORMAT_BYTES_MAX];

        print_str(f, "ID", r->id);
        print_str(f, "Result", r->result ?: report_kind_to_string(r->kind));
        print_str(f, "Reason", r->reason);
        format_time(r->crash_time_usec, when, sizeof(when));
        print_str(f, "Crashed at", when);
        print_str(f, "Kernel", r->kernel_release);
        print_str(f, "Hostname", r->hostname);
        print_str(f, "Boot ID", r->crashed_boot_id);
        print_str(f, "Machine ID", r->crashed_machine_id);
        print_str(f, "Panic", r->panic_message);
        print_str(f, "Target", r->target);
        print_str(f, "Target UUID", r->target_uuid);
        print_str(f, "Device", r->target_device);
        print_str(f, "Directory", r->directory);
        if (r->vmcore_size != METADATA_UNSET)
                print_str(f, "Vmcore", format_bytes(size, sizeof(size), r->vmcore_size));
        if (r->dmesg_size != METADATA_UNSET)
                print_str(f, "Dmesg", format_bytes(size, sizeof(size), r->dmesg_size));
        print_str(f, "Dump level", r->dump_level);
        print_str(f, "Compression", r->compression);
        print_str(f, "Format", r->format);
        if (r->makedumpfile_status != METADATA_UNSET)
                fprintf(f, "%16s: %" PRIu64 "\n", "makedumpfile", r->makedumpfile_status);
        print_usec(f, "Target wait", r->target_wait_usec);
        print_usec(f, "Dmesg took", r->dmesg_usec);
        print_usec(f, "Vmcore took", r->vmcore_usec);
        print_usec(f, "Capture total", r->total_usec);
        print_str(f, "Capture boot", r->capture_boot_id);
        print_str(f, "Capture journal", r->capture_journal);
        print_str(f, "Capture version", r->version);
        if (r->crashed_boot_id)
                fprintf(f, "%16s: journalctl -b %s\n", "Crashed boot log", r->crashed_boot_id);

        const char *log = dmesg ?: r->dmesg_tail;
        if (!log)
                return;
        _cleanup_free_ char *tail = NULL;
        if (dmesg_tail(log, strlen(log), dmesg_lines, REPORT_DMESG_KEEP_MAX, &tail) < 0)
                return;
        fprintf(f, "\nLast lines of the kernel log%s:\n", dmesg ? "" : " (from the journal record)");
        for (const char *p = tail; *p;) {
                const char *nl = strchrnul(p, '\n');
                fprintf(f, "  %.*s\n", (int) (nl - p), p);
                p = *nl ? nl + 1 : nl;
        }
}

/* ----- capture side ----- */

int capture_journal_save(const char *root, int dir_fd, uint64_t *ret_size) {
        _cleanup_free_ char *pattern = path_join(root, "/run/log/journal/*/system.journal");
        _cleanup_close_ int in = -EBADF, out = -EBADF;
        _cleanup_free_ char *buf = NULL;
        glob_t g = {};
        struct stat st;
        uint64_t total = 0;
        int r;

        if (!pattern)
                return -ENOMEM;
        r = glob(pattern, GLOB_NOSORT, NULL, &g);
        if (r == GLOB_NOMATCH || (r == 0 && g.gl_pathc == 0)) {
                globfree(&g);
                return -ENOENT;
        }
        if (r != 0) {
                globfree(&g);
                return r == GLOB_NOSPACE ? -ENOMEM : -EIO;
        }
        in = open(g.gl_pathv[0], O_RDONLY | O_NOFOLLOW | O_NOCTTY | O_CLOEXEC);
        globfree(&g);
        if (in < 0)
                return -errno;
        if (fstat(in, &st) < 0)
                return -errno;
        if (!S_ISREG(st.st_mode))
                return -EBADFD;
        if ((uint64_t) st.st_size > CAPTURE_JOURNAL_MAX)
                return -EFBIG;

        (void) unlinkat(dir_fd, CAPTURE_JOURNAL_FILENAME ".incomplete", 0);
        out = openat(dir_fd, CAPTURE_JOURNAL_FILENAME ".incomplete", O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
                     0600);
        if (out < 0)
                return -errno;
        buf = malloc(256 * KiB);
        if (!buf)
                return -ENOMEM;
        for (;;) {
                ssize_t k = read(in, buf, 256 * KiB);
                if (k < 0) {
                        if (errno == EINTR)
                                continue;
                        return -errno;
                }
                if (k == 0)
                        break;
                if (total + (uint64_t) k > CAPTURE_JOURNAL_MAX)
                        return -EFBIG;
                for (ssize_t done = 0; done < k;) {
                        ssize_t w = write(out, buf + done, (size_t) (k - done));
                        if (w < 0) {
                                if (errno == EINTR)
                                        continue;
                                return -errno;
                        }
                        done += w;
                }
                total += (uint64_t) k;
        }
        if (fsync(out) < 0)
                return -errno;
        r = rename_durable_at(dir_fd, CAPTURE_JOURNAL_FILENAME ".incomplete", CAPTURE_JOURNAL_FILENAME);
        if (r < 0)
                return r;
        if (ret_size)
                *ret_size = total;
        return 0;
}

int journal_sync(uint64_t timeout_usec) {
        static const char *const paths[] = { "/usr/bin/journalctl", "/bin/journalctl" };
        const char *exe = NULL;
        int r, wstatus;

        for (size_t i = 0; i < ELEMENTSOF(paths) && !exe; i++)
                if (access(paths[i], X_OK) >= 0)
                        exe = paths[i];
        if (!exe)
                return -ENOENT;

        r = spawn_and_wait((char *[]) { (char *) exe, (char *) "--sync", NULL },
                           &(SpawnOptions) { .timeout_usec = timeout_usec, .kill_grace_usec = 500000 }, &wstatus);
        if (r < 0)
                return r;
        return WIFEXITED(wstatus) && WEXITSTATUS(wstatus) == 0 ? 0 : -EPROTO;
}

/* ----- host side: finding the target ----- */

int report_device_from_arg(const char *root, const char *arg, char **ret) {
        _cleanup_free_ char *p = NULL, *line = NULL;
        unsigned major, minor;
        char extra, *s;

        if (!arg)
                return -EINVAL;
        if (startswith(arg, "/dev/")) {
                s = strdup(arg);
                if (!s)
                        return -ENOMEM;
                *ret = s;
                return 0;
        }
        if (!startswith(arg, "/sys/") || strstr(arg, "/../") || strlen(arg) > 4096)
                return -EINVAL;
        p = path_join(arg, "dev");
        if (!p)
                return -ENOMEM;
        int r = read_one_line_file_at(root, p, &line);
        if (r < 0)
                return r;
        if (sscanf(line, "%u:%u%c", &major, &minor, &extra) != 2)
                return -EBADMSG;
        if (asprintf(&s, "/dev/block/%u:%u", major, minor) < 0)
                return -ENOMEM;
        *ret = s;
        return 0;
}

int report_target_open(const char *devnode, const char *fstype, int *ret_fd, char **ret_where, bool *ret_mounted) {
        _cleanup_free_ char *mountinfo = NULL, *where = NULL;
        _cleanup_close_ int fd = -EBADF;
        struct stat dev_st, st;
        bool mounted = false;
        size_t n;
        int r;

        if (stat(devnode, &dev_st) < 0)
                return -errno;
        if (!S_ISBLK(dev_st.st_mode))
                return -ENOTBLK;

        r = read_full_file_at(NULL, "/proc/self/mountinfo", MOUNTINFO_MAX, &mountinfo, &n);
        if (r < 0)
                return r;
        r = mountinfo_find_devnum(mountinfo, n, major(dev_st.st_rdev), minor(dev_st.st_rdev), &where);
        if (r < 0 && r != -ENOENT)
                return r;
        if (r >= 0) {
                fd = open(where, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
                if (fd < 0)
                        return -errno;
        } else {
                char run_tmpl[] = "/run/tinykdump/report.XXXXXX", tmp_tmpl[] = "/tmp/tinykdump-report.XXXXXX";
                char *tmpl = run_tmpl;

                /* A mount only this process sees, and only through the fd we return: it is made in
                 * a new private mount namespace and detached again at once, so it is gone when the
                 * fd is closed or the process dies, and no directory is left behind. */
                if (unshare(CLONE_NEWNS) < 0)
                        return -errno;
                if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
                        return -errno;
                /* A sandbox may keep /run read-only; /tmp is then the service's own (PrivateTmp=). */
                if ((mkdir("/run/tinykdump", 0755) < 0 && errno != EEXIST) || !mkdtemp(tmpl)) {
                        tmpl = tmp_tmpl;
                        if (!mkdtemp(tmpl))
                                return -errno;
                }
                if (mount(devnode, tmpl, isempty(fstype) || streq(fstype, "auto") ? NULL : fstype,
                          MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL) < 0) {
                        r = -errno;
                        (void) rmdir(tmpl);
                        return r;
                }
                fd = open(tmpl, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
                r = fd < 0 ? -errno : 0;
                (void) umount2(tmpl, MNT_DETACH);
                (void) rmdir(tmpl);
                if (r < 0)
                        return r;
                free(where);
                where = strdup("a private read-only mount");
                if (!where)
                        return -ENOMEM;
                mounted = true;
        }

        if (fstat(fd, &st) < 0)
                return -errno;
        if (st.st_dev != dev_st.st_rdev && !(fstype && streq(fstype, "btrfs")))
                return -EXDEV;   /* something else is mounted over it now */
        *ret_fd = TAKE_FD(fd);
        if (ret_where)
                *ret_where = TAKE_PTR(where);
        if (ret_mounted)
                *ret_mounted = mounted;
        return 0;
}

/* ----- the journal reader ----- */

int report_journal_read(sd_journal *j, ReportRecord **ret, size_t *ret_n) {
        ReportRecord *list = NULL;
        size_t n = 0;
        int r;

        (void) sd_journal_set_data_threshold(j, REPORT_FIELD_MAX);
        for (int k = 0; k < _REPORT_KIND_MAX; k++) {
                char m[64];
                snprintf(m, sizeof(m), "MESSAGE_ID=%s", message_id_table[k]);
                r = sd_journal_add_match(j, m, 0);
                if (r < 0)
                        return r;
        }
        r = sd_journal_add_conjunction(j);
        if (r < 0)
                return r;
        r = sd_journal_add_match(j, "_UID=0", 0);
        if (r < 0)
                return r;

        SD_JOURNAL_FOREACH(j) {
                ReportRecord rec;
                const void *d;
                size_t l;
                uint64_t t;

                report_record_init(&rec);
                SD_JOURNAL_FOREACH_DATA(j, d, l) {
                        r = report_record_add_field(&rec, d, l);
                        if (r == -ENOMEM) {
                                report_record_done(&rec);
                                report_records_free(list, n);
                                return r;
                        }
                }
                if (sd_journal_get_realtime_usec(j, &t) >= 0)
                        rec.journal_time_usec = t;
                if (rec.kind < 0 || !rec.id) {
                        report_record_done(&rec);
                        continue;
                }
                if (n >= REPORT_RECORDS_MAX) {
                        /* Keep the newest: drop the oldest. */
                        report_record_done(&list[0]);
                        memmove(list, list + 1, (n - 1) * sizeof(ReportRecord));
                        n--;
                }
                ReportRecord *nl = realloc(list, (n + 1) * sizeof(ReportRecord));
                if (!nl) {
                        report_record_done(&rec);
                        report_records_free(list, n);
                        return -ENOMEM;
                }
                list = nl;
                list[n++] = rec;
        }
        *ret = list;
        *ret_n = n;
        return 0;
}
