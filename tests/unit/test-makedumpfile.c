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
                ASSERT_OK(makedumpfile_dump_argv("/usr/sbin/makedumpfile", 31, cases[i].c, NULL, "/proc/vmcore",
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
                ASSERT_OK(makedumpfile_dump_argv("m", level, CAPTURE_COMPRESSION_ZLIB, NULL, "in", "out", &l));
                snprintf(buf, sizeof(buf), "%u", level);
                ASSERT_STREQ(l[1], "-d");
                ASSERT_STREQ(l[2], buf);
        }
        char **l = NULL;
        ASSERT_ERROR(makedumpfile_dump_argv("m", 32, CAPTURE_COMPRESSION_ZLIB, NULL, "in", "out", &l), EINVAL);
        ASSERT_ERROR(makedumpfile_dump_argv("m", 31, _CAPTURE_COMPRESSION_MAX, NULL, "in", "out", &l), EINVAL);
        ASSERT_ERROR(makedumpfile_dump_argv("m", 31, CAPTURE_COMPRESSION_ZLIB, NULL, "", "out", &l), EINVAL);
        ASSERT_NULL(l);
        return TEST_PASS;
}

TEST(dump_argv_vmcoreinfo) {
        _cleanup_strv_free_ char **l = NULL;
        _cleanup_free_ char *s = NULL;
        ASSERT_OK(makedumpfile_dump_argv("/usr/sbin/makedumpfile", 31, CAPTURE_COMPRESSION_ZSTD, MAKEDUMPFILE_VMCOREINFO_FILE,
                                         "/proc/vmcore", "vmcore.incomplete", &l));
        s = join_argv(l);
        ASSERT_STREQ(s, "/usr/sbin/makedumpfile -d 31 -z -i vmcoreinfo.makedumpfile --message-level 6 /proc/vmcore vmcore.incomplete");
        char **e = NULL;
        ASSERT_ERROR(makedumpfile_dump_argv("m", 31, CAPTURE_COMPRESSION_ZLIB, "", "in", "out", &e), EINVAL);
        ASSERT_NULL(e);
        return TEST_PASS;
}

/* Linux 7.1's VMCOREINFO (compound_info only) gets a file with the old name; every other one is
 * left alone. The text is what the kernel writes: lines, then NUL padding in the note. */
TEST(vmcoreinfo_amend) {
        static const char linux71[] = "OSRELEASE=7.2.13+deb14-amd64\nPAGESIZE=4096\nSYMBOL(init_uts_ns)=ffffffff92100cc0\n"
                                      "OFFSET(page.lru)=8\nOFFSET(page.compound_info)=8\nNUMBER(PG_lru)=5\n"
                                      "KERNELOFFSET=e000000\n\0\0\0";
        _cleanup_free_ char *a = NULL;
        ASSERT_EQ(makedumpfile_vmcoreinfo_amend(linux71, sizeof(linux71), &a), 1);
        /* No SYMBOL() line: makedumpfile would add the KASLR offset to it once more. */
        ASSERT_STREQ(a, "OSRELEASE=7.2.13+deb14-amd64\nPAGESIZE=4096\nOFFSET(page.compound_head)=8\n");

        /* Lines in any order, the last without a newline, the value taken as it is. */
        static const char unterminated[] = "PAGESIZE=65536\nOFFSET(page.compound_info)=16\nOSRELEASE=7.1.0";
        _cleanup_free_ char *b = NULL;
        ASSERT_EQ(makedumpfile_vmcoreinfo_amend(unterminated, strlen(unterminated), &b), 1);
        ASSERT_STREQ(b, "OSRELEASE=7.1.0\nPAGESIZE=65536\nOFFSET(page.compound_head)=16\n");

        /* Nothing to amend: the old name (Linux up to 7.0, or a kernel exporting both), neither,
         * a longer key that only starts with the name, or no OSRELEASE or PAGESIZE (makedumpfile
         * refuses such a note anyway). */
        static const char *const untouched[] = {
                "OSRELEASE=6.12.117\nPAGESIZE=4096\nOFFSET(page.compound_head)=8\n",
                "OSRELEASE=7.2\nPAGESIZE=4096\nOFFSET(page.compound_info)=8\nOFFSET(page.compound_head)=8\n",
                "OSRELEASE=5.10\nPAGESIZE=4096\n",
                "OSRELEASE=7.2\nPAGESIZE=4096\nOFFSET(page.compound_info_x)=8\n",
                "PAGESIZE=4096\nOFFSET(page.compound_info)=8\n",
                "OSRELEASE=7.2\nOFFSET(page.compound_info)=8\n",
                "",
        };
        for (size_t i = 0; i < ELEMENTSOF(untouched); i++) {
                char *c = NULL;
                ASSERT_EQ(makedumpfile_vmcoreinfo_amend(untouched[i], strlen(untouched[i]), &c), 0);
                ASSERT_NULL(c);
        }
        /* The size bounds the text: a line past it does not count. */
        static const char cut[] = "OSRELEASE=7.2\nPAGESIZE=4096\nOFFSET(page.compound_info)=8\nOFFSET(page.compound_head)=8\n";
        _cleanup_free_ char *d = NULL;
        ASSERT_EQ(makedumpfile_vmcoreinfo_amend(cut, strlen("OSRELEASE=7.2\nPAGESIZE=4096\nOFFSET(page.compound_info)=8\n"), &d), 1);
        ASSERT_STREQ(d, "OSRELEASE=7.2\nPAGESIZE=4096\nOFFSET(page.compound_head)=8\n");

        /* A value that is not a small decimal number is refused, never copied into a file
         * makedumpfile parses. */
        static const char *const bad[] = {
                "OSRELEASE=7.2\nPAGESIZE=4096\nOFFSET(page.compound_info)=\n",
                "OSRELEASE=7.2\nPAGESIZE=4096\nOFFSET(page.compound_info)=8x\n",
                "OSRELEASE=7.2\nPAGESIZE=4096\nOFFSET(page.compound_info)=-8\n",
                "OSRELEASE=7.2\nPAGESIZE=4096\nOFFSET(page.compound_info)=1234567890\n",
        };
        for (size_t i = 0; i < ELEMENTSOF(bad); i++) {
                char *c = NULL;
                ASSERT_ERROR(makedumpfile_vmcoreinfo_amend(bad[i], strlen(bad[i]), &c), EBADMSG);
                ASSERT_NULL(c);
        }
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

/* makedumpfile 1.7.8 on Linux 7.2 exits 0 and warns; older releases word the second line
 * differently. Lines that say nothing of the kind are not warnings. */
TEST(find_warning) {
        _cleanup_free_ char *w = NULL, *w2 = NULL, *w3 = NULL;
        static const char out178[] = "The kernel version is not supported.\nThe created dumpfile may be incomplete.\n"
                                     "\nThe dumpfile is saved to vmcore.incomplete.\n\nmakedumpfile Completed.\n";
        static const char old[] = "The kernel version is not supported.\r\nThe makedumpfile operation may be incomplete.\n";
        static const char clean[] = "The dumpfile is saved to vmcore.incomplete.\n\nmakedumpfile Completed.\n";
        char big[4096];

        ASSERT_OK(makedumpfile_find_warning(out178, strlen(out178), &w));
        ASSERT_STREQ(w, "The kernel version is not supported. The created dumpfile may be incomplete.");
        ASSERT_OK(makedumpfile_find_warning(old, strlen(old), &w2));
        ASSERT_STREQ(w2, "The kernel version is not supported. The makedumpfile operation may be incomplete.");
        ASSERT_ERROR(makedumpfile_find_warning(clean, strlen(clean), &w3), ENOENT);
        ASSERT_ERROR(makedumpfile_find_warning("", 0, &w3), ENOENT);

        /* Bounded, control bytes replaced. */
        memset(big, 'a', sizeof(big));
        memcpy(big, "\x01 not supported", 16);
        ASSERT_OK(makedumpfile_find_warning(big, sizeof(big), &w3));
        ASSERT_EQ(strlen(w3), MAKEDUMPFILE_WARNING_MAX);
        ASSERT_EQ(w3[0], '?');
        return TEST_PASS;
}
