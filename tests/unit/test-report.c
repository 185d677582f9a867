/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The reporter on fake dump targets built here: several dumps (complete, dmesg-only, failed,
 * malformed or missing metadata, "complete" without a vmcore) and hostile entries (symlinks,
 * FIFOs, bad names). The journal is replaced by a sender that keeps the fields for inspection. */
#include <fcntl.h>
#include <linux/fs.h>
#include <sys/ioctl.h>
#include <endian.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <systemd/sd-journal.h>

#include "fixtures.h"
#include "journal-ids.h"
#include "report-filter.h"
#include "makedumpfile.h"
#include "metadata.h"
#include "dumpdir.h"
#include "report-print.h"
#include "report.h"
#include "spawn-util.h"
#include "tests.h"
#include "udev-rule.h"
#include "util.h"

#define UUID_A "5f1c4e2a-8d3b-4c6f-9a7e-0b1d2c3e4f50"
#define UUID_B "0e7a3bc1-1111-2222-3333-444455556666"

#define N_COMPLETE "2026-03-01T10:00:00-host-7.2.13-amd64"
#define N_DMESG "2026-03-02T11:00:00-host-7.2.13-amd64"
#define N_FAILED "2026-03-03T12:00:00-host-7.2.13-amd64"
#define N_MALFORMED "2026-03-04T13:00:00-host-7.2.13-amd64"
#define N_NOVMCORE "2026-03-05T14:00:00-host-7.2.13-amd64"
#define N_NOMETA "2026-03-06T15:00:00-host-7.2.13-amd64"
#define N_LINKS "2026-03-07T16:00:00-host-7.2.13-amd64"

static const char dmesg_text[] =
        "[    0.000000] Linux version 7.2.13-amd64 (debian-kernel@lists.debian.org)\n"
        "[   42.000001] sysrq: Trigger a crash\n"
        "[   42.000002] Kernel panic - not syncing: sysrq triggered crash\n"
        "[   42.000003] CPU: 0 UID: 0 PID: 1 Comm: bash\n";

/* 2026-03-01 10:00:00 UTC */
#define CRASH_USEC (UINT64_C(1772359200) * 1000000)

static int write_metadata(const char *dir, DumpResult result, const char *reason) {
        _cleanup_free_ char *text = NULL;
        DumpMetadata m;
        size_t n;
        int r;

        dump_metadata_init(&m);
        m.result = result;
        if (dump_metadata_set(&m.reason, reason) < 0 || dump_metadata_set(&m.kernel_release, "7.2.13-amd64") < 0 ||
            dump_metadata_set(&m.boot_id, "0123456789abcdef0123456789abcdef") < 0 ||
            dump_metadata_set(&m.hostname, "host") < 0 ||
            dump_metadata_set(&m.panic_message, "sysrq triggered crash") < 0 ||
            dump_metadata_set(&m.dump_level, "31") < 0 || dump_metadata_set(&m.compression, "zstd") < 0 ||
            dump_metadata_set(&m.tinykdump_version, "0.1") < 0 || dump_metadata_set(&m.target, "UUID=" UUID_A) < 0) {
                dump_metadata_done(&m);
                return -ENOMEM;
        }
        m.crash_time_usec = CRASH_USEC;
        m.vmcore_size = 44 * MiB;
        m.total_usec = 12500000;
        m.makedumpfile_status = 0;
        r = dump_metadata_format(&m, &text, &n);
        dump_metadata_done(&m);
        if (r < 0)
                return r;
        return fixture_write(dir, "metadata", text, n);
}

/* A target tree: <target>/tinykdump/<dumps>. Returns the target path. */
static char *make_target(const char *name) {
        _cleanup_free_ char *t = fixture_mkdtemp(name);
        char vmcore[4096];

        if (!t)
                return NULL;
        memset(vmcore, 'K', sizeof(vmcore));
        _cleanup_free_ char *d = path_join(t, "tinykdump");
        _cleanup_free_ char *c = path_join(d, N_COMPLETE), *dm = path_join(d, N_DMESG), *f = path_join(d, N_FAILED),
                            *mal = path_join(d, N_MALFORMED), *nv = path_join(d, N_NOVMCORE),
                            *nm = path_join(d, N_NOMETA), *ln = path_join(d, N_LINKS);
        if (!d || !c || !dm || !f || !mal || !nv || !nm || !ln)
                return NULL;

        if (write_metadata(c, DUMP_RESULT_COMPLETE, NULL) < 0 || fixture_write_string(c, "dmesg.txt", dmesg_text) < 0 ||
            fixture_write(c, "vmcore", vmcore, sizeof(vmcore)) < 0 ||
            fixture_write_string(c, DUMP_FILE_CAPTURE_JOURNAL, "LPKSHHRH") < 0)
                return NULL;
        if (write_metadata(dm, DUMP_RESULT_DMESG_ONLY, "vmcore not saved: makedumpfile failed (exit status 1)") < 0 ||
            fixture_write_string(dm, "dmesg.txt", dmesg_text) < 0 ||
            fixture_write(dm, "vmcore.incomplete", vmcore, 100) < 0)
                return NULL;
        if (write_metadata(f, DUMP_RESULT_FAILED, "nothing saved") < 0)
                return NULL;
        if (fixture_write_string(mal, "metadata", "RESULT=complete\nKERNEL_RELEASE=7.2.13\nthis is not key value\n") < 0 ||
            fixture_write_string(mal, "dmesg.txt", dmesg_text) < 0)
                return NULL;
        if (write_metadata(nv, DUMP_RESULT_COMPLETE, NULL) < 0 || fixture_write_string(nv, "dmesg.txt", dmesg_text) < 0)
                return NULL;
        if (fixture_write_string(nm, "dmesg.txt", "") < 0)
                return NULL;

        /* Hostile: every file a symlink to something secret, vmcore a FIFO. */
        _cleanup_free_ char *secret = path_join(t, "secret");
        _cleanup_free_ char *fifo = path_join(ln, "vmcore");
        if (!secret || !fifo || fixture_write_string(t, "secret", "RESULT=complete\nPANIC_MESSAGE=secret\n") < 0 ||
            fixture_symlink(ln, "metadata", secret) < 0 || fixture_symlink(ln, "dmesg.txt", secret) < 0 ||
            mkfifo(fifo, 0600) < 0)
                return NULL;

        /* Not dump directories: a symlink to a directory, a file, bad names. */
        if (fixture_symlink(d, "2026-03-08T00:00:00-evil", "/etc") < 0 ||
            fixture_write_string(d, "2026-03-09T00:00:00-file", "x") < 0 ||
            fixture_write_string(d, "bad name/metadata", "RESULT=complete\n") < 0 ||
            fixture_write_string(d, ".hidden/metadata", "RESULT=complete\n") < 0)
                return NULL;
        return TAKE_PTR(t);
}

typedef struct Sent {
        char **records[32];
        size_t n;
        int fail;          /* return this instead of keeping the record */
} Sent;

static int fake_send(const struct iovec *iov, size_t n, void *userdata) {
        Sent *s = userdata;
        char **l = NULL;

        if (s->fail)
                return s->fail;
        if (s->n >= ELEMENTSOF(s->records))
                return -E2BIG;
        for (size_t i = 0; i < n; i++) {
                char *f = strndup(iov[i].iov_base, iov[i].iov_len);
                if (!f || strv_consume(&l, f) < 0)
                        return -ENOMEM;
        }
        s->records[s->n++] = l;
        return 0;
}

static void sent_done(Sent *s) {
        for (size_t i = 0; i < s->n; i++)
                strv_free(s->records[i]);
        *s = (Sent) {};
}

static const char *field(char **l, const char *key) {
        size_t kl = strlen(key);
        STRV_FOREACH(f, l)
                if (strncmp(*f, key, kl) == 0 && (*f)[kl] == '=')
                        return *f + kl + 1;
        return NULL;
}

static char **find_record(Sent *s, const char *id) {
        for (size_t i = 0; i < s->n; i++) {
                const char *v = field(s->records[i], "TINYKDUMP_ID");
                if (v && streq(v, id))
                        return s->records[i];
        }
        return NULL;
}

static int open_dir(const char *p, const char *sub) {
        _cleanup_free_ char *j = path_join(p, sub);
        return j ? open(j, O_RDONLY | O_DIRECTORY | O_CLOEXEC) : -ENOMEM;
}

/* A fingerprint of a tree (names, types, sizes, mtimes), to show nothing on the target changed. */
static int fingerprint(const char *path, Buffer *b) {
        _cleanup_closedir_ DIR *d = opendir(path);
        if (!d)
                return -errno;
        for (struct dirent *de; (de = readdir(d));) {
                struct stat st;
                char line[512];
                if (streq(de->d_name, ".") || streq(de->d_name, ".."))
                        continue;
                if (fstatat(dirfd(d), de->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0)
                        return -errno;
                int k = snprintf(line, sizeof(line), "%s %o %lld %lld.%ld\n", de->d_name, st.st_mode, (long long) st.st_size,
                                 (long long) st.st_mtim.tv_sec, st.st_mtim.tv_nsec);
                if (buffer_append(b, line, (size_t) k) < 0)
                        return -ENOMEM;
                if (S_ISDIR(st.st_mode)) {
                        _cleanup_free_ char *sub = path_join(path, de->d_name);
                        if (!sub || fingerprint(sub, b) < 0)
                                return -EIO;
                }
        }
        return 0;
}

TEST(name_valid) {
        ASSERT_TRUE(dump_dir_name_is_valid(N_COMPLETE));
        ASSERT_TRUE(dump_dir_name_is_valid("2026-03-01T10-00-00-host-7.2.13+deb13_2"));
        ASSERT_FALSE(dump_dir_name_is_valid(NULL));
        ASSERT_FALSE(dump_dir_name_is_valid(""));
        ASSERT_FALSE(dump_dir_name_is_valid("."));
        ASSERT_FALSE(dump_dir_name_is_valid(".."));
        ASSERT_FALSE(dump_dir_name_is_valid(".hidden"));
        ASSERT_FALSE(dump_dir_name_is_valid("a/b"));
        ASSERT_FALSE(dump_dir_name_is_valid("a b"));
        ASSERT_FALSE(dump_dir_name_is_valid("a\nb"));
        ASSERT_FALSE(dump_dir_name_is_valid("ä"));
        char longname[REPORT_NAME_MAX + 2];
        memset(longname, 'a', sizeof(longname));
        longname[REPORT_NAME_MAX] = 0;
        ASSERT_TRUE(dump_dir_name_is_valid(longname));
        longname[REPORT_NAME_MAX] = 'a';
        longname[REPORT_NAME_MAX + 1] = 0;
        ASSERT_FALSE(dump_dir_name_is_valid(longname));
        return TEST_PASS;
}

TEST(name_time) {
        uint64_t u;

        ASSERT_OK(dump_dir_name_time(N_COMPLETE, &u));
        ASSERT_U64_EQ(u, CRASH_USEC);
        ASSERT_OK(dump_dir_name_time("2026-03-01T10-00-00-host-7.2", &u));   /* FAT */
        ASSERT_U64_EQ(u, CRASH_USEC);
        ASSERT_OK(dump_dir_name_time("1970-01-01T00:00:00", &u));
        ASSERT_U64_EQ(u, 0);
        ASSERT_ERROR(dump_dir_name_time("2026-03-01T10:00-00-x", &u), EINVAL);
        ASSERT_ERROR(dump_dir_name_time("2026-13-01T10:00:00-x", &u), EINVAL);
        ASSERT_ERROR(dump_dir_name_time("2026-03-01 10:00:00-x", &u), EINVAL);
        ASSERT_ERROR(dump_dir_name_time("2026-03-01T+1:00:00-x", &u), EINVAL);
        ASSERT_ERROR(dump_dir_name_time("2026-03-0", &u), EINVAL);
        ASSERT_ERROR(dump_dir_name_time("", &u), EINVAL);
        return TEST_PASS;
}

TEST(dmesg_tail) {
        char *t;

        ASSERT_OK(dmesg_tail("a\nb\nc\nd\n", 8, 2, 100, &t));
        ASSERT_STREQ(t, "c\nd");
        free(t);
        ASSERT_OK(dmesg_tail("a\nb\nc\nd", 7, 10, 100, &t));
        ASSERT_STREQ(t, "a\nb\nc\nd");
        free(t);
        /* The byte limit cuts at the next line start within the window. */
        ASSERT_OK(dmesg_tail("aaaa\nbbbb\ncc\n", 13, 10, 7, &t));
        ASSERT_STREQ(t, "cc");
        free(t);
        /* A single line longer than the limit: its end. */
        ASSERT_OK(dmesg_tail("0123456789", 10, 3, 4, &t));
        ASSERT_STREQ(t, "6789");
        free(t);
        /* Control characters and NUL are neutralised, tabs kept. */
        ASSERT_OK(dmesg_tail("x\x1b[31m\ty\0z\n", 11, 5, 100, &t));
        ASSERT_STREQ(t, "x?[31m\ty?z");
        free(t);
        ASSERT_ERROR(dmesg_tail("\n\n", 2, 5, 100, &t), ENODATA);
        ASSERT_ERROR(dmesg_tail("", 0, 5, 100, &t), ENODATA);
        return TEST_PASS;
}

TEST(open_subdir) {
        _cleanup_free_ char *t = fixture_mkdtemp("subdir");
        _cleanup_close_ int tfd = -EBADF;
        int fd;

        ASSERT_NOT_NULL(t);
        ASSERT_OK(fixture_write_string(t, "a/b/file", "x"));
        ASSERT_OK(fixture_symlink(t, "link", "a"));
        tfd = open(t, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        ASSERT_GE(tfd, 0);
        ASSERT_OK(dumpdir_open_subdir(tfd, "a/b", false, &fd));
        close(fd);
        ASSERT_OK(dumpdir_open_subdir(tfd, "./a//b/", false, &fd));
        close(fd);
        ASSERT_ERROR(dumpdir_open_subdir(tfd, "link/b", false, &fd), ENOTDIR);   /* O_NOFOLLOW|O_DIRECTORY on a symlink */
        ASSERT_ERROR(dumpdir_open_subdir(tfd, "a/../a", false, &fd), EINVAL);
        ASSERT_ERROR(dumpdir_open_subdir(tfd, "/a", false, &fd), EINVAL);
        ASSERT_ERROR(dumpdir_open_subdir(tfd, "missing", false, &fd), ENOENT);
        ASSERT_ERROR(dumpdir_open_subdir(tfd, "a/b/file", false, &fd), ENOTDIR);
        return TEST_PASS;
}

TEST(scan_hostile_tree) {
        _cleanup_free_ char *t = make_target("scan");
        _cleanup_close_ int pfd = -EBADF;
        DumpEntry *e = NULL;
        size_t n = 0;
        unsigned skipped = 0;

        ASSERT_NOT_NULL(t);
        pfd = open_dir(t, "tinykdump");
        ASSERT_GE(pfd, 0);
        ASSERT_OK(report_scan(pfd, &e, &n, &skipped));
        /* 7 dump directories; the symlink, the file and the two bad names are skipped. */
        ASSERT_EQ(n, 7);
        ASSERT_EQ(skipped, 4);
        ASSERT_STREQ(e[0].name, N_COMPLETE);
        ASSERT_EQ(e[0].metadata_error, 0);
        ASSERT_TRUE(e[0].has_dmesg && e[0].has_vmcore && e[0].has_capture_journal);
        ASSERT_U64_EQ(e[0].vmcore_size, 4096);
        ASSERT_STREQ(e[0].md.panic_message, "sysrq triggered crash");
        ASSERT_NOT_NULL(strstr(e[0].dmesg_tail, "Kernel panic - not syncing: sysrq triggered crash"));

        ASSERT_STREQ(e[3].name, N_MALFORMED);
        ASSERT_EQ(e[3].metadata_error, -EBADMSG);
        ASSERT_EQ(e[3].metadata_diags.n, 1);
        ASSERT_EQ(e[3].metadata_diags.items[0].line, 3);

        ASSERT_STREQ(e[5].name, N_NOMETA);
        ASSERT_EQ(e[5].metadata_error, -ENOENT);
        ASSERT_NULL(e[5].dmesg_tail);  /* empty dmesg.txt */

        /* Symlinked metadata and dmesg.txt are not followed; a FIFO is not a vmcore. */
        ASSERT_STREQ(e[6].name, N_LINKS);
        ASSERT_EQ(e[6].metadata_error, -ELOOP);
        ASSERT_FALSE(e[6].has_dmesg);
        ASSERT_FALSE(e[6].has_vmcore);
        ASSERT_NULL(e[6].dmesg_tail);
        dump_entries_free(e, n);
        return TEST_PASS;
}

/* A stick whose metadata, dmesg.txt and capture.journal are FIFOs (or symlinks to FIFOs) must
 * not block the reporter, which holds the state lock: each is opened O_NONBLOCK|O_NOFOLLOW and
 * refused unless fstat() says regular. alarm() turns a hang into a failure. */
TEST(fifos_never_block) {
        _cleanup_free_ char *t = fixture_mkdtemp("fifos"), *d = NULL;
        _cleanup_close_ int pfd = -EBADF;
        DumpEntry e = {};

        ASSERT_NOT_NULL(t);
        d = path_join(t, "2026-05-04T10:00:00");
        ASSERT_NOT_NULL(d);
        ASSERT_OK(RET_NERRNO(mkdir(d, 0700)));
        pfd = open(t, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        ASSERT_GE(pfd, 0);
        int dfd = openat(pfd, "2026-05-04T10:00:00", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        ASSERT_GE(dfd, 0);
        ASSERT_OK(RET_NERRNO(mkfifoat(dfd, "metadata", 0600)));
        ASSERT_OK(RET_NERRNO(mkfifoat(dfd, "fifo", 0600)));
        ASSERT_OK(RET_NERRNO(symlinkat("fifo", dfd, "dmesg.txt")));
        ASSERT_OK(RET_NERRNO(mkfifoat(dfd, "capture.journal", 0600)));
        (void) close(dfd);

        alarm(10);
        ASSERT_OK(dump_entry_load(pfd, "2026-05-04T10:00:00", &e));
        alarm(0);
        ASSERT_EQ(e.metadata_error, -EBADFD);
        ASSERT_FALSE(e.has_dmesg);
        ASSERT_FALSE(e.has_capture_journal);
        ASSERT_NULL(e.dmesg_tail);
        dump_entry_done(&e);

        /* The same through the reader every host-side file goes through. */
        char *text = NULL;
        size_t n;
        dfd = openat(pfd, "2026-05-04T10:00:00", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        ASSERT_GE(dfd, 0);
        alarm(10);
        ASSERT_ERROR(dumpdir_read_file_at(dfd, "metadata", 4096, false, &text, &n), EBADFD);
        ASSERT_ERROR(dumpdir_read_file_at(dfd, "dmesg.txt", 4096, true, &text, &n), ELOOP);
        alarm(0);
        (void) close(dfd);
        return TEST_PASS;
}

TEST(report_and_idempotency) {
        _cleanup_free_ char *t = make_target("report"), *state = fixture_mkdtemp("state");
        _cleanup_close_ int pfd = -EBADF, sfd = -EBADF, lock = -EBADF;
        Buffer before = {}, after = {};
        Sent s = {};
        ReportStats st;
        ReportTarget target = { .what = "UUID=" UUID_A, .uuid = UUID_A, .device = "/dev/sdb1", .directory = "tinykdump" };

        ASSERT_NOT_NULL(t);
        ASSERT_NOT_NULL(state);
        setenv("TZ", "UTC", 1);
        tzset();
        ASSERT_OK(fingerprint(t, &before));

        pfd = open_dir(t, "tinykdump");
        ASSERT_GE(pfd, 0);
        ASSERT_OK(report_state_open(state, true, &sfd));
        ASSERT_OK(report_state_lock(sfd, &lock));

        ASSERT_OK(report_dumps(pfd, sfd, &target, NULL, 1000, fake_send, &s, NULL, NULL, &st));
        ASSERT_EQ(st.found, 7);
        ASSERT_EQ(st.reported, 7);
        ASSERT_EQ(st.already, 0);
        ASSERT_EQ(st.failed, 0);
        ASSERT_EQ(s.n, 7);

        char **c = find_record(&s, N_COMPLETE);
        ASSERT_NOT_NULL(c);
        ASSERT_STREQ(c[0], "MESSAGE_ID=" TK_MESSAGE_DUMP_SAVED_STR);
        ASSERT_STREQ(field(c, "PRIORITY"), "2");
        ASSERT_STREQ(field(c, "MESSAGE"),
                     "Kernel 7.2.13-amd64 crashed at 2026-03-01 10:00:00 UTC: 'sysrq triggered crash' — dump saved to "
                     "tinykdump/" N_COMPLETE " on UUID=" UUID_A ", 4K.");
        ASSERT_STREQ(field(c, "TINYKDUMP_DIRECTORY"), "tinykdump/" N_COMPLETE);
        ASSERT_STREQ(field(c, "TINYKDUMP_TARGET"), "UUID=" UUID_A);
        ASSERT_STREQ(field(c, "TINYKDUMP_TARGET_UUID"), UUID_A);
        ASSERT_STREQ(field(c, "TINYKDUMP_TARGET_DEVICE"), "/dev/sdb1");
        ASSERT_STREQ(field(c, "TINYKDUMP_KERNEL_RELEASE"), "7.2.13-amd64");
        ASSERT_STREQ(field(c, "TINYKDUMP_CRASHED_BOOT_ID"), "0123456789abcdef0123456789abcdef");
        ASSERT_STREQ(field(c, "TINYKDUMP_CRASH_TIMESTAMP"), "1772359200000000");
        ASSERT_STREQ(field(c, "TINYKDUMP_PANIC_MESSAGE"), "sysrq triggered crash");
        ASSERT_STREQ(field(c, "TINYKDUMP_RESULT"), "complete");
        ASSERT_NULL(field(c, "TINYKDUMP_REASON"));
        ASSERT_STREQ(field(c, "TINYKDUMP_VMCORE_SIZE"), "4096");   /* the file, not the metadata's claim */
        ASSERT_STREQ(field(c, "TINYKDUMP_DUMP_LEVEL"), "31");
        ASSERT_STREQ(field(c, "TINYKDUMP_COMPRESSION"), "zstd");
        ASSERT_STREQ(field(c, "TINYKDUMP_TOTAL_USEC"), "12500000");
        ASSERT_STREQ(field(c, "TINYKDUMP_CAPTURE_JOURNAL"), "tinykdump/" N_COMPLETE "/capture.journal");
        ASSERT_NOT_NULL(strstr(field(c, "TINYKDUMP_DMESG_TAIL"), "\n[   42.000003] CPU: 0 UID: 0 PID: 1 Comm: bash"));

        char **d = find_record(&s, N_DMESG);
        ASSERT_NOT_NULL(d);
        ASSERT_STREQ(field(d, "MESSAGE_ID"), TK_MESSAGE_DUMP_DMESG_ONLY_STR);
        ASSERT_STREQ(field(d, "TINYKDUMP_RESULT"), "dmesg-only");
        ASSERT_STREQ(field(d, "TINYKDUMP_REASON"), "vmcore not saved: makedumpfile failed (exit status 1)");
        ASSERT_NULL(field(d, "TINYKDUMP_VMCORE_SIZE"));
        ASSERT_NOT_NULL(strstr(field(d, "MESSAGE"), "— only its log was saved, to tinykdump/" N_DMESG));

        char **f = find_record(&s, N_FAILED);
        ASSERT_NOT_NULL(f);
        ASSERT_STREQ(field(f, "MESSAGE_ID"), TK_MESSAGE_CAPTURE_FAILED_STR);
        ASSERT_STREQ(field(f, "TINYKDUMP_REASON"), "nothing saved");

        /* Malformed metadata: failed, and the reason names file, line, key and value. */
        char **m = find_record(&s, N_MALFORMED);
        ASSERT_NOT_NULL(m);
        ASSERT_STREQ(field(m, "MESSAGE_ID"), TK_MESSAGE_CAPTURE_FAILED_STR);
        ASSERT_NOT_NULL(strstr(field(m, "TINYKDUMP_REASON"), N_MALFORMED "/metadata:3: "));
        ASSERT_NOT_NULL(strstr(field(m, "TINYKDUMP_REASON"), "this is not key value"));

        char **nv = find_record(&s, N_NOVMCORE);
        ASSERT_NOT_NULL(nv);
        ASSERT_STREQ(field(nv, "MESSAGE_ID"), TK_MESSAGE_DUMP_DMESG_ONLY_STR);
        ASSERT_STREQ(field(nv, "TINYKDUMP_REASON"), "the metadata says complete, but there is no vmcore");

        char **nm = find_record(&s, N_NOMETA);
        ASSERT_NOT_NULL(nm);
        ASSERT_STREQ(field(nm, "MESSAGE_ID"), TK_MESSAGE_CAPTURE_FAILED_STR);
        ASSERT_STREQ(field(nm, "TINYKDUMP_REASON"), N_NOMETA "/metadata: missing (the capture stopped before writing it)");

        /* The symlinks told us nothing about the secret. */
        char **ln = find_record(&s, N_LINKS);
        ASSERT_NOT_NULL(ln);
        ASSERT_STREQ(field(ln, "MESSAGE_ID"), TK_MESSAGE_CAPTURE_FAILED_STR);
        ASSERT_NULL(field(ln, "TINYKDUMP_PANIC_MESSAGE"));
        ASSERT_NULL(field(ln, "TINYKDUMP_DMESG_TAIL"));

        /* The host keeps a copy: canonical metadata, dmesg.txt, source. */
        _cleanup_free_ char *copy = NULL, *src = NULL;
        size_t n;
        _cleanup_free_ char *base = path_join(state, REPORT_DUMPS_DIR "/" N_COMPLETE);
        ASSERT_OK(read_full_file_at(base, "dmesg.txt", 1 * MiB, &copy, &n));
        ASSERT_STREQ(copy, "[    0.000000] Linux version 7.2.13-amd64 (debian-kernel@lists.debian.org)\n"
                           "[   42.000001] sysrq: Trigger a crash\n"
                           "[   42.000002] Kernel panic - not syncing: sysrq triggered crash\n"
                           "[   42.000003] CPU: 0 UID: 0 PID: 1 Comm: bash");
        ASSERT_OK(read_full_file_at(base, "source", REPORT_SOURCE_MAX, &src, &n));
        ReportSource so;
        ASSERT_OK(report_source_parse(src, n, &so));
        ASSERT_STREQ(so.name, N_COMPLETE);
        ASSERT_STREQ(so.target_uuid, UUID_A);
        ASSERT_STREQ(so.directory, "tinykdump/" N_COMPLETE);
        ASSERT_U64_EQ(so.reported_usec, 1000);
        report_source_done(&so);
        _cleanup_close_ int mfd = open(base, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        DumpMetadata md;
        ASSERT_OK(dump_metadata_read_at(mfd, &md, NULL));
        ASSERT_STREQ(md.kernel_release, "7.2.13-amd64");
        dump_metadata_done(&md);
        /* No copy of what could not be read. */
        _cleanup_free_ char *lbase = path_join(state, REPORT_DUMPS_DIR "/" N_LINKS "/metadata");
        ASSERT_TRUE(access(lbase, F_OK) < 0 && errno == ENOENT);

        /* Second run: nothing new. */
        sent_done(&s);
        ASSERT_OK(report_dumps(pfd, sfd, &target, NULL, 2000, fake_send, &s, NULL, NULL, &st));
        ASSERT_EQ(st.found, 7);
        ASSERT_EQ(st.reported, 0);
        ASSERT_EQ(st.already, 7);
        ASSERT_EQ(s.n, 0);

        /* The target was not touched. */
        ASSERT_OK(fingerprint(t, &after));
        ASSERT_EQ(before.size, after.size);
        ASSERT_TRUE(memcmp(before.data, after.data, before.size) == 0);
        buffer_done(&before);
        buffer_done(&after);
        return TEST_PASS;
}

TEST(send_failure_is_retried) {
        _cleanup_free_ char *t = make_target("retry"), *state = fixture_mkdtemp("state-retry");
        _cleanup_close_ int pfd = -EBADF, sfd = -EBADF;
        ReportTarget target = { .what = "UUID=" UUID_A, .uuid = UUID_A, .directory = "tinykdump" };
        Sent s = { .fail = -ECONNREFUSED };
        ReportStats st;

        ASSERT_NOT_NULL(t);
        pfd = open_dir(t, "tinykdump");
        ASSERT_OK(report_state_open(state, true, &sfd));
        ASSERT_ERROR(report_dumps(pfd, sfd, &target, NULL, 1, fake_send, &s, NULL, NULL, &st), ECONNREFUSED);
        ASSERT_EQ(st.failed, 7);
        ASSERT_EQ(st.reported, 0);
        /* No marks and no leftovers. */
        _cleanup_closedir_ DIR *d = fdopendir(fcntl(sfd, F_DUPFD_CLOEXEC, 3));
        ASSERT_NOT_NULL(d);
        for (struct dirent *de; (de = readdir(d));)
                ASSERT_TRUE(streq(de->d_name, ".") || streq(de->d_name, ".."));

        s.fail = 0;
        ASSERT_OK(report_dumps(pfd, sfd, &target, NULL, 2, fake_send, &s, NULL, NULL, &st));
        ASSERT_EQ(st.reported, 7);
        sent_done(&s);
        return TEST_PASS;
}

/* Regression (ASan/LSan in the dev build): the host-side copy of a dump with dmesg.txt read the
 * log's tail into a buffer that was then overwritten by the source file's text, leaking it. */
TEST(copy_with_dmesg_frees_its_buffers) {
        _cleanup_free_ char *t = fixture_mkdtemp("copy-dmesg"), *state = fixture_mkdtemp("state-copy-dmesg");
        _cleanup_free_ char *d = NULL, *dump = NULL, *copy = NULL, *log = NULL;
        _cleanup_close_ int pfd = -EBADF, sfd = -EBADF;
        ReportTarget target = { .what = "UUID=" UUID_A, .uuid = UUID_A, .directory = "tinykdump" };
        Sent s = {};
        ReportStats st;
        size_t n;

        ASSERT_NOT_NULL(t);
        ASSERT_NOT_NULL(state);
        d = path_join(t, "tinykdump");
        dump = path_join(d, N_DMESG);
        ASSERT_NOT_NULL(dump);
        ASSERT_OK(write_metadata(dump, DUMP_RESULT_DMESG_ONLY, "no vmcore"));
        ASSERT_OK(fixture_write_string(dump, "dmesg.txt", dmesg_text));
        pfd = open_dir(t, "tinykdump");
        ASSERT_OK(report_state_open(state, true, &sfd));
        ASSERT_OK(report_dumps(pfd, sfd, &target, NULL, 1, fake_send, &s, NULL, NULL, &st));
        ASSERT_EQ(st.reported, 1);

        copy = path_join(state, REPORT_DUMPS_DIR "/" N_DMESG);
        ASSERT_NOT_NULL(copy);
        ASSERT_OK(read_full_file_at(copy, REPORT_DMESG_FILENAME, REPORT_DMESG_KEEP_MAX, &log, &n));
        ASSERT_STREQ(log, "[    0.000000] Linux version 7.2.13-amd64 (debian-kernel@lists.debian.org)\n"
                          "[   42.000001] sysrq: Trigger a crash\n"
                          "[   42.000002] Kernel panic - not syncing: sysrq triggered crash\n"
                          "[   42.000003] CPU: 0 UID: 0 PID: 1 Comm: bash");
        sent_done(&s);
        return TEST_PASS;
}

static int count_send(const struct iovec *iov, size_t n, void *userdata) {
        (*(unsigned *) userdata)++;
        return 0;
}

static size_t dir_bytes(const char *state) {
        _cleanup_free_ char *d = path_join(state, REPORT_DUMPS_DIR);
        _cleanup_closedir_ DIR *dir = d ? opendir(d) : NULL;
        size_t total = 0;

        for (struct dirent *de; dir && (de = readdir(dir));) {
                struct stat st;
                char *f = NULL;
                if (de->d_name[0] == '.' || asprintf(&f, "%s/%s/" REPORT_DMESG_FILENAME, d, de->d_name) < 0)
                        continue;
                if (stat(f, &st) >= 0)
                        total += (size_t) st.st_size;
                free(f);
        }
        return total;
}

/* A stick with more dumps than a run reports, each with a large dmesg.txt: one run reports the
 * REPORT_RUN_RECORDS_MAX newest and copies at most REPORT_RUN_COPY_BYTES_MAX; the next run the
 * rest; a scan keeps the REPORT_DUMPS_MAX newest names whatever readdir's order. */
TEST(run_caps_keep_the_newest) {
        _cleanup_free_ char *t = fixture_mkdtemp("caps"), *state = fixture_mkdtemp("state-caps"), *big = NULL;
        _cleanup_close_ int pfd = -EBADF, sfd = -EBADF;
        ReportTarget target = { .what = "UUID=" UUID_A, .uuid = UUID_A, .directory = "tinykdump" };
        const unsigned total = REPORT_RUN_RECORDS_MAX + 16;
        unsigned sent = 0;
        ReportStats st;

        ASSERT_NOT_NULL(t);
        ASSERT_NOT_NULL(state);
        big = malloc(REPORT_DMESG_KEEP_MAX + 1);
        ASSERT_NOT_NULL(big);
        for (size_t i = 0; i < REPORT_DMESG_KEEP_MAX; i++)
                big[i] = i % 64 == 63 ? '\n' : 'a' + (char) (i % 26);
        big[REPORT_DMESG_KEEP_MAX] = 0;
        for (unsigned i = 0; i < total; i++) {
                char name[64];
                _cleanup_free_ char *dump = NULL;
                snprintf(name, sizeof(name), "tinykdump/2026-01-01T%02u:%02u:00", i / 60, i % 60);
                dump = path_join(t, name);
                ASSERT_NOT_NULL(dump);
                ASSERT_OK(write_metadata(dump, DUMP_RESULT_DMESG_ONLY, "no vmcore"));
                ASSERT_OK(fixture_write_string(dump, "dmesg.txt", big));
        }
        pfd = open_dir(t, "tinykdump");
        ASSERT_OK(report_state_open(state, true, &sfd));

        ASSERT_OK(report_dumps(pfd, sfd, &target, NULL, 1, count_send, &sent, NULL, NULL, &st));
        ASSERT_EQ(st.found, total);
        ASSERT_EQ(st.reported, REPORT_RUN_RECORDS_MAX);
        ASSERT_EQ(st.deferred, 16);
        ASSERT_EQ(sent, REPORT_RUN_RECORDS_MAX);
        ASSERT_TRUE(dir_bytes(state) <= REPORT_RUN_COPY_BYTES_MAX);
        /* The newest is reported (with its dmesg copy), the oldest waits. */
        _cleanup_free_ char *newest = path_join(state, REPORT_DUMPS_DIR "/2026-01-01T01:19:00/" REPORT_DMESG_FILENAME);
        _cleanup_free_ char *oldest = path_join(state, REPORT_DUMPS_DIR "/2026-01-01T00:00:00");
        ASSERT_TRUE(access(newest, F_OK) == 0);
        ASSERT_TRUE(access(oldest, F_OK) < 0);

        ASSERT_OK(report_dumps(pfd, sfd, &target, NULL, 2, count_send, &sent, NULL, NULL, &st));
        ASSERT_EQ(st.reported, 16);
        ASSERT_EQ(st.already, REPORT_RUN_RECORDS_MAX);
        ASSERT_EQ(st.deferred, 0);
        ASSERT_TRUE(access(oldest, F_OK) == 0);
        return TEST_PASS;
}

/* More dump directories than a scan keeps: the newest REPORT_DUMPS_MAX, in order. */
TEST(scan_keeps_the_newest_names) {
        _cleanup_free_ char *t = fixture_mkdtemp("scan-newest");
        _cleanup_close_ int pfd = -EBADF;
        DumpEntry *e = NULL;
        size_t n = 0;
        unsigned skipped = 0;

        ASSERT_NOT_NULL(t);
        pfd = open(t, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        ASSERT_GE(pfd, 0);
        /* Created newest first, so readdir order does not happen to help. */
        for (unsigned i = REPORT_DUMPS_MAX + 10; i > 0; i--) {
                char name[64];
                snprintf(name, sizeof(name), "2026-01-01T%02u:%02u:%02u", (i - 1) / 3600, (i - 1) / 60 % 60, (i - 1) % 60);
                ASSERT_OK(RET_NERRNO(mkdirat(pfd, name, 0700)));
        }
        ASSERT_OK(report_scan(pfd, &e, &n, &skipped));
        ASSERT_EQ(n, REPORT_DUMPS_MAX);
        ASSERT_EQ(skipped, 10);
        ASSERT_STREQ(e[0].name, "2026-01-01T00:00:10");
        ASSERT_STREQ(e[n - 1].name, "2026-01-01T00:17:13");
        for (size_t i = 1; i < n; i++)
                ASSERT_TRUE(strcmp(e[i - 1].name, e[i].name) < 0);
        dump_entries_free(e, n);
        return TEST_PASS;
}

/* A forged stick must not choose the kernel's file system driver: only vfat and ext4 are
 * mounted, by name, ro/nosuid/nodev/noexec/nosymfollow, ext4 with noload. */
TEST(mount_plan) {
        unsigned long flags = 0;
        const char *data = "x";

        ASSERT_OK(report_mount_plan("vfat", &flags, &data));
        ASSERT_NULL(data);
        ASSERT_TRUE((flags & (MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC | 256)) ==
                    (MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC | 256));
        ASSERT_OK(report_mount_plan("ext4", &flags, &data));
        ASSERT_STREQ(data, "noload");
        ASSERT_TRUE(flags & 256); /* MS_NOSYMFOLLOW */
        static const char *const refused[] = { "auto", "", "xfs", "btrfs", "ext2", "ext3", "hfsplus", "udf",
                                               "squashfs", "ntfs3", "exfat", "VFAT", "ext4 " };
        for (size_t i = 0; i < ELEMENTSOF(refused); i++)
                ASSERT_ERROR(report_mount_plan(refused[i], &flags, &data), EPROTONOSUPPORT);
        ASSERT_ERROR(report_mount_plan(NULL, &flags, &data), EPROTONOSUPPORT);
        return TEST_PASS;
}

static int sh(const char *cmd) {
        int r = system(cmd);
        return r == 0 ? 0 : -EIO;
}

/* As root, on a loop device: an ext4 target is opened through a private mount after BLKROSET,
 * a symlink on it is not followed (nosymfollow), and a type outside the plan is refused before
 * the device is touched. */
TEST(target_open_loop_device) {
        _cleanup_free_ char *dir = fixture_mkdtemp("loop"), *img = NULL, *cmd = NULL, *loop = NULL;
        FILE *p;
        char buf[64] = {};

        if (geteuid() != 0 || access("/dev/loop-control", F_OK) < 0)
                TEST_SKIP("needs root and loop devices");
        ASSERT_NOT_NULL(dir);
        img = path_join(dir, "stick.img");
        ASSERT_NOT_NULL(img);
        ASSERT_TRUE(asprintf(&cmd, "truncate -s 16M %s && mkfs.ext4 -q -L DUMPS %s >/dev/null 2>&1", img, img) > 0);
        if (sh(cmd) < 0)
                TEST_SKIP("mkfs.ext4 failed");
        free(cmd);
        ASSERT_TRUE(asprintf(&cmd, "losetup -f --show %s 2>/dev/null", img) > 0);
        p = popen(cmd, "r");
        ASSERT_NOT_NULL(p);
        if (!fgets(buf, sizeof(buf), p) || pclose(p) != 0)
                TEST_SKIP("losetup failed");
        buf[strcspn(buf, "\n")] = 0;
        loop = strdup(buf);
        ASSERT_NOT_NULL(loop);

        /* A type outside the plan: refused, the device left writable. */
        int fd = -EBADF;
        ASSERT_ERROR(report_target_open(loop, "xfs", &fd, NULL, NULL), EPROTONOSUPPORT);
        ASSERT_ERROR(report_target_open(loop, NULL, &fd, NULL, NULL), EPROTONOSUPPORT);
        int ro = -1, zero = 0, dfd = open(loop, O_RDONLY | O_CLOEXEC);
        ASSERT_GE(dfd, 0);
        /* A loop device keeps its read-only flag across losetup -d (an earlier run's): start rw. */
        ASSERT_OK(RET_NERRNO(ioctl(dfd, BLKROSET, &zero)));
        ASSERT_ERROR(report_target_open(loop, "xfs", &fd, NULL, NULL), EPROTONOSUPPORT);
        ASSERT_OK(RET_NERRNO(ioctl(dfd, BLKROGET, &ro)));
        ASSERT_EQ(ro, 0);

        /* Put a symlink on it, then open it the reporter's way in a child (new mount namespace). */
        free(cmd);
        ASSERT_TRUE(asprintf(&cmd, "m=$(mktemp -d) && mount %s $m && ln -s /etc/passwd $m/link && umount $m && rmdir $m",
                             loop) > 0);
        ASSERT_OK(sh(cmd));
        pid_t pid = fork();
        ASSERT_GE(pid, 0);
        if (pid == 0) {
                int tfd = -EBADF, e = 0;
                bool mounted = false;
                if (report_target_open(loop, "ext4", &tfd, NULL, &mounted) < 0 || !mounted)
                        _exit(1);
                char path[64];
                snprintf(path, sizeof(path), "/proc/self/fd/%d/link", tfd);
                if (open(path, O_RDONLY | O_CLOEXEC) >= 0)
                        _exit(2);  /* followed */
                e = errno;
                _exit(e == ELOOP ? 0 : 3);
        }
        int status = 0;
        ASSERT_OK(RET_NERRNO(waitpid(pid, &status, 0)));
        ASSERT_TRUE(WIFEXITED(status));
        ASSERT_EQ(WEXITSTATUS(status), 0);
        ASSERT_OK(RET_NERRNO(ioctl(dfd, BLKROGET, &ro)));
        ASSERT_EQ(ro, 1);   /* BLKROSET before mounting, not restored */
        (void) ioctl(dfd, BLKROSET, &zero);  /* the loop device is shared with later tests */
        (void) close(dfd);

        free(cmd);
        ASSERT_TRUE(asprintf(&cmd, "losetup -d %s", loop) > 0);
        (void) sh(cmd);
        return TEST_PASS;
}

TEST(same_name_other_disk) {
        _cleanup_free_ char *ta = make_target("disk-a"), *tb = make_target("disk-b"), *state = fixture_mkdtemp("state-ab");
        _cleanup_close_ int pa = -EBADF, pb = -EBADF, sfd = -EBADF;
        ReportTarget a = { .what = "UUID=" UUID_A, .uuid = UUID_A, .directory = "tinykdump" };
        ReportTarget b = { .what = "LABEL=DUMPS", .uuid = UUID_B, .directory = "tinykdump" };
        Sent s = {};
        ReportStats st;

        ASSERT_NOT_NULL(ta);
        ASSERT_NOT_NULL(tb);
        pa = open_dir(ta, "tinykdump");
        pb = open_dir(tb, "tinykdump");
        ASSERT_OK(report_state_open(state, true, &sfd));
        ASSERT_OK(report_dumps(pa, sfd, &a, NULL, 1, fake_send, &s, NULL, NULL, &st));
        ASSERT_EQ(st.reported, 7);
        ASSERT_OK(report_dumps(pb, sfd, &b, NULL, 2, fake_send, &s, NULL, NULL, &st));
        ASSERT_EQ(st.reported, 7);
        char **r = find_record(&s, N_COMPLETE "_0e7a3bc1");
        ASSERT_NOT_NULL(r);
        ASSERT_STREQ(field(r, "TINYKDUMP_TARGET"), "LABEL=DUMPS");
        /* And both are remembered. */
        ASSERT_OK(report_dumps(pb, sfd, &b, NULL, 3, fake_send, &s, NULL, NULL, &st));
        ASSERT_EQ(st.already, 7);
        ASSERT_OK(report_dumps(pa, sfd, &a, NULL, 4, fake_send, &s, NULL, NULL, &st));
        ASSERT_EQ(st.already, 7);
        ASSERT_EQ(s.n, 14);
        sent_done(&s);
        return TEST_PASS;
}

TEST(record_round_trip) {
        _cleanup_free_ char *t = make_target("roundtrip");
        _cleanup_close_ int pfd = -EBADF;
        ReportTarget target = { .what = "UUID=" UUID_A, .uuid = UUID_A, .device = "/dev/sdb1", .directory = "tinykdump" };
        DumpEntry e;
        ReportRecord r, back;
        char **f1 = NULL, **f2 = NULL;

        ASSERT_NOT_NULL(t);
        pfd = open_dir(t, "tinykdump");
        ASSERT_OK(dump_entry_load(pfd, N_COMPLETE, &e));
        ASSERT_OK(report_record_from_dump(&e, &target, NULL, &r));
        ASSERT_OK(report_record_to_fields(&r, &f1));

        report_record_init(&back);
        STRV_FOREACH(x, f1)
                ASSERT_OK(report_record_add_field(&back, *x, strlen(*x)));
        ASSERT_OK(report_record_add_field(&back, "__REALTIME_TIMESTAMP=1772360000000000", 37));
        ASSERT_OK(report_record_add_field(&back, "_UNKNOWN_FIELD=whatever", 23));
        ASSERT_EQ(back.kind, REPORT_DUMP_SAVED);
        ASSERT_STREQ(back.id, N_COMPLETE);
        ASSERT_STREQ(back.message, r.message);
        ASSERT_STREQ(back.dmesg_tail, r.dmesg_tail);
        ASSERT_U64_EQ(back.md.crash_time_usec, CRASH_USEC);
        ASSERT_U64_EQ(back.journal_time_usec, UINT64_C(1772360000000000));
        ASSERT_U64_EQ(back.md.vmcore_usec, METADATA_UNSET);
        ASSERT_OK(report_record_to_fields(&back, &f2));
        ASSERT_EQ(strv_length(f1), strv_length(f2));
        for (size_t i = 0; f1[i]; i++)
                ASSERT_STREQ(f1[i], f2[i]);

        /* Bad input. */
        ASSERT_ERROR(report_record_add_field(&back, "=x", 2), EBADMSG);
        ASSERT_ERROR(report_record_add_field(&back, "NOEQUALS", 8), EBADMSG);
        ASSERT_ERROR(report_record_add_field(&back, "MESSAGE=a\0b", 11), EBADMSG);
        ASSERT_OK(report_record_add_field(&back, "TINYKDUMP_VMCORE_SIZE=0x10", 26));
        ASSERT_U64_EQ(back.md.vmcore_size, METADATA_UNSET);
        ASSERT_OK(report_record_add_field(&back, "MESSAGE_ID=00000000000000000000000000000000", 43));
        ASSERT_EQ(back.kind, _REPORT_KIND_INVALID);
        ASSERT_ERROR(report_record_to_fields(&back, &f2), EINVAL);

        strv_free(f1);
        strv_free(f2);
        report_record_done(&r);
        report_record_done(&back);
        dump_entry_done(&e);
        return TEST_PASS;
}

TEST(message_is_one_line) {
        ReportRecord r;
        char *m;

        report_record_init(&r);
        r.kind = REPORT_CAPTURE_FAILED;
        r.md.panic_message = strdup("evil\nMESSAGE_ID=forged\x1b[2J");
        r.reason = strdup("nothing saved");
        ASSERT_OK(report_format_message(&r, &m));
        ASSERT_NULL(strchr(m, '\n'));
        ASSERT_NULL(strchr(m, '\x1b'));
        ASSERT_STREQ(m, "Kernel (unknown release) crashed at an unknown time: 'evil?MESSAGE_ID=forged?[2J' — the crash "
                        "dump could not be saved to (unknown directory) on the dump target: nothing saved.");
        free(m);
        /* A long panic message is cut, on a character boundary. */
        free(r.md.panic_message);
        r.md.panic_message = malloc(1001);
        for (size_t i = 0; i < 1000; i += 2)
                memcpy(r.md.panic_message + i, "ä", 2);
        r.md.panic_message[1000] = 0;
        ASSERT_OK(report_format_message(&r, &m));
        ASSERT_NOT_NULL(strstr(m, "ää…'"));
        ASSERT_LT(strlen(m), 400);
        free(m);
        report_record_done(&r);
        return TEST_PASS;
}

static int make_records(ReportRecord **ret, size_t *ret_n) {
        static const char *const ids[] = { "2026-03-01T10:00:00-a-7.2", "2026-03-02T10:00:00-b-7.2",
                                           "2026-03-01T10:00:00-a-7.2", "2026-03-03T10:00:00-c-6.12" };
        ReportRecord *r = calloc(ELEMENTSOF(ids), sizeof(ReportRecord));
        if (!r)
                return -ENOMEM;
        for (size_t i = 0; i < ELEMENTSOF(ids); i++) {
                report_record_init(&r[i]);
                r[i].id = strdup(ids[i]);
                r[i].kind = i == 1 ? REPORT_CAPTURE_FAILED : REPORT_DUMP_SAVED;
                r[i].result = strdup(i == 1 ? "failed" : "complete");
                r[i].md.kernel_release = strdup(i == 3 ? "6.12.48-amd64" : "7.2.13-amd64");
                r[i].target = strdup("UUID=1234-ABCD");
                r[i].directory = strdup("tinykdump/x");
                r[i].md.panic_message = i == 1 ? NULL : strdup("sysrq triggered crash");
                r[i].md.crash_time_usec = CRASH_USEC + i * 86400ULL * 1000000;
                r[i].md.vmcore_size = i == 1 ? METADATA_UNSET : 44 * MiB;
                r[i].dmesg_tail = strdup("line 1\nline 2\nline 3");
        }
        *ret = r;
        *ret_n = ELEMENTSOF(ids);
        return 0;
}

TEST(find_and_dedup) {
        ReportRecord *r;
        size_t n, i;

        ASSERT_OK(make_records(&r, &n));
        ASSERT_OK(report_records_find(r, n, "2026-03-01T10:00:00-a-7.2", &i));
        ASSERT_EQ(i, 2);   /* the later record of a dump reported twice */
        ASSERT_OK(report_records_find(r, n, "2026-03-01", &i));
        ASSERT_EQ(i, 2);   /* a prefix of one dump, even with two records */
        ASSERT_OK(report_records_find(r, n, "2026-03-03", &i));
        ASSERT_EQ(i, 3);
        ASSERT_ERROR(report_records_find(r, n, "2026-03-0", &i), ENOTUNIQ);
        ASSERT_ERROR(report_records_find(r, n, "2027", &i), ENOENT);
        ASSERT_ERROR(report_records_find(r, n, "", &i), EINVAL);

        n = report_records_dedup(r, n);
        ASSERT_EQ(n, 3);
        ASSERT_STREQ(r[0].id, "2026-03-02T10:00:00-b-7.2");
        ASSERT_STREQ(r[1].id, "2026-03-01T10:00:00-a-7.2");
        ASSERT_U64_EQ(r[1].md.crash_time_usec, CRASH_USEC + 2 * 86400ULL * 1000000);
        ASSERT_STREQ(r[2].id, "2026-03-03T10:00:00-c-6.12");
        report_records_free(r, 4);
        return TEST_PASS;
}

TEST(unique_prefix) {
        char *ids[] = { (char *) "2026-03-01T10:00:00-a-7.2", (char *) "2026-03-01T10:00:00-b-7.2",
                        (char *) "2026-03-02T09:00:00-a-7.2", (char *) "2026-03-02T09:00:00-a-7.2", NULL };

        ASSERT_EQ(unique_prefix_len(ids[0], ids, 10), strlen("2026-03-01T10:00:00-a"));
        ASSERT_EQ(unique_prefix_len(ids[2], ids, 10), strlen("2026-03-02")); /* its twin does not count */
        ASSERT_EQ(unique_prefix_len(ids[2], ids, 7), strlen("2026-03-02"));
        ASSERT_EQ(unique_prefix_len("2026", ids, 10), 4U);                  /* never longer than the string */
        ASSERT_EQ(unique_prefix_len("2026-03-01T10:00:00-a", ids, 10), strlen("2026-03-01T10:00:00-a"));
        ASSERT_EQ(unique_prefix_len(ids[1], NULL, 8), 8U);
        return TEST_PASS;
}

TEST(print_table_and_info) {
        ReportRecord *r;
        size_t n, sz;
        char *out = NULL;
        FILE *f;

        setenv("TZ", "UTC", 1);
        tzset();
        ASSERT_OK(make_records(&r, &n));
        f = open_memstream(&out, &sz);
        ASSERT_NOT_NULL(f);
        report_print_table(f, r + 1, 3, &(TableStyle) { .legend = true });
        fclose(f);
        /* The time to the minute with its zone; the ID as its shortest unique prefix (the date). */
        ASSERT_STREQ(out,
                     "TIME                 ID         RESULT   SIZE KERNEL        PANIC\n"
                     "2026-03-02 10:00 UTC 2026-03-02 failed   -    7.2.13-amd64  -\n"
                     "2026-03-03 10:00 UTC 2026-03-01 complete 44M  7.2.13-amd64  sysrq triggered crash\n"
                     "2026-03-04 10:00 UTC 2026-03-03 complete 44M  6.12.48-amd64 sysrq triggered crash\n");
        free(out);

        /* Records of two machines: the fleet view names each record's machine. */
        ReportRecord two[2] = { r[1], r[2] };
        (void) dump_metadata_set(&two[0].md.hostname, "alpha");
        (void) dump_metadata_set(&two[1].md.hostname, "beta");
        r[1].md.hostname = two[0].md.hostname;
        r[2].md.hostname = two[1].md.hostname;
        out = NULL;
        f = open_memstream(&out, &sz);
        report_print_table(f, two, 2, &(TableStyle) { .legend = true });
        fclose(f);
        ASSERT_TRUE(startswith(out, "TIME                 ID         HOSTNAME MACHINE_ID RESULT   SIZE KERNEL"));
        ASSERT_NOT_NULL(strstr(out, " alpha    -          failed   -    7.2.13-amd64 "));
        ASSERT_NOT_NULL(strstr(out, " beta     -          complete 44M  7.2.13-amd64 "));
        free(out);

        /* 72 columns, no legend, colour: the panic message is cut. The journal holds another dump
         * of that day, so the ID needs the hour to tell them apart. */
        char *all[] = { (char *) "2026-03-01T10:00:00-a-7.2", (char *) "2026-03-01T12:00:00-x-7.2", NULL };
        out = NULL;
        f = open_memstream(&out, &sz);
        report_print_table(f, r + 2, 1, &(TableStyle) { .columns = 72, .color = true, .all_ids = all });
        fclose(f);
        ASSERT_STREQ(out, "2026-03-03 10:00 UTC 2026-03-01T10 \033[0;32mcomplete\033[0m 44M 7.2.13-amd64 sysrq trig…\n");
        free(out);

        /* 40 columns: the panic message goes, then the kernel release is cut to 8 characters. */
        out = NULL;
        f = open_memstream(&out, &sz);
        report_print_table(f, r + 2, 1, &(TableStyle) { .columns = 40 });
        fclose(f);
        ASSERT_STREQ(out, "2026-03-03 10:00 UTC 2026-03-01 complete 44M 7.2.13-…\n");
        free(out);

        out = NULL;
        f = open_memstream(&out, &sz);
        report_print_info(f, &r[0], NULL, 2, 0);
        fclose(f);
        ASSERT_NOT_NULL(strstr(out, "              ID: 2026-03-01T10:00:00-a-7.2\n"));
        ASSERT_NOT_NULL(strstr(out, "      Crashed at: 2026-03-01 10:00:00 UTC\n"));
        ASSERT_NOT_NULL(strstr(out, "          Vmcore: 44M\n"));
        ASSERT_NOT_NULL(strstr(out, "\nLast lines of the kernel log (from the journal record):\n  line 2\n  line 3\n"));
        free(out);

        /* On 60 columns a long value wraps at spaces under its start; a word longer than a
         * line stays whole. */
        (void) dump_metadata_set(&r[0].md.erase_rules, "keyring-user=12/4096 keyring-logon=unresolved "
                                 "dm-crypt-key=1/64 a-rule-whose-name-is-longer-than-the-whole-line=0/0 end");
        out = NULL;
        f = open_memstream(&out, &sz);
        report_print_info(f, &r[0], NULL, 2, 60);
        fclose(f);
        ASSERT_NOT_NULL(strstr(out, "\n     Erase rules: keyring-user=12/4096\n"
                                    "                  keyring-logon=unresolved dm-crypt-key=1/64\n"
                                    "                  a-rule-whose-name-is-longer-than-the-whole-line=0/0\n"
                                    "                  end\n"));
        ASSERT_NOT_NULL(strstr(out, "              ID: 2026-03-01T10:00:00-a-7.2\n"));
        free(out);

        /* The host-side dmesg.txt wins over the record's tail. */
        out = NULL;
        f = open_memstream(&out, &sz);
        report_print_info(f, &r[0], "a\nb\nc\nd\n", 3, 0);
        fclose(f);
        ASSERT_NOT_NULL(strstr(out, "\nLast lines of the kernel log:\n  b\n  c\n  d\n"));
        free(out);

        out = NULL;
        f = open_memstream(&out, &sz);
        JsonWriter w;
        json_begin(&w, f, false);
        report_json_record(&w, &r[1]);
        ASSERT_OK(json_end(&w));
        fclose(f);
        ASSERT_NOT_NULL(strstr(out, "\"id\":\"2026-03-02T10:00:00-b-7.2\",\"kind\":\"failed\",\"message_id\":\"" TK_MESSAGE_CAPTURE_FAILED_STR "\""));
        ASSERT_NULL(strstr(out, "\"vmcore_size\""));
        ASSERT_NULL(strstr(out, "null"));
        ASSERT_NOT_NULL(strstr(out, "\"kernel_release\":\"7.2.13-amd64\""));
        free(out);
        report_records_free(r, n);
        return TEST_PASS;
}

TEST(source_file) {
        ReportSource s = { .name = (char *) N_COMPLETE, .directory = (char *) "tinykdump/" N_COMPLETE,
                           .target = (char *) "LABEL=my dumps", .target_uuid = (char *) UUID_A, .reported_usec = 42 };
        ReportSource p;
        char *text;
        size_t n;

        ASSERT_OK(report_source_format(&s, &text, &n));
        ASSERT_OK(report_source_parse(text, n, &p));
        ASSERT_STREQ(p.name, s.name);
        ASSERT_STREQ(p.directory, s.directory);
        ASSERT_STREQ(p.target, s.target);
        ASSERT_STREQ(p.target_uuid, s.target_uuid);
        ASSERT_U64_EQ(p.reported_usec, 42);
        report_source_done(&p);
        free(text);

        s.target = (char *) "LABEL=a\nNAME=b";
        ASSERT_ERROR(report_source_format(&s, &text, &n), EINVAL);

        ASSERT_ERROR(report_source_parse("NAME=a\nNAME=b\n", 14, &p), EBADMSG);
        ASSERT_ERROR(report_source_parse("DIRECTORY=a\n", 12, &p), EBADMSG);
        ASSERT_ERROR(report_source_parse("NAME=a\nREPORTED_USEC=-1\n", 24, &p), EBADMSG);
        ASSERT_ERROR(report_source_parse("NAME=a\r\n", 8, &p), EBADMSG);
        ASSERT_OK(report_source_parse("# c\n\nNAME=a\nFUTURE=1", 20, &p));
        ASSERT_STREQ(p.name, "a");
        report_source_done(&p);
        return TEST_PASS;
}

TEST(target_key) {
        char *k;

        k = report_target_key(&(ReportTarget) { .uuid = "1234-ABCD", .what = "LABEL=x" });
        ASSERT_STREQ(k, "1234abcd");
        free(k);
        k = report_target_key(&(ReportTarget) { .what = "LABEL=../..//" });
        ASSERT_STREQ(k, "unknown");
        free(k);
        k = report_target_key(&(ReportTarget) { .what = "PARTLABEL=Crash Dumps" });
        ASSERT_STREQ(k, "crashdumps");
        free(k);
        return TEST_PASS;
}

TEST(device_from_arg) {
        _cleanup_free_ char *root = path_join(test_srcdir(), "unit/rootfs/report");
        char *d;

        ASSERT_OK(report_device_from_arg(root, "/sys/devices/pci0000:00/0000:00:14.0/usb2/2-1/2-1:1.0/host6/target6:0:0/"
                                               "6:0:0:0/block/sdb/sdb1", &d));
        ASSERT_STREQ(d, "/dev/block/8:17");
        free(d);
        ASSERT_OK(report_device_from_arg(root, "/dev/disk/by-uuid/1234-ABCD", &d));
        ASSERT_STREQ(d, "/dev/disk/by-uuid/1234-ABCD");
        free(d);
        ASSERT_ERROR(report_device_from_arg(root, "/sys/devices/none", &d), ENOENT);
        ASSERT_ERROR(report_device_from_arg(root, "/sys/devices/../../etc", &d), EINVAL);
        ASSERT_ERROR(report_device_from_arg(root, "sdb1", &d), EINVAL);
        return TEST_PASS;
}

/* ----- the real journal: records written as a journal file by systemd-journal-remote from the
 * Journal Export Format, read back with sd-journal and by "tinykdump list|info --file=". ----- */

#define JOURNAL_REMOTE "/lib/systemd/systemd-journal-remote"

typedef struct ExportSink {
        FILE *f;
        uint64_t seq;
        unsigned uid;
} ExportSink;

static void export_field(FILE *f, const char *data, size_t size) {
        const char *eq = memchr(data, '=', size);
        if (eq && memchr(data, '\n', size)) {
                size_t kl = (size_t) (eq - data);
                uint64_t vl = htole64(size - kl - 1);
                fwrite(data, 1, kl, f);
                fputc('\n', f);
                fwrite(&vl, sizeof(vl), 1, f);
                fwrite(eq + 1, 1, size - kl - 1, f);
                fputc('\n', f);
        } else {
                fwrite(data, 1, size, f);
                fputc('\n', f);
        }
}

static int export_send(const struct iovec *iov, size_t n, void *userdata) {
        ExportSink *s = userdata;

        s->seq++;
        fprintf(s->f, "__REALTIME_TIMESTAMP=%" PRIu64 "\n__MONOTONIC_TIMESTAMP=%" PRIu64 "\n"
                      "_BOOT_ID=fedcba9876543210fedcba9876543210\n_UID=%u\n",
                (uint64_t) (CRASH_USEC + UINT64_C(3600000000) + s->seq), s->seq, s->uid);
        for (size_t i = 0; i < n; i++)
                export_field(s->f, iov[i].iov_base, iov[i].iov_len);
        fputc('\n', s->f);
        return 0;
}

static int run_capture(char **argv, char **ret_out) {
        Buffer out = {};
        int r, ws;

        r = spawn_and_wait(argv, &(SpawnOptions) { .capture = &out, .capture_max = 1 * MiB }, &ws);
        if (r >= 0 && buffer_append_zero(&out, 1) < 0)
                r = -ENOMEM;
        if (r < 0) {
                buffer_done(&out);
                return r;
        }
        *ret_out = (char *) out.data;
        return WIFEXITED(ws) ? WEXITSTATUS(ws) : 128;
}

TEST(journal_file) {
        _cleanup_free_ char *t = make_target("journal"), *state = fixture_mkdtemp("state-journal"),
                            *state_forged = fixture_mkdtemp("state-forged");
        _cleanup_free_ char *exp = path_join(test_tmpdir(), "records.export"),
                            *jf = path_join(test_tmpdir(), "records.journal");
        _cleanup_close_ int pfd = -EBADF, sfd = -EBADF, sfd2 = -EBADF;
        ReportTarget target = { .what = "UUID=" UUID_A, .uuid = UUID_A, .device = "/dev/sdb1", .directory = "tinykdump" };
        ExportSink sink = { .uid = 0 };
        ReportStats st;
        sd_journal *j = NULL;
        ReportRecord *recs = NULL;
        size_t n = 0, i;

        if (access(JOURNAL_REMOTE, X_OK) < 0)
                TEST_SKIP("%s is not installed (Debian: systemd-journal-remote)", JOURNAL_REMOTE);
        ASSERT_NOT_NULL(t);
        setenv("TZ", "UTC", 1);
        tzset();

        sink.f = fopen(exp, "we");
        ASSERT_NOT_NULL(sink.f);
        pfd = open_dir(t, "tinykdump");
        ASSERT_OK(report_state_open(state, true, &sfd));
        ASSERT_OK(report_dumps(pfd, sfd, &target, NULL, 1, export_send, &sink, NULL, NULL, &st));
        ASSERT_EQ(st.reported, 7);
        /* The same records logged by an unprivileged user: forgeries, to be ignored. */
        ASSERT_OK(report_state_open(state_forged, true, &sfd2));
        sink.uid = 1000;
        ASSERT_OK(report_dumps(pfd, sfd2, &(ReportTarget) { .what = "LABEL=FORGED", .directory = "tinykdump" }, NULL, 1,
                               export_send, &sink, NULL, NULL, &st));
        ASSERT_EQ(fclose(sink.f), 0);

        char *conv[] = { (char *) JOURNAL_REMOTE, (char *) "-o", jf, exp, NULL };
        _cleanup_free_ char *ignored = NULL;
        ASSERT_EQ(run_capture(conv, &ignored), 0);

        const char *files[] = { jf, NULL };
        ASSERT_OK(sd_journal_open_files(&j, files, 0));
        ASSERT_OK(report_journal_read(j, &recs, &n));
        sd_journal_close(j);
        ASSERT_EQ(n, 7);
        ASSERT_OK(report_records_find(recs, n, N_COMPLETE, &i));
        ASSERT_EQ(recs[i].kind, REPORT_DUMP_SAVED);
        ASSERT_STREQ(recs[i].target, "UUID=" UUID_A);
        ASSERT_STREQ(recs[i].md.boot_id, "0123456789abcdef0123456789abcdef");
        ASSERT_U64_EQ(recs[i].md.crash_time_usec, CRASH_USEC);
        ASSERT_U64_EQ(recs[i].md.vmcore_size, 4096);
        ASSERT_TRUE(recs[i].journal_time_usec > CRASH_USEC);
        ASSERT_NOT_NULL(strstr(recs[i].dmesg_tail, "Kernel panic - not syncing: sysrq triggered crash\n"));
        for (size_t k = 0; k < n; k++)
                ASSERT_STREQ(recs[k].target, "UUID=" UUID_A);
        report_records_free(recs, n);

        /* The command line, on the same file. */
        const char *build = getenv("TK_BUILD_ROOT");
        if (!build)
                return TEST_PASS;
        _cleanup_free_ char *exe = path_join(build, "src/tinykdump/tinykdump"), *opt = NULL, *out = NULL,
                            *out2 = NULL, *out3 = NULL;
        ASSERT_TRUE(asprintf(&opt, "--file=%s", jf) > 0);
        char *list[] = { exe, opt, (char *) "list", NULL };
        ASSERT_EQ(run_capture(list, &out), 0);
        /* Not a terminal: no width limit; the IDs as their shortest unique prefixes, the crash dates. */
        ASSERT_NOT_NULL(strstr(out, "\n2026-03-01 10:00 UTC 2026-03-01 complete   4K   7.2.13-amd64 sysrq triggered crash"));
        ASSERT_NOT_NULL(strstr(out, "\n2026-03-04 13:00 UTC 2026-03-04 failed     -    -            -"));
        char *info[] = { exe, opt, (char *) "info", (char *) "2026-03-02", NULL };
        ASSERT_EQ(run_capture(info, &out2), 0);
        ASSERT_NOT_NULL(strstr(out2, "              ID: " N_DMESG "\n"));
        ASSERT_NOT_NULL(strstr(out2, "          Result: dmesg-only\n"));
        ASSERT_NOT_NULL(strstr(out2, "  [   42.000003] CPU: 0 UID: 0 PID: 1 Comm: bash\n"));
        char *ambiguous[] = { exe, opt, (char *) "info", (char *) "2026-03", NULL };
        ASSERT_EQ(run_capture(ambiguous, &out3), 1);
        free(out3);
        out3 = NULL;
        /* coredumpctl's habits: -1, -r -n, matches, info without an ID. */
        _cleanup_free_ char *o1 = NULL, *o2 = NULL, *o3 = NULL, *o4 = NULL;
        char *newest[] = { exe, opt, (char *) "--no-legend", (char *) "-1", (char *) "list", NULL };
        ASSERT_EQ(run_capture(newest, &o1), 0);
        ASSERT_EQ(strchr(o1, '\n') - o1 + 1, (ptrdiff_t) strlen(o1));
        char *rev[] = { exe, opt, (char *) "list", (char *) "-r", (char *) "-n", (char *) "2", (char *) "RESULT=complete",
                        NULL };
        ASSERT_EQ(run_capture(rev, &o2), 0);
        ASSERT_TRUE(startswith(o2, "TIME "));
        ASSERT_NOT_NULL(strstr(o2, " complete "));
        ASSERT_NULL(strstr(o2, " failed "));
        char *newest_info[] = { exe, opt, (char *) "info", NULL };
        ASSERT_EQ(run_capture(newest_info, &o3), 0);
        ASSERT_NOT_NULL(strstr(o3, "              ID: "));
        char *none[] = { exe, opt, (char *) "--since=2027-01-01", (char *) "info", NULL };
        ASSERT_EQ(run_capture(none, &o4), 1);
        char *json[] = { exe, opt, (char *) "--json=short", (char *) "list", NULL };
        ASSERT_EQ(run_capture(json, &out3), 0);
        ASSERT_TRUE(out3[0] == '[');
        ASSERT_NOT_NULL(strstr(out3, "\"id\":\"" N_NOVMCORE "\",\"kind\":\"dmesg-only\""));
        return TEST_PASS;
}

TEST(time_spec) {
        /* Sun 2026-03-01 10:00:00 UTC */
        uint64_t now = CRASH_USEC, t;

        setenv("TZ", "UTC", 1);
        tzset();
        ASSERT_OK(parse_time_spec("now", now, &t));
        ASSERT_U64_EQ(t, now);
        ASSERT_OK(parse_time_spec("today", now, &t));
        ASSERT_U64_EQ(t, now - 10 * UINT64_C(3600000000));
        ASSERT_OK(parse_time_spec("yesterday", now, &t));
        ASSERT_U64_EQ(t, now - 34 * UINT64_C(3600000000));
        ASSERT_OK(parse_time_spec("-1h", now, &t));
        ASSERT_U64_EQ(t, now - UINT64_C(3600000000));
        ASSERT_OK(parse_time_spec("+30min", now, &t));
        ASSERT_U64_EQ(t, now + UINT64_C(1800000000));
        ASSERT_OK(parse_time_spec("2d ago", now, &t));
        ASSERT_U64_EQ(t, now - 48 * UINT64_C(3600000000));
        ASSERT_OK(parse_time_spec("2026-03-01", now, &t));
        ASSERT_U64_EQ(t, now - 10 * UINT64_C(3600000000));
        ASSERT_OK(parse_time_spec("2026-03-01 10:00", now, &t));
        ASSERT_U64_EQ(t, now);
        ASSERT_OK(parse_time_spec("2026-03-01T10:00:00", now, &t));
        ASSERT_U64_EQ(t, now);
        ASSERT_OK(parse_time_spec("2026-03-01 10:00:00 UTC", now, &t));
        ASSERT_U64_EQ(t, now);
        ASSERT_OK(parse_time_spec("@1772359200", now, &t));
        ASSERT_U64_EQ(t, now);
        static const char *const bad[] = { "", "someday", "2026-3-1", "2026-03-01 10", "2026-13-01", "2026-03-01 25:00",
                                           "2026-03-01 10:00:00x", "-", "-1x", "@", "1h" };
        for (size_t i = 0; i < ELEMENTSOF(bad); i++)
                ASSERT_ERROR(parse_time_spec(bad[i], now, &t), EINVAL);
        return TEST_PASS;
}

TEST(filter_records) {
        ReportRecord *r;
        size_t n, m;
        char *host_b[] = { (char *) "HOSTNAME=b", NULL };
        char *either[] = { (char *) "KERNEL=6.12.48-amd64", (char *) "KERNEL_RELEASE=7.2.13-amd64",
                           (char *) "RESULT=failed", NULL };
        char *bad[] = { (char *) "COLOR=red", NULL };

        ASSERT_OK(report_match_check("HOSTNAME=x"));
        ASSERT_OK(report_match_check("TINYKDUMP_RESULT=complete"));
        ASSERT_OK(report_match_check("2026-03"));
        ASSERT_ERROR(report_match_check(bad[0]), EINVAL);

        ASSERT_OK(make_records(&r, &n));
        m = report_records_filter(r, n, NULL, UINT64_MAX, UINT64_MAX, 2, true);
        ASSERT_EQ(m, 2);
        ASSERT_STREQ(r[0].id, "2026-03-03T10:00:00-c-6.12");
        ASSERT_STREQ(r[1].id, "2026-03-01T10:00:00-a-7.2");
        report_records_free(r, m);

        ASSERT_OK(make_records(&r, &n));
        m = report_records_filter(r, n, either, UINT64_MAX, UINT64_MAX, 0, false);
        ASSERT_EQ(m, 1);
        ASSERT_STREQ(r[0].result, "failed");
        report_records_free(r, m);

        ASSERT_OK(make_records(&r, &n));
        m = report_records_filter(r, n, host_b, UINT64_MAX, UINT64_MAX, 0, false);
        report_records_free(r, m);

        /* Since/until on the crash time. */
        ASSERT_OK(make_records(&r, &n));
        m = report_records_filter(r, n, NULL, CRASH_USEC + 86400ULL * 1000000, CRASH_USEC + 2 * 86400ULL * 1000000, 0,
                                  false);
        ASSERT_TRUE(m >= 1);
        for (size_t i = 0; i < m; i++)
                ASSERT_TRUE(r[i].md.crash_time_usec >= CRASH_USEC + 86400ULL * 1000000 &&
                            r[i].md.crash_time_usec <= CRASH_USEC + 2 * 86400ULL * 1000000);
        report_records_free(r, m);
        return TEST_PASS;
}

/* Every MESSAGE_ID has a catalog entry, and the catalog documents no other. */
TEST(catalog_matches_ids) {
        _cleanup_free_ char *path = path_join(test_srcdir(), "../src/catalog/tinykdump.catalog"), *text = NULL;
        /* The report's kinds in ReportKind order, then the records of other programs. */
        static const char *const ids[] = { TK_MESSAGE_DUMP_SAVED_STR, TK_MESSAGE_DUMP_DMESG_ONLY_STR,
                                           TK_MESSAGE_CAPTURE_FAILED_STR, TK_MESSAGE_BELOW_NEED_STR };
        unsigned entries = 0;
        size_t n;

        ASSERT_OK(read_full_file_at(NULL, path, 64 * KiB, &text, &n));
        for (const char *p = text; (p = strstr(p, "\n-- ")); p++)
                entries++;
        ASSERT_EQ(entries, ELEMENTSOF(ids));
        for (size_t i = 0; i < ELEMENTSOF(ids); i++) {
                char h[40];
                snprintf(h, sizeof(h), "\n-- %s\n", ids[i]);
                ASSERT_NOT_NULL(strstr(text, h));
                ASSERT_EQ(report_kind_from_message_id(ids[i]), i < _REPORT_KIND_MAX ? (ReportKind) i : _REPORT_KIND_INVALID);
        }
        return TEST_PASS;
}

/* The erasure's metadata reaches the record, its journal fields and `tinykdump info`. */
TEST(record_carries_erase_fields) {
        DumpEntry e = { .name = (char *) "2026-12-06T05:00:00Z-host-7.2", .has_vmcore = true,
                        .has_dmesg = true, .vmcore_size = 1, .dmesg_size = 1 };
        _cleanup_(report_record_done) ReportRecord r;
        _cleanup_strv_free_ char **fields = NULL;
        _cleanup_free_ char *info = NULL;
        size_t size = 0;
        FILE *f;

        dump_metadata_init(&e.md);
        e.md.result = DUMP_RESULT_COMPLETE;
        ASSERT_OK(dump_metadata_set(&e.md.erase, "complete"));
        ASSERT_OK(dump_metadata_set(&e.md.erase_rules, "keyring-user=1/32 keyring-trusted=inactive"));
        e.md.erase_bytes = 32;
        ASSERT_OK(report_record_from_dump(&e, NULL, NULL, &r));
        dump_metadata_done(&e.md);
        ASSERT_STREQ(r.md.erase, "complete");
        ASSERT_STREQ(r.md.erase_rules, "keyring-user=1/32 keyring-trusted=inactive");
        ASSERT_U64_EQ(r.md.erase_bytes, 32);

        ASSERT_OK(report_record_to_fields(&r, &fields));
        ASSERT_TRUE(strv_contains(fields, "TINYKDUMP_ERASE=complete"));
        ASSERT_TRUE(strv_contains(fields, "TINYKDUMP_ERASE_RULES=keyring-user=1/32 keyring-trusted=inactive"));
        ASSERT_TRUE(strv_contains(fields, "TINYKDUMP_ERASE_BYTES=32"));

        f = open_memstream(&info, &size);
        ASSERT_NOT_NULL(f);
        report_print_info(f, &r, NULL, 0, 0);
        ASSERT_EQ(fclose(f), 0);
        ASSERT_NOT_NULL(strstr(info, "Erase rules: keyring-user=1/32 keyring-trusted=inactive\n"));
        ASSERT_NOT_NULL(strstr(info, "Erased: complete: 1 rule ran; 1 inactive\n"));
        return TEST_PASS;
}

/* "complete" with no rule run (none resolved on that kernel) is not shown as complete. */
TEST(erase_summary_counts_rules) {
        static const struct {
                const char *erase, *rules, *want;
        } cases[] = {
                { "complete", "keyring-user=11/445 dm-crypt-key=1/64 big-key=unresolved big-key-2=unresolved xts=inactive",
                  "complete: 2 rules ran; 2 unresolved, 1 inactive" },
                { "complete", "keyring-user=0/0", "complete: 1 rule ran" },
                { "complete", "keyring-user=unresolved rng=disabled", "nothing: no rule ran (1 unresolved, 1 disabled)" },
                { "complete", "", "nothing: no rule ran" },
                { "complete", "junk a=b keyring-user=failed", "nothing: no rule ran (1 failed, 2 unreadable)" },
                { "complete", NULL, "complete" },
                { "failed", "keyring-user=failed", "failed" },
                { "disabled", NULL, "disabled" },
        };
        char *s;

        for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
                ASSERT_OK(report_erase_summary(cases[i].erase, cases[i].rules, &s));
                ASSERT_STREQ(s, cases[i].want);
                free(s);
        }
        ASSERT_OK(report_erase_summary(NULL, "x=1/1", &s));
        ASSERT_NULL(s);
        return TEST_PASS;
}

/* A dump of the boot the self-test marker names is sent with TINYKDUMP_TEST=1 and counted; with
 * another boot ID (or none) nothing is marked, so the check can fail. */
TEST(report_marks_self_test) {
        const char *boot = "0123456789abcdef0123456789abcdef";
        _cleanup_free_ char *t = fixture_mkdtemp("selftest"), *sa = fixture_mkdtemp("state-selftest-a"),
                            *sb = fixture_mkdtemp("state-selftest-b"), *d = NULL, *dump = NULL;
        _cleanup_close_ int pfd = -EBADF, sfa = -EBADF, sfb = -EBADF;
        ReportTarget target = { .what = "LABEL=CRASH", .directory = "tinykdump" };
        Sent a = {}, b = {};
        ReportStats st;

        ASSERT_NOT_NULL(t);
        ASSERT_NOT_NULL(sa);
        ASSERT_NOT_NULL(sb);
        d = path_join(t, "tinykdump");
        dump = path_join(d, N_DMESG);
        ASSERT_NOT_NULL(dump);
        ASSERT_OK(write_metadata(dump, DUMP_RESULT_DMESG_ONLY, "no vmcore"));
        ASSERT_OK(fixture_write_string(dump, "dmesg.txt", dmesg_text));
        pfd = open_dir(t, "tinykdump");

        ASSERT_OK(report_state_open(sa, true, &sfa));
        ASSERT_OK(report_dumps(pfd, sfa, &target, boot, 1, fake_send, &a, NULL, NULL, &st));
        ASSERT_EQ(st.reported, 1);
        ASSERT_EQ(st.tests, 1);
        ASSERT_STREQ(field(a.records[0], "TINYKDUMP_TEST"), "1");

        ASSERT_OK(report_state_open(sb, true, &sfb));
        ASSERT_OK(report_dumps(pfd, sfb, &target, "fedcba9876543210fedcba9876543210", 1, fake_send, &b, NULL, NULL,
                               &st));
        ASSERT_EQ(st.reported, 1);
        ASSERT_EQ(st.tests, 0);
        ASSERT_NULL(field(b.records[0], "TINYKDUMP_TEST"));

        /* Read back from the journal's fields, the record is a test again. */
        ReportRecord r;
        report_record_init(&r);
        ASSERT_OK(report_record_add_field(&r, "TINYKDUMP_TEST=1", strlen("TINYKDUMP_TEST=1")));
        ASSERT_U64_EQ(r.test, 1);
        report_record_done(&r);
        sent_done(&a);
        sent_done(&b);
        return TEST_PASS;
}

TEST(test_marker_round_trip) {
        _cleanup_free_ char *root = fixture_mkdtemp("marker"), *text = NULL;
        TestMarker m = { .boot_id = "0123456789abcdef0123456789abcdef", .time_usec = 1772359200000000 }, got;

        ASSERT_NOT_NULL(root);
        ASSERT_ERROR(test_marker_read(root, &got), ENOENT);
        ASSERT_OK(test_marker_remove(root));             /* none there: fine */
        ASSERT_OK(test_marker_write(root, &m));
        ASSERT_OK(read_full_file_at(root, TEST_MARKER_FILE, TEST_MARKER_MAX, &text, NULL));
        ASSERT_STREQ(text, "BOOT_ID=0123456789abcdef0123456789abcdef\nTIME_USEC=1772359200000000\n");
        ASSERT_OK(test_marker_read(root, &got));
        ASSERT_STREQ(got.boot_id, m.boot_id);
        ASSERT_U64_EQ(got.time_usec, m.time_usec);
        ASSERT_OK(test_marker_remove(root));
        ASSERT_ERROR(test_marker_read(root, &got), ENOENT);
        ASSERT_FALSE(exists_at(root, TEST_MARKER_FILE ".tmp"));

        /* What a marker must not be. */
        static const char *const bad[] = {
                "",
                "BOOT_ID=0123456789abcdef0123456789abcdef\n",                        /* no time */
                "TIME_USEC=1\n",                                                     /* no boot */
                "BOOT_ID=0123456789ABCDEF0123456789abcdef\nTIME_USEC=1\n",           /* upper case */
                "BOOT_ID=0123456789abcdef0123456789abcde\nTIME_USEC=1\n",            /* 31 digits */
                "BOOT_ID=0123456789abcdef0123456789abcdef\nTIME_USEC=-1\n",
                "BOOT_ID=0123456789abcdef0123456789abcdef\nTIME_USEC=1\nTIME_USEC=2\n",
                "BOOT_ID=0123456789abcdef0123456789abcdef\nTIME_USEC=1\x1b\n",
                "BOOT_ID=0123456789abcdef0123456789abcdef\nnonsense\nTIME_USEC=1\n",
        };
        for (size_t i = 0; i < ELEMENTSOF(bad); i++)
                ASSERT_ERROR(test_marker_parse(bad[i], strlen(bad[i]), &got), EBADMSG);
        ASSERT_OK(test_marker_parse("# a comment\nBOOT_ID=0123456789abcdef0123456789abcdef\nFUTURE=x\nTIME_USEC=7\n",
                                    strlen("# a comment\nBOOT_ID=0123456789abcdef0123456789abcdef\nFUTURE=x\nTIME_USEC=7\n"),
                                    &got));
        ASSERT_U64_EQ(got.time_usec, 7);
        m.boot_id[0] = 'X';
        ASSERT_ERROR(test_marker_write(root, &m), EINVAL);
        return TEST_PASS;
}

/* A test's record says so in list's RESULT column, in info and in JSON; a record without the
 * field says nothing of it. */
TEST(print_self_test) {
        DumpEntry e = { .name = (char *) N_COMPLETE, .has_vmcore = true, .has_dmesg = true, .vmcore_size = 1,
                        .dmesg_size = 1 };
        _cleanup_(report_record_done) ReportRecord r;
        _cleanup_free_ char *out = NULL;
        size_t size = 0;
        FILE *f;

        dump_metadata_init(&e.md);
        e.md.result = DUMP_RESULT_COMPLETE;
        ASSERT_OK(report_record_from_dump(&e, NULL, NULL, &r));
        dump_metadata_done(&e.md);

        for (int test = 0; test <= 1; test++) {
                JsonWriter w;

                r.test = test ? 1 : METADATA_UNSET;
                f = open_memstream(&out, &size);
                ASSERT_NOT_NULL(f);
                report_print_table(f, &r, 1, &(TableStyle) { .legend = true });
                report_print_info(f, &r, NULL, 0, 0);
                json_begin(&w, f, false);
                report_json_record(&w, &r);
                ASSERT_OK(json_end(&w));
                ASSERT_EQ(fclose(f), 0);
                ASSERT_EQ(!!strstr(out, " complete (test) "), test);
                ASSERT_EQ(!!strstr(out, "Self test: yes"), test);
                ASSERT_EQ(!!strstr(out, "\"test\":true"), test);
                free(out);
                out = NULL;
        }
        return TEST_PASS;
}

/* Room on the target (SPACE=, TARGET_FREE=, …) reaches the record, its journal fields and `tinykdump info`. */
TEST(record_carries_space_fields) {
        DumpEntry e = { .name = (char *) "2026-12-06T05:00:00Z-host-7.2", .has_dmesg = true, .dmesg_size = 1 };
        _cleanup_(report_record_done) ReportRecord r;
        _cleanup_strv_free_ char **fields = NULL;
        _cleanup_free_ char *info = NULL;
        size_t size = 0;
        FILE *f;

        dump_metadata_init(&e.md);
        e.md.result = DUMP_RESULT_DMESG_ONLY;
        ASSERT_OK(dump_metadata_set(&e.md.reason, "vmcore not saved: makedumpfile failed (exit status 1): the target filled up"));
        ASSERT_OK(dump_metadata_set(&e.md.space, "full"));
        e.md.memory_size = 1 * GiB;
        e.md.target_free = 5 * MiB;
        e.md.vmcore_estimate = 1100 * MiB;
        ASSERT_OK(report_record_from_dump(&e, NULL, NULL, &r));
        dump_metadata_done(&e.md);

        ASSERT_OK(report_record_to_fields(&r, &fields));
        ASSERT_TRUE(strv_contains(fields, "TINYKDUMP_SPACE=full"));
        ASSERT_TRUE(strv_contains(fields, "TINYKDUMP_MEMORY_SIZE=1073741824"));
        ASSERT_TRUE(strv_contains(fields, "TINYKDUMP_TARGET_FREE=5242880"));
        ASSERT_TRUE(strv_contains(fields, "TINYKDUMP_VMCORE_ESTIMATE=1153433600"));

        f = open_memstream(&info, &size);
        ASSERT_NOT_NULL(f);
        report_print_info(f, &r, NULL, 0, 0);
        ASSERT_EQ(fclose(f), 0);
        ASSERT_NOT_NULL(strstr(info, "    Target space: full (5M free for 1G of memory, up to 1.1G needed)\n"));
        return TEST_PASS;
}

/* VERIFIED=, VERIFY_REASON= and MAKEDUMPFILE_WARNING= reach the journal fields and `tinykdump info`,
 * control characters from a forged stick escaped there. */
TEST(record_carries_verify_fields) {
        DumpEntry e = { .name = (char *) "2026-12-06T05:00:00Z-host-7.2", .has_vmcore = true, .has_dmesg = true,
                        .vmcore_size = 1, .dmesg_size = 1 };
        _cleanup_(report_record_done) ReportRecord r;
        _cleanup_strv_free_ char **fields = NULL;
        _cleanup_free_ char *info = NULL;
        size_t size = 0;
        FILE *f;

        dump_metadata_init(&e.md);
        e.md.result = DUMP_RESULT_COMPLETE;
        ASSERT_OK(dump_metadata_set(&e.md.verified, "no"));
        ASSERT_OK(dump_metadata_set(&e.md.verify_reason, "init_uts_ns (0xffffffff81001400) is not readable\n<0>FORGED"));
        ASSERT_OK(dump_metadata_set(&e.md.makedumpfile_warning, "The kernel version is not supported."));
        ASSERT_OK(report_record_from_dump(&e, NULL, NULL, &r));
        dump_metadata_done(&e.md);

        ASSERT_OK(report_record_to_fields(&r, &fields));
        ASSERT_TRUE(strv_contains(fields, "TINYKDUMP_VERIFIED=no"));
        ASSERT_TRUE(strv_contains(fields, "TINYKDUMP_MAKEDUMPFILE_WARNING=The kernel version is not supported."));
        bool found = false;
        STRV_FOREACH(i, fields)
                if (startswith(*i, "TINYKDUMP_VERIFY_REASON=init_uts_ns (0xffffffff81001400) is not readable"))
                        found = true;
        ASSERT_TRUE(found);

        f = open_memstream(&info, &size);
        ASSERT_NOT_NULL(f);
        report_print_info(f, &r, NULL, 0, 0);
        ASSERT_EQ(fclose(f), 0);
        ASSERT_NOT_NULL(strstr(info, "        Verified: no\n"));
        ASSERT_NOT_NULL(strstr(info, "    Verification: init_uts_ns (0xffffffff81001400) is not readable?<0>FORGED\n"));
        ASSERT_NOT_NULL(strstr(info, "makedumpfile warned: The kernel version is not supported.\n"));
        return TEST_PASS;
}

/* The rule "tinykdump load" writes to narrow 90-tinykdump-report.rules to the target: UUIDs
 * without regard to case, labels in udev's encoded form, and the wide rule (with a comment) for a
 * label a udev glob cannot match. */
TEST(udev_rule_golden) {
        _cleanup_free_ char *a = NULL, *b = NULL, *c = NULL, *d = NULL, *e = NULL, *f = NULL;
        bool narrow = false;

        ASSERT_OK(report_udev_rule_format("UUID=1234-abCD", &a, &narrow));
        ASSERT_TRUE(narrow);
        ASSERT_STREQ(a, "# Automatically generated by tinykdump load: marks the configured dump target for\n"
                        "# 90-tinykdump-report.rules (TINYKDUMP_TARGET=1). Removed by tinykdump unload.\n"
                        "# Target: UUID=1234-abCD\n"
                        "ACTION==\"add\", SUBSYSTEM==\"block\", ENV{ID_FS_UUID_ENC}==\"1234-[aA][bB][cC][dD]\", "
                        "ENV{TINYKDUMP_TARGET}=\"1\"\n");
        ASSERT_OK(report_udev_rule_format("PARTUUID=0f1e2d3c-01", &b, &narrow));
        ASSERT_NOT_NULL(strstr(b, "ENV{ID_PART_ENTRY_UUID}==\"0[fF]1[eE]2[dD]3[cC]-01\""));
        ASSERT_OK(report_udev_rule_format("LABEL=TKDUMP", &c, &narrow));
        ASSERT_TRUE(narrow);
        ASSERT_NOT_NULL(strstr(c, "# Target: LABEL=TKDUMP\nACTION==\"add\", SUBSYSTEM==\"block\", ENV{ID_FS_LABEL_ENC}==\"TKDUMP\""));
        ASSERT_OK(report_udev_rule_format("PARTLABEL=crash-dumps", &d, &narrow));
        ASSERT_NOT_NULL(strstr(d, "ENV{ID_PART_ENTRY_NAME}==\"crash-dumps\""));

        /* A label with a space or a glob character: every file system, said so. */
        ASSERT_OK(report_udev_rule_format("LABEL=My Dumps*", &e, &narrow));
        ASSERT_FALSE(narrow);
        ASSERT_NOT_NULL(strstr(e, "# LABEL cannot be matched by a udev glob"));
        ASSERT_NOT_NULL(strstr(e, "ENV{ID_FS_USAGE}==\"filesystem\", ENV{TINYKDUMP_TARGET}=\"1\"\n"));
        ASSERT_NULL(strstr(e, "My Dumps"));
        /* A "UUID" with a quote cannot reach the rule. */
        ASSERT_OK(report_udev_rule_format("UUID=12\"34", &f, &narrow));
        ASSERT_FALSE(narrow);
        ASSERT_NULL(strstr(f, "12\"34"));
        ASSERT_ERROR(report_udev_rule_format("WHATEVER=1", &f, &narrow), EINVAL);
        ASSERT_ERROR(report_udev_rule_format("UUID", &f, &narrow), EINVAL);
        return TEST_PASS;
}

/* Written below a root, replaced, removed. */
TEST(udev_rule_write_remove) {
        _cleanup_free_ char *root = fixture_mkdtemp("udev-rule"), *text = NULL, *text2 = NULL;
        size_t n;

        ASSERT_NOT_NULL(root);
        ASSERT_OK(fixture_write(root, "/run/udev/.keep", "", 0));
        ASSERT_OK(report_udev_rule_write(root, "UUID=1234-ABCD", NULL));
        ASSERT_OK(read_full_file_at(root, "/run/udev/rules.d/89-tinykdump-target.rules", 4096, &text, &n));
        ASSERT_NOT_NULL(strstr(text, "1234-[aA][bB][cC][dD]"));
        ASSERT_OK(report_udev_rule_write(root, "LABEL=TKDUMP", NULL));
        ASSERT_OK(read_full_file_at(root, "/run/udev/rules.d/89-tinykdump-target.rules", 4096, &text2, &n));
        ASSERT_NULL(strstr(text2, "1234"));
        ASSERT_OK(report_udev_rule_remove(root));
        ASSERT_ERROR(read_full_file_at(root, "/run/udev/rules.d/89-tinykdump-target.rules", 4096, &text, &n), ENOENT);
        ASSERT_OK(report_udev_rule_remove(root));
        return TEST_PASS;
}

/* The total cap of /var/lib/tinykdump: the dmesg.txt copies of the oldest reported dumps go, their
 * metadata and source (the "reported" marks) stay; a temporary and a symlink are not touched. */
TEST(state_prune_keeps_newest) {
        _cleanup_free_ char *root = fixture_mkdtemp("state-prune");
        _cleanup_close_ int sfd = -EBADF;
        static char mib[1024 * 1024];
        unsigned dropped = 0;
        uint64_t freed = 0;
        char p[256];

        ASSERT_NOT_NULL(root);
        memset(mib, 'x', sizeof(mib));
        for (int i = 1; i <= 5; i++) {
                snprintf(p, sizeof(p), "/d/2026-12-0%dT00:00:00-host-7.2/dmesg.txt", i);
                ASSERT_OK(fixture_write(root, p, mib, sizeof(mib)));
                snprintf(p, sizeof(p), "/d/2026-12-0%dT00:00:00-host-7.2/metadata", i);
                ASSERT_OK(fixture_write_string(root, p, "RESULT=complete\n"));
                snprintf(p, sizeof(p), "/d/2026-12-0%dT00:00:00-host-7.2/source", i);
                ASSERT_OK(fixture_write_string(root, p, "NAME=x\n"));
        }
        ASSERT_OK(fixture_write(root, "/d/.tmp-2026-12-09/dmesg.txt", mib, sizeof(mib)));
        _cleanup_free_ char *d = path_join(root, "d");
        sfd = open(d, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        ASSERT_OK(sfd);
        ASSERT_OK(RET_NERRNO(symlinkat("/etc", sfd, "2026-12-99T00:00:00-evil")));

        ASSERT_OK(report_state_prune(sfd, 2 * MiB + 10, &dropped, &freed));
        ASSERT_EQ(dropped, 3U);
        ASSERT_U64_EQ(freed, 3 * MiB);
        for (int i = 1; i <= 5; i++) {
                snprintf(p, sizeof(p), "2026-12-0%dT00:00:00-host-7.2/dmesg.txt", i);
                ASSERT_EQ(faccessat(sfd, p, F_OK, AT_SYMLINK_NOFOLLOW) == 0, i >= 4);
                snprintf(p, sizeof(p), "2026-12-0%dT00:00:00-host-7.2/metadata", i);
                ASSERT_OK(RET_NERRNO(faccessat(sfd, p, F_OK, AT_SYMLINK_NOFOLLOW)));
        }
        ASSERT_OK(RET_NERRNO(faccessat(sfd, ".tmp-2026-12-09/dmesg.txt", F_OK, 0)));
        /* Under the cap: nothing more goes. */
        ASSERT_OK(report_state_prune(sfd, 2 * MiB + 10, &dropped, &freed));
        ASSERT_EQ(dropped, 0U);
        return TEST_PASS;
}
