/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <signal.h>
#include <sys/wait.h>

#include "makedumpfile.h"
#include "spawn-util.h"
#include "tests.h"
#include "util.h"

static char *join_argv(char **l) {
        Buffer b = {};
        STRV_FOREACH(s, l) {
                if (b.size > 0)
                        (void) buffer_append(&b, " ", 1);
                (void) buffer_append(&b, *s, strlen(*s));
        }
        (void) buffer_append(&b, "", 1);
        return (char *) b.data;
}

TEST(dump_argv_every_compression) {
        static const struct {
                CaptureCompression c;
                const char *expected;
        } cases[] = {
                { CAPTURE_COMPRESSION_NONE, "/usr/sbin/makedumpfile -d 31 --message-level 6 /proc/vmcore vmcore.incomplete" },
                { CAPTURE_COMPRESSION_ZLIB, "/usr/sbin/makedumpfile -d 31 -c --message-level 6 /proc/vmcore vmcore.incomplete" },
                { CAPTURE_COMPRESSION_LZO, "/usr/sbin/makedumpfile -d 31 -l --message-level 6 /proc/vmcore vmcore.incomplete" },
                { CAPTURE_COMPRESSION_SNAPPY, "/usr/sbin/makedumpfile -d 31 -p --message-level 6 /proc/vmcore vmcore.incomplete" },
                { CAPTURE_COMPRESSION_ZSTD, "/usr/sbin/makedumpfile -d 31 -z --message-level 6 /proc/vmcore vmcore.incomplete" },
        };
        for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
                _cleanup_strv_free_ char **l = NULL;
                _cleanup_free_ char *s = NULL;
                ASSERT_OK(makedumpfile_dump_argv("/usr/sbin/makedumpfile", 31, cases[i].c, "/proc/vmcore",
                                                 "vmcore.incomplete", &l));
                s = join_argv(l);
                ASSERT_STREQ(s, cases[i].expected);
        }
        return TEST_PASS;
}

TEST(dump_argv_levels) {
        for (unsigned level = 0; level <= 31; level++) {
                _cleanup_strv_free_ char **l = NULL;
                char buf[8];
                ASSERT_OK(makedumpfile_dump_argv("m", level, CAPTURE_COMPRESSION_ZLIB, "in", "out", &l));
                snprintf(buf, sizeof(buf), "%u", level);
                ASSERT_STREQ(l[1], "-d");
                ASSERT_STREQ(l[2], buf);
        }
        char **l = NULL;
        ASSERT_ERROR(makedumpfile_dump_argv("m", 32, CAPTURE_COMPRESSION_ZLIB, "in", "out", &l), EINVAL);
        ASSERT_ERROR(makedumpfile_dump_argv("m", 31, _CAPTURE_COMPRESSION_MAX, "in", "out", &l), EINVAL);
        ASSERT_ERROR(makedumpfile_dump_argv("m", 31, CAPTURE_COMPRESSION_ZLIB, "", "out", &l), EINVAL);
        ASSERT_NULL(l);
        return TEST_PASS;
}

TEST(dmesg_argv) {
        _cleanup_strv_free_ char **l = NULL;
        _cleanup_free_ char *s = NULL;
        ASSERT_OK(makedumpfile_dmesg_argv("/usr/sbin/makedumpfile", "/proc/vmcore", "dmesg.txt.incomplete", &l));
        s = join_argv(l);
        ASSERT_STREQ(s, "/usr/sbin/makedumpfile --dump-dmesg --message-level 6 /proc/vmcore dmesg.txt.incomplete");
        return TEST_PASS;
}

TEST(exit_status_mapping) {
        static const struct {
                int code;
                MakedumpfileStatus s;
        } cases[] = {
                { 0, MAKEDUMPFILE_COMPLETED },       { 1, MAKEDUMPFILE_FAILED },
                { 2, MAKEDUMPFILE_WRONG_RELEASE },   { 3, MAKEDUMPFILE_ANALYSIS_FAILED },
                { 4, MAKEDUMPFILE_OUTPUT_FAILED },   { 5, MAKEDUMPFILE_UNKNOWN },
                { 126, MAKEDUMPFILE_NOT_EXECUTED },  { 127, MAKEDUMPFILE_NOT_EXECUTED },
                { 255, MAKEDUMPFILE_UNKNOWN },
        };
        uint64_t code;

        for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
                int wstatus = cases[i].code << 8; /* W_EXITCODE */
                ASSERT_EQ(makedumpfile_status_from_wait(wstatus, &code), cases[i].s);
                ASSERT_U64_EQ(code, cases[i].code);
                ASSERT_NOT_NULL(makedumpfile_status_to_string(cases[i].s));
        }
        ASSERT_EQ(makedumpfile_status_from_wait(SIGKILL, &code), MAKEDUMPFILE_KILLED);
        ASSERT_U64_EQ(code, 128 + SIGKILL);
        ASSERT_NULL(makedumpfile_status_to_string(_MAKEDUMPFILE_STATUS_MAX));
        return TEST_PASS;
}

/* Real output of Debian bookworm's makedumpfile 1.7.2 -v. */
static const char v172[] =
        "makedumpfile: version 1.7.2 (released on 20 Oct 2022)\n"
        "lzo\tenabled\n"
        "snappy\tdisabled\n"
        "zstd\tdisabled\n"
        "\n";

TEST(features) {
        MakedumpfileFeatures f;

        ASSERT_OK(makedumpfile_parse_features(v172, strlen(v172), &f));
        ASSERT_STREQ(f.version, "1.7.2");
        ASSERT_TRUE(f.supported[CAPTURE_COMPRESSION_NONE]);
        ASSERT_TRUE(f.supported[CAPTURE_COMPRESSION_ZLIB]);
        ASSERT_TRUE(f.supported[CAPTURE_COMPRESSION_LZO]);
        ASSERT_FALSE(f.supported[CAPTURE_COMPRESSION_SNAPPY]);
        ASSERT_FALSE(f.supported[CAPTURE_COMPRESSION_ZSTD]);
        /* zstd asked, not built in: zlib rather than a silently uncompressed dump. */
        ASSERT_EQ(makedumpfile_effective_compression(CAPTURE_COMPRESSION_ZSTD, &f), CAPTURE_COMPRESSION_ZLIB);
        ASSERT_EQ(makedumpfile_effective_compression(CAPTURE_COMPRESSION_LZO, &f), CAPTURE_COMPRESSION_LZO);
        ASSERT_EQ(makedumpfile_effective_compression(CAPTURE_COMPRESSION_NONE, &f), CAPTURE_COMPRESSION_NONE);
        ASSERT_EQ(makedumpfile_effective_compression(CAPTURE_COMPRESSION_ZSTD, NULL), CAPTURE_COMPRESSION_ZSTD);
        makedumpfile_features_done(&f);

        const char *all = "makedumpfile: version 1.7.7 (released on 1 Jan 2025)\nlzo\tenabled\nsnappy\tenabled\nzstd\tenabled\n";
        ASSERT_OK(makedumpfile_parse_features(all, strlen(all), &f));
        ASSERT_STREQ(f.version, "1.7.7");
        ASSERT_TRUE(f.supported[CAPTURE_COMPRESSION_ZSTD]);
        ASSERT_TRUE(f.supported[CAPTURE_COMPRESSION_SNAPPY]);
        makedumpfile_features_done(&f);

        /* Garbage: no version, only the always-present formats. */
        const char *junk = "zstd\nenabled\tzstd\n\tenabled\nversion \n";
        ASSERT_OK(makedumpfile_parse_features(junk, strlen(junk), &f));
        ASSERT_NULL(f.version);
        ASSERT_FALSE(f.supported[CAPTURE_COMPRESSION_ZSTD]);
        makedumpfile_features_done(&f);
        return TEST_PASS;
}

/* The real peer, when installed: its -v output parses, and a file that is no vmcore gives exit
 * status 1, which maps to "failed". */
TEST(real_makedumpfile) {
        const char *bin = access("/usr/sbin/makedumpfile", X_OK) >= 0 ? "/usr/sbin/makedumpfile" : "/usr/bin/makedumpfile";
        _cleanup_strv_free_ char **v = NULL, **d = NULL;
        _cleanup_free_ char *junk = path_join(test_tmpdir(), "not-a-vmcore");
        _cleanup_free_ char *out = path_join(test_tmpdir(), "dmesg.out");
        MakedumpfileFeatures f;
        Buffer b = {};
        int wstatus;

        if (access(bin, X_OK) < 0)
                TEST_SKIP("makedumpfile not installed");

        ASSERT_OK(makedumpfile_version_argv(bin, &v));
        ASSERT_OK(spawn_and_wait(v, &(SpawnOptions) { .capture = &b, .capture_max = MAKEDUMPFILE_VERSION_OUTPUT_MAX }, &wstatus));
        ASSERT_EQ(makedumpfile_status_from_wait(wstatus, NULL), MAKEDUMPFILE_COMPLETED);
        ASSERT_OK(makedumpfile_parse_features((const char *) b.data, b.size, &f));
        buffer_done(&b);
        ASSERT_NOT_NULL(f.version);
        ASSERT_TRUE(f.version[0] >= '1' && f.version[0] <= '9');
        printf("# makedumpfile %s: lzo %s, snappy %s, zstd %s\n", f.version, yes_no(f.supported[CAPTURE_COMPRESSION_LZO]),
               yes_no(f.supported[CAPTURE_COMPRESSION_SNAPPY]), yes_no(f.supported[CAPTURE_COMPRESSION_ZSTD]));
        makedumpfile_features_done(&f);

        FILE *j = fopen(junk, "we");
        ASSERT_NOT_NULL(j);
        fputs("this is not a vmcore\n", j);
        fclose(j);
        ASSERT_OK(makedumpfile_dmesg_argv(bin, junk, out, &d));
        /* Its messages go to our stdout; keep the TAP stream clean by capturing them. */
        ASSERT_OK(spawn_and_wait(d, &(SpawnOptions) { .capture = &b, .capture_max = 64 * KiB }, &wstatus));
        buffer_done(&b);
        ASSERT_EQ(makedumpfile_status_from_wait(wstatus, NULL), MAKEDUMPFILE_FAILED);
        ASSERT_TRUE(access(out, F_OK) < 0);
        return TEST_PASS;
}
