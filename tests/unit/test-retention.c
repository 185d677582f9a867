/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Retention ([Target] MaxUse=, KeepFree=): the limits, the capture.conf keys that carry them and
 * the reported dumps, which dumps may go, and deleting a dump directory on a fake target. */
#include <fcntl.h>
#include <sys/stat.h>
#include <syslog.h>

#include "capture-config.h"
#include "fixtures.h"
#include "report-source.h"
#include "retention.h"
#include "state.h"
#include "strv.h"
#include "tests.h"
#include "util.h"

#define ASSERT_DIAG(d, text)                                      \
        do {                                                      \
                _cleanup_free_ char *_s = conf_diag_format(d);    \
                ASSERT_STREQ(_s, text);                           \
        } while (0)

TEST(limit_parse_format) {
        RetentionLimit l;
        char buf[32];

        ASSERT_OK(retention_limit_parse("", &l));
        ASSERT_FALSE(l.set);
        ASSERT_STREQ(retention_limit_format(&l, buf, sizeof(buf)), "");
        ASSERT_U64_EQ(retention_limit_bytes(&l, 1000), UINT64_MAX);

        ASSERT_OK(retention_limit_parse("2G", &l));
        ASSERT_TRUE(l.set && !l.percent);
        ASSERT_U64_EQ(l.value, 2 * GiB);
        ASSERT_STREQ(retention_limit_format(&l, buf, sizeof(buf)), "2147483648");
        ASSERT_U64_EQ(retention_limit_bytes(&l, 1), 2 * GiB);

        ASSERT_OK(retention_limit_parse("0", &l));
        ASSERT_TRUE(l.set && l.value == 0);

        ASSERT_OK(retention_limit_parse("15%", &l));
        ASSERT_TRUE(l.set && l.percent && l.value == 15);
        ASSERT_STREQ(retention_limit_format(&l, buf, sizeof(buf)), "15%");
        ASSERT_U64_EQ(retention_limit_bytes(&l, 1000), 150);
        /* No overflow for the largest file system. */
        ASSERT_OK(retention_limit_parse("100%", &l));
        ASSERT_U64_EQ(retention_limit_bytes(&l, UINT64_MAX), UINT64_MAX);

        ASSERT_ERROR(retention_limit_parse("101%", &l), ERANGE);
        ASSERT_ERROR(retention_limit_parse("-1", &l), EINVAL);
        ASSERT_ERROR(retention_limit_parse("%", &l), EINVAL);
        ASSERT_ERROR(retention_limit_parse("1.5%", &l), EINVAL);
        ASSERT_ERROR(retention_limit_parse("G", &l), EINVAL);
        ASSERT_ERROR(retention_limit_parse("12X", &l), EINVAL);
        ASSERT_ERROR(retention_limit_parse("00000001%", &l), EINVAL);
        return TEST_PASS;
}

TEST(reported_entries) {
        _cleanup_free_ char *e = NULL;

        ASSERT_OK(retention_reported_entry("1234-ABCD", "2026-01-01T00-00-00-h-r", &e));
        ASSERT_STREQ(e, "1234abcd/2026-01-01T00-00-00-h-r");
        ASSERT_TRUE(retention_reported_entry_is_valid(e));
        ASSERT_ERROR(retention_reported_entry(NULL, "x", &e), EINVAL);
        ASSERT_ERROR(retention_reported_entry("--", "x", &e), EINVAL);
        ASSERT_ERROR(retention_reported_entry("1234-ABCD", "../x", &e), EINVAL);
        ASSERT_FALSE(retention_reported_entry_is_valid("1234abcd/.."));
        ASSERT_FALSE(retention_reported_entry_is_valid("1234abcd/a/b"));
        ASSERT_FALSE(retention_reported_entry_is_valid("1234ABCD/a"));
        ASSERT_FALSE(retention_reported_entry_is_valid("/a"));
        ASSERT_FALSE(retention_reported_entry_is_valid("abc"));
        return TEST_PASS;
}

static int fill(CaptureConfig *c) {
        capture_config_init(c);
        c->target_what = strdup("LABEL=TKDUMP");
        return c->target_what ? 0 : -ENOMEM;
}

TEST(capture_conf_round_trip) {
        _cleanup_(capture_config_done) CaptureConfig c, p;
        _cleanup_free_ char *text = NULL, *text2 = NULL;
        _cleanup_(conf_diags_done) ConfDiagList diag = {};
        size_t n, n2;

        capture_config_init(&p);
        ASSERT_OK(fill(&c));
        /* Off: no key written. */
        ASSERT_OK(capture_config_serialize(&c, &text, &n));
        ASSERT_NULL(strstr(text, "RETENTION_"));
        free(text);
        text = NULL;

        c.retention_max_use = (RetentionLimit) { .set = true, .value = 3 * GiB };
        c.retention_keep_free = (RetentionLimit) { .set = true, .percent = true, .value = 20 };
        ASSERT_OK(strv_extend(&c.retention_reported, "1234abcd/2026-01-01T00-00-00-h-r"));
        ASSERT_OK(strv_extend(&c.retention_reported, "1234abcd/2026-01-02T00-00-00-h-r"));
        ASSERT_OK(capture_config_serialize(&c, &text, &n));
        ASSERT_NOT_NULL(strstr(text, "\nRETENTION_MAX_USE=3221225472\nRETENTION_KEEP_FREE=20%\n"
                                     "RETENTION_REPORTED=1234abcd/2026-01-01T00-00-00-h-r\n"
                                     "RETENTION_REPORTED=1234abcd/2026-01-02T00-00-00-h-r\n"));
        ASSERT_OK(capture_config_parse(text, n, NULL, &p, &diag));
        ASSERT_EQ(diag.n, 0);
        ASSERT_TRUE(retention_limit_equal(&p.retention_max_use, &c.retention_max_use));
        ASSERT_TRUE(retention_limit_equal(&p.retention_keep_free, &c.retention_keep_free));
        ASSERT_EQ(strv_length(p.retention_reported), 2);
        for (size_t i = 0; i < 2; i++)
                ASSERT_STREQ(p.retention_reported[i], c.retention_reported[i]);
        ASSERT_OK(capture_config_serialize(&p, &text2, &n2));
        ASSERT_EQ(n, n2);
        ASSERT_STREQ(text, text2);
        return TEST_PASS;
}

TEST(capture_conf_errors) {
        static const struct {
                const char *line, *diag;
        } bad[] = {
                { "RETENTION_MAX_USE=101%", "capture.conf:2: invalid value for RETENTION_MAX_USE: '101%': expected a size in bytes (K, M, G, T suffixes) or a percentage 0%…100%." },
                { "RETENTION_KEEP_FREE=much", "capture.conf:2: invalid value for RETENTION_KEEP_FREE: 'much': expected a size in bytes (K, M, G, T suffixes) or a percentage 0%…100%." },
                { "RETENTION_REPORTED=abcd/../x", "capture.conf:2: invalid value for RETENTION_REPORTED: 'abcd/../x': expected TARGETKEY/DUMPDIRECTORY." },
                { "RETENTION_REPORTED=2026-01-01", "capture.conf:2: invalid value for RETENTION_REPORTED: '2026-01-01': expected TARGETKEY/DUMPDIRECTORY." },
        };

        for (size_t i = 0; i < ELEMENTSOF(bad); i++) {
                _cleanup_(capture_config_done) CaptureConfig p;
                _cleanup_(conf_diags_done) ConfDiagList diag = {};
                _cleanup_free_ char *text = NULL;

                capture_config_init(&p);
                ASSERT_TRUE(asprintf(&text, "TARGET_WHAT=LABEL=x\n%s\n", bad[i].line) > 0);
                ASSERT_ERROR(capture_config_parse(text, strlen(text), "capture.conf", &p, &diag), EINVAL);
                ASSERT_EQ(diag.n, 1);
                ASSERT_DIAG(&diag.items[0], bad[i].diag);
        }

        /* Each RETENTION_REPORTED= adds one; an empty one empties the list; more than the bound is refused. */
        _cleanup_(capture_config_done) CaptureConfig p;
        _cleanup_(conf_diags_done) ConfDiagList diag = {};
        capture_config_init(&p);
        const char *t = "TARGET_WHAT=LABEL=x\nRETENTION_REPORTED=ab/x\nRETENTION_REPORTED=\nRETENTION_REPORTED=ab/y\n";
        ASSERT_OK(capture_config_parse(t, strlen(t), "capture.conf", &p, &diag));
        ASSERT_EQ(strv_length(p.retention_reported), 1);
        ASSERT_STREQ(p.retention_reported[0], "ab/y");

        Buffer b = {};
        ASSERT_OK(buffer_append(&b, "TARGET_WHAT=LABEL=x\n", 20));
        for (unsigned i = 0; i <= RETENTION_REPORTED_MAX; i++) {
                char line[64];
                int k = snprintf(line, sizeof(line), "RETENTION_REPORTED=ab/d%u\n", i);
                ASSERT_OK(buffer_append(&b, line, (size_t) k));
        }
        _cleanup_(capture_config_done) CaptureConfig q;
        _cleanup_(conf_diags_done) ConfDiagList diag2 = {};
        capture_config_init(&q);
        ASSERT_ERROR(capture_config_parse(b.data, b.size, "capture.conf", &q, &diag2), EINVAL);
        ASSERT_EQ(diag2.n, 1);
        ASSERT_NOT_NULL(strstr(diag2.items[0].message, "RETENTION_REPORTED= given 129 times"));
        buffer_done(&b);
        return TEST_PASS;
}

/* d: name, complete, reported, clean, MiB. */
#define D(n, c, r, k, m) { .name = (char *) (n), .complete = (c), .reported = (r), .clean = (k), .bytes = (m) * MiB }

TEST(plan_selection) {
        /* Oldest first; only complete, reported, clean ones; never the newest. */
        RetentionDump d[] = {
                D("2026-01-01", true, false, true, 10),  /* not reported */
                D("2026-01-02", false, true, true, 10),  /* dmesg-only */
                D("2026-01-03", true, true, false, 10),  /* holds something else */
                D("2026-01-04", true, true, true, 10),   /* the first that may go */
                D("2026-01-05", true, true, true, 10),
                D("2026-01-06", true, true, true, 10),   /* the newest: kept */
        };
        RetentionLimit off = {}, keep = { .set = true, .value = 25 * MiB }, all = { .set = true, .percent = true, .value = 100 };
        RetentionLimit max = { .set = true, .value = 45 * MiB };
        size_t idx[ELEMENTSOF(d)], k;

        /* Off: nothing, whatever the space. */
        ASSERT_EQ(retention_plan(d, ELEMENTSOF(d), &off, &off, 100 * MiB, 0, idx), 0);
        /* Within the limits: nothing. */
        ASSERT_EQ(retention_plan(d, ELEMENTSOF(d), &off, &keep, 100 * MiB, 30 * MiB, idx), 0);
        /* 10 MiB free, 25 wanted: two go, the oldest that may. */
        k = retention_plan(d, ELEMENTSOF(d), &off, &keep, 100 * MiB, 10 * MiB, idx);
        ASSERT_EQ(k, 2);
        ASSERT_EQ(idx[0], 3);
        ASSERT_EQ(idx[1], 4);
        /* Can never be met: everything that may go, and no more. */
        k = retention_plan(d, ELEMENTSOF(d), &off, &all, 100 * MiB, 10 * MiB, idx);
        ASSERT_EQ(k, 2);
        ASSERT_EQ(idx[0], 3);
        ASSERT_EQ(idx[1], 4);
        /* MaxUse=45M with 60 MiB in dumps: two go. */
        k = retention_plan(d, ELEMENTSOF(d), &max, &off, 100 * MiB, 90 * MiB, idx);
        ASSERT_EQ(k, 2);
        /* MaxUse=50M: one is enough. */
        max.value = 50 * MiB;
        k = retention_plan(d, ELEMENTSOF(d), &max, &off, 100 * MiB, 90 * MiB, idx);
        ASSERT_EQ(k, 1);
        ASSERT_EQ(idx[0], 3);

        /* A single dump is the newest. */
        ASSERT_FALSE(retention_dump_deletable(d + 5, 0, 1));
        ASSERT_EQ(retention_plan(d + 5, 1, &off, &all, 100 * MiB, 0, idx), 0);
        return TEST_PASS;
}

static int write_dump(const char *parent, const char *name, const char *result, size_t vmcore_bytes) {
        _cleanup_free_ char *md = NULL, *p = NULL, *data = NULL;
        int r;

        if (asprintf(&md, "RESULT=%s\nDIRECTORY=%s\n", result, name) < 0 || asprintf(&p, "%s/metadata", name) < 0)
                return -ENOMEM;
        r = fixture_write_string(parent, p, md);
        if (r < 0)
                return r;
        free(p);
        if (asprintf(&p, "%s/dmesg.txt", name) < 0)
                return -ENOMEM;
        r = fixture_write_string(parent, p, "<0>Kernel panic - not syncing: test\n");
        if (r < 0 || vmcore_bytes == 0)
                return r;
        free(p);
        data = calloc(1, vmcore_bytes);
        if (!data || asprintf(&p, "%s/vmcore", name) < 0)
                return -ENOMEM;
        memset(data, 'v', vmcore_bytes);
        return fixture_write(parent, p, data, vmcore_bytes);
}

static bool path_exists_at(const char *dir, const char *name) {
        _cleanup_free_ char *p = path_join(dir, name);
        struct stat st;
        return p && lstat(p, &st) == 0;
}

TEST(scan_and_delete) {
        _cleanup_free_ char *parent = fixture_mkdtemp("retention-target");
        _cleanup_free_ char *outside = fixture_mkdtemp("retention-outside");
        _cleanup_strv_free_ char **reported = NULL;
        _cleanup_close_ int pfd = -EBADF;
        RetentionDump *d = NULL;
        size_t n = 0;
        uint64_t freed = 0;

        ASSERT_NOT_NULL(parent);
        ASSERT_NOT_NULL(outside);
        ASSERT_OK(fixture_write_string(outside, "victim", "must stay"));
        ASSERT_OK(write_dump(parent, "2026-01-01T00-00-00-h-r", "complete", 100000));  /* goes */
        ASSERT_OK(write_dump(parent, "2026-01-02T00-00-00-h-r", "complete", 1000));    /* symlink inside */
        _cleanup_free_ char *victim = path_join(outside, "victim");
        ASSERT_OK(fixture_symlink(parent, "2026-01-02T00-00-00-h-r/vmcore.incomplete", victim));
        ASSERT_OK(write_dump(parent, "2026-01-03T00-00-00-h-r", "complete", 1000));    /* a subdirectory */
        ASSERT_OK(fixture_write_string(parent, "2026-01-03T00-00-00-h-r/sub/file", "x"));
        ASSERT_OK(write_dump(parent, "2026-01-04T00-00-00-h-r", "complete", 1000));    /* a file of another name */
        ASSERT_OK(fixture_write_string(parent, "2026-01-04T00-00-00-h-r/notes.txt", "mine"));
        ASSERT_OK(write_dump(parent, "2026-01-05T00-00-00-h-r", "complete", 1000));    /* a FIFO */
        _cleanup_free_ char *fifo = path_join(parent, "2026-01-05T00-00-00-h-r/capture.journal");
        ASSERT_OK(RET_NERRNO(mkfifo(fifo, 0600)));
        ASSERT_OK(write_dump(parent, "2026-01-06T00-00-00-h-r", "complete", 1000));    /* not reported */
        ASSERT_OK(write_dump(parent, "2026-01-07T00-00-00-h-r", "dmesg-only", 0));     /* dmesg-only */
        ASSERT_OK(write_dump(parent, "2026-01-08T00-00-00-h-r", "complete", 1000));    /* the current capture */
        ASSERT_OK(write_dump(parent, "2026-01-09T00-00-00-h-r", "complete", 1000));    /* the newest */
        /* A symlink to a directory outside, named like a dump, is not a dump. */
        ASSERT_OK(fixture_write_string(outside, "dump/metadata", "RESULT=complete\n"));
        _cleanup_free_ char *outdump = path_join(outside, "dump");
        ASSERT_OK(fixture_symlink(parent, "2026-01-00T00-00-00-h-r", outdump));

        static const char *const names[] = {
                "2026-01-00T00-00-00-h-r", "2026-01-01T00-00-00-h-r", "2026-01-02T00-00-00-h-r",
                "2026-01-03T00-00-00-h-r", "2026-01-04T00-00-00-h-r", "2026-01-05T00-00-00-h-r",
                "2026-01-07T00-00-00-h-r", "2026-01-08T00-00-00-h-r", "2026-01-09T00-00-00-h-r",
        };
        for (size_t i = 0; i < ELEMENTSOF(names); i++) {
                char *e = NULL;
                ASSERT_OK(retention_reported_entry("5F1C-4E2A", names[i], &e));
                ASSERT_OK(strv_consume(&reported, e));
        }
        /* Reported on another target: does not count. */
        ASSERT_OK(strv_extend(&reported, "99999999/2026-01-06T00-00-00-h-r"));

        pfd = open(parent, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        ASSERT_OK(pfd);
        ASSERT_OK(retention_scan(pfd, "2026-01-08T00-00-00-h-r", reported, "5f1c-4e2a", &d, &n));
        ASSERT_EQ(n, 8);   /* not the symlink, not the current capture */
        ASSERT_STREQ(d[0].name, "2026-01-01T00-00-00-h-r");
        ASSERT_TRUE(d[0].complete && d[0].reported && d[0].clean);
        ASSERT_GE(d[0].bytes, 100000);
        ASSERT_TRUE(d[1].complete && d[1].reported && !d[1].clean);   /* symlink */
        ASSERT_TRUE(!d[2].clean && !d[3].clean && !d[4].clean);
        ASSERT_TRUE(!d[5].reported && d[5].clean);   /* (RESULT= is read for reported ones only) */
        ASSERT_TRUE(!d[6].complete && d[6].reported);
        ASSERT_STREQ(d[7].name, "2026-01-09T00-00-00-h-r");
        ASSERT_TRUE(d[7].complete && d[7].reported && d[7].clean);   /* but the newest */
        for (size_t i = 1; i < n; i++)
                ASSERT_FALSE(retention_dump_deletable(d, i, n));
        ASSERT_TRUE(retention_dump_deletable(d, 0, n));
        /* Without the target's UUID nothing counts as reported. */
        RetentionDump *d2 = NULL;
        size_t n2 = 0;
        ASSERT_OK(retention_scan(pfd, NULL, reported, NULL, &d2, &n2));
        ASSERT_EQ(n2, 9);
        for (size_t i = 0; i < n2; i++)
                ASSERT_FALSE(d2[i].reported);
        retention_dumps_free(d2, n2);
        retention_dumps_free(d, n);

        /* The odd ones are refused whole: nothing in them touched. */
        ASSERT_ERROR(retention_delete_dir(pfd, "2026-01-02T00-00-00-h-r", &freed), ENOTEMPTY);
        ASSERT_ERROR(retention_delete_dir(pfd, "2026-01-03T00-00-00-h-r", &freed), ENOTEMPTY);
        ASSERT_ERROR(retention_delete_dir(pfd, "2026-01-04T00-00-00-h-r", &freed), ENOTEMPTY);
        ASSERT_ERROR(retention_delete_dir(pfd, "2026-01-05T00-00-00-h-r", &freed), ENOTEMPTY);
        ASSERT_ERROR(retention_delete_dir(pfd, "2026-01-00T00-00-00-h-r", &freed), ENOTDIR);
        ASSERT_ERROR(retention_delete_dir(pfd, "..", &freed), EINVAL);
        ASSERT_TRUE(path_exists_at(parent, "2026-01-02T00-00-00-h-r/vmcore"));
        ASSERT_TRUE(path_exists_at(parent, "2026-01-02T00-00-00-h-r/metadata"));
        ASSERT_TRUE(path_exists_at(parent, "2026-01-03T00-00-00-h-r/vmcore"));
        ASSERT_TRUE(path_exists_at(parent, "2026-01-04T00-00-00-h-r/notes.txt"));
        ASSERT_TRUE(path_exists_at(outside, "victim"));
        ASSERT_TRUE(path_exists_at(outside, "dump/metadata"));

        /* The clean one goes whole, with no hidden leftover. */
        ASSERT_TRUE(path_exists_at(parent, "2026-01-01T00-00-00-h-r/vmcore"));
        ASSERT_OK(retention_delete_dir(pfd, "2026-01-01T00-00-00-h-r", &freed));
        ASSERT_GE(freed, 100000);
        ASSERT_FALSE(path_exists_at(parent, "2026-01-01T00-00-00-h-r"));
        ASSERT_FALSE(path_exists_at(parent, ".retention-2026-01-01T00-00-00-h-r"));
        ASSERT_TRUE(path_exists_at(outside, "victim"));
        return TEST_PASS;
}

/* A capture interrupted between the rename and the last unlink leaves ".retention-<name>": the
 * next one finishes it, but only a hidden directory that is a dump's, on the same file system, with
 * nothing else in it. */
TEST(finish_interrupted) {
        _cleanup_free_ char *parent = fixture_mkdtemp("retention-leftovers");
        _cleanup_free_ char *outside = fixture_mkdtemp("retention-leftovers-outside");
        _cleanup_strv_free_ char **names = NULL;
        _cleanup_close_ int pfd = -EBADF;
        uint64_t freed = 0;

        ASSERT_NOT_NULL(parent);
        ASSERT_NOT_NULL(outside);
        ASSERT_OK(write_dump(parent, ".retention-2026-01-01T00-00-00-h-r", "complete", 100000));   /* goes */
        ASSERT_OK(write_dump(parent, ".retention-2026-01-02T00-00-00-h-r", "complete", 1000));     /* foreign file */
        ASSERT_OK(fixture_write_string(parent, ".retention-2026-01-02T00-00-00-h-r/notes.txt", "mine"));
        ASSERT_OK(write_dump(parent, ".retention-not a dump", "complete", 1000));                 /* not a dump name */
        ASSERT_OK(write_dump(parent, "2026-01-03T00-00-00-h-r", "complete", 1000));               /* a dump */
        ASSERT_OK(write_dump(outside, "dump", "complete", 1000));                                 /* behind a symlink */
        _cleanup_free_ char *outdump = path_join(outside, "dump");
        ASSERT_OK(fixture_symlink(parent, ".retention-2026-01-04T00-00-00-h-r", outdump));

        pfd = open(parent, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        ASSERT_OK(pfd);
        ASSERT_EQ(retention_finish_interrupted(pfd, &names, &freed), 1);
        ASSERT_EQ(strv_length(names), 1);
        ASSERT_STREQ(names[0], "2026-01-01T00-00-00-h-r");
        ASSERT_GE(freed, 100000);
        ASSERT_FALSE(path_exists_at(parent, ".retention-2026-01-01T00-00-00-h-r"));
        /* Everything else untouched. */
        static const char *const kept[] = {
                ".retention-2026-01-02T00-00-00-h-r/vmcore", ".retention-2026-01-02T00-00-00-h-r/notes.txt",
                ".retention-not a dump/vmcore", "2026-01-03T00-00-00-h-r/vmcore",
        };
        for (size_t i = 0; i < ELEMENTSOF(kept); i++)
                ASSERT_TRUE(path_exists_at(parent, kept[i]));
        ASSERT_TRUE(path_exists_at(outside, "dump/vmcore") && path_exists_at(outside, "dump/metadata"));

        /* Nothing left to finish: none, and no names. */
        strv_free(names);
        names = NULL;
        ASSERT_EQ(retention_finish_interrupted(pfd, &names, &freed), 0);
        ASSERT_NULL(names);
        ASSERT_U64_EQ(freed, 0);
        return TEST_PASS;
}

static int write_source(const char *root, const char *id, const char *name, const char *directory, const char *uuid) {
        _cleanup_free_ char *text = NULL, *p = NULL, *dir = NULL;
        size_t n;
        int r;

        /* As the reporter writes it (record.c): the dump's path below the target. */
        if (asprintf(&dir, "%s/%s", directory, name) < 0)
                return -ENOMEM;
        r = report_source_format(&(ReportSource) { .name = (char *) name, .directory = dir,
                                                   .target = (char *) "LABEL=TKDUMP", .target_uuid = (char *) uuid },
                                 &text, &n);
        if (r < 0)
                return r;
        if (asprintf(&p, REPORT_DUMPS_DIR "/%s/" REPORT_SOURCE_FILENAME, id) < 0)
                return -ENOMEM;
        return fixture_write(root, p, text, n);
}

TEST(reported_collect) {
        _cleanup_free_ char *root = fixture_mkdtemp("retention-host");
        _cleanup_strv_free_ char **l = NULL;

        ASSERT_NOT_NULL(root);
        /* No state yet: an empty list. */
        ASSERT_OK(retention_reported_collect(root, "tinykdump", &l));
        ASSERT_NULL(l);

        ASSERT_OK(write_source(root, "2026-01-02T00-00-00-h-r", "2026-01-02T00-00-00-h-r", "tinykdump", "1234-ABCD"));
        ASSERT_OK(write_source(root, "2026-01-01T00-00-00-h-r_1234abcd", "2026-01-01T00-00-00-h-r", "tinykdump", "1234-ABCD"));
        ASSERT_OK(write_source(root, "2026-01-01T00-00-00-h-r", "2026-01-01T00-00-00-h-r", "tinykdump", "5555-6666"));
        /* Another directory, no UUID, a temporary, a bad name, a broken file: left out. */
        ASSERT_OK(write_source(root, "2026-01-03T00-00-00-h-r", "2026-01-03T00-00-00-h-r", "other", "1234-ABCD"));
        ASSERT_OK(write_source(root, "2026-01-04T00-00-00-h-r", "2026-01-04T00-00-00-h-r", "tinykdump", NULL));
        ASSERT_OK(write_source(root, ".2026-01-05T00-00-00-h-r.tmp", "2026-01-05T00-00-00-h-r", "tinykdump", "1234-ABCD"));
        ASSERT_OK(write_source(root, "x", "../x", "tinykdump", "1234-ABCD"));
        ASSERT_OK(fixture_write_string(root, REPORT_DUMPS_DIR "/y/" REPORT_SOURCE_FILENAME, "NAME=a\nNAME=b\n"));
        ASSERT_OK(fixture_write_string(root, REPORT_DUMPS_DIR "/z/" REPORT_SOURCE_FILENAME,
                                       "NAME=2026-01-06T00-00-00-h-r\nDIRECTORY=tinykdump\nTARGET_UUID=1234-ABCD\n"));
        ASSERT_OK(fixture_write_string(root, REPORT_DUMPS_DIR "/w/" REPORT_SOURCE_FILENAME,
                                       "NAME=2026-01-07T00-00-00-h-r\nDIRECTORY=tinykdump/2026-01-08T00-00-00-h-r\nTARGET_UUID=1234-ABCD\n"));

        ASSERT_OK(retention_reported_collect(root, "tinykdump", &l));
        ASSERT_EQ(strv_length(l), 3);
        ASSERT_STREQ(l[0], "1234abcd/2026-01-01T00-00-00-h-r");
        ASSERT_STREQ(l[1], "55556666/2026-01-01T00-00-00-h-r");
        ASSERT_STREQ(l[2], "1234abcd/2026-01-02T00-00-00-h-r");
        l = strv_free(l);

        /* Bounded: the newest RETENTION_REPORTED_MAX. */
        for (unsigned i = 0; i < RETENTION_REPORTED_MAX + 5; i++) {
                char name[64];
                snprintf(name, sizeof(name), "2027-01-01T00-00-00-h-%03u", i);
                ASSERT_OK(write_source(root, name, name, "bounded", "1234-ABCD"));
        }
        ASSERT_OK(retention_reported_collect(root, "bounded", &l));
        ASSERT_EQ(strv_length(l), RETENTION_REPORTED_MAX);
        ASSERT_STREQ(l[0], "1234abcd/2027-01-01T00-00-00-h-005");
        ASSERT_STREQ(l[RETENTION_REPORTED_MAX - 1], "1234abcd/2027-01-01T00-00-00-h-132");
        return TEST_PASS;
}

static int send_nothing(const struct iovec *iov, size_t n, void *userdata) {
        return 0;
}

/* The contract with the reporter: what report_dumps() marks as reported is what load collects. */
TEST(reported_by_the_reporter) {
        _cleanup_free_ char *root = fixture_mkdtemp("retention-reporter-host");
        _cleanup_free_ char *target = fixture_mkdtemp("retention-reporter-target");
        _cleanup_strv_free_ char **l = NULL;
        _cleanup_close_ int parent_fd = -EBADF, state_fd = -EBADF;
        ReportStats st = {};

        ASSERT_NOT_NULL(root);
        ASSERT_NOT_NULL(target);
        ASSERT_OK(write_dump(target, "crash/2026-01-01T00-00-00-h-r", "complete", 10));
        ASSERT_OK(write_dump(target, "crash/2026-01-02T00-00-00-h-r", "dmesg-only", 0));
        _cleanup_free_ char *p = path_join(target, "crash");
        parent_fd = open(p, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        ASSERT_OK(parent_fd);
        ASSERT_OK(report_state_open(root, true, &state_fd));
        ASSERT_OK(report_dumps(parent_fd, state_fd,
                               &(ReportTarget) { .what = "LABEL=TKDUMP", .uuid = "7E57-D00D", .directory = "crash" },
                               NULL, 1, send_nothing, NULL, NULL, NULL, &st));
        ASSERT_EQ(st.reported, 2);

        ASSERT_OK(retention_reported_collect(root, "crash", &l));
        ASSERT_EQ(strv_length(l), 2);
        ASSERT_STREQ(l[0], "7e57d00d/2026-01-01T00-00-00-h-r");
        ASSERT_STREQ(l[1], "7e57d00d/2026-01-02T00-00-00-h-r");
        l = strv_free(l);
        /* Another Directory= has none. */
        ASSERT_OK(retention_reported_collect(root, "cr", &l));
        ASSERT_NULL(l);
        return TEST_PASS;
}
