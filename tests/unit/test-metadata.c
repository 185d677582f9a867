/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <fcntl.h>
#include <sys/stat.h>
#include <syslog.h>

#include "metadata.h"
#include "tests.h"
#include "util.h"

static void donep(DumpMetadata *m) {
        dump_metadata_done(m);
}

TEST(result_strings) {
        ASSERT_STREQ(dump_result_to_string(DUMP_RESULT_COMPLETE), "complete");
        ASSERT_STREQ(dump_result_to_string(DUMP_RESULT_DMESG_ONLY), "dmesg-only");
        ASSERT_STREQ(dump_result_to_string(DUMP_RESULT_FAILED), "failed");
        ASSERT_NULL(dump_result_to_string(_DUMP_RESULT_MAX));
        ASSERT_EQ(dump_result_from_string("dmesg-only"), DUMP_RESULT_DMESG_ONLY);
        ASSERT_EQ(dump_result_from_string("Complete"), -EINVAL);
        ASSERT_EQ(dump_result_from_string(NULL), -EINVAL);
        return TEST_PASS;
}

TEST(round_trip) {
        _cleanup_(donep) DumpMetadata m, p;
        _cleanup_free_ char *text = NULL, *text2 = NULL;
        size_t n, n2;

        dump_metadata_init(&m);
        dump_metadata_init(&p);
        m.result = DUMP_RESULT_DMESG_ONLY;
        ASSERT_OK(dump_metadata_set(&m.reason, "makedumpfile failed (exit status 1)"));
        ASSERT_OK(dump_metadata_set(&m.kernel_release, "7.2.13+deb14-amd64"));
        ASSERT_OK(dump_metadata_set(&m.hostname, "host\\name\nwith\ttabs\x01\x7f"));
        ASSERT_OK(dump_metadata_set(&m.panic_message, "sysrq triggered crash ünïcode"));
        ASSERT_OK(dump_metadata_set(&m.boot_id, "0123456789abcdef0123456789abcdef"));
        m.crash_time_usec = 1700000000123456;
        m.dmesg_size = 0;
        m.vmcore_size = 44 * MiB;
        m.makedumpfile_status = 1;

        ASSERT_OK(dump_metadata_format(&m, &text, &n));
        ASSERT_EQ(strlen(text), n);
        /* Escaped, one line per key, unset keys left out. */
        ASSERT_NOT_NULL(strstr(text, "RESULT=dmesg-only\n"));
        ASSERT_NOT_NULL(strstr(text, "HOSTNAME=host\\\\name\\nwith\\ttabs\\x01\\x7f\n"));
        ASSERT_NOT_NULL(strstr(text, "DMESG_SIZE=0\n"));
        ASSERT_NULL(strstr(text, "TOTAL_USEC"));
        ASSERT_NULL(strstr(text, "MACHINE_ID"));

        ASSERT_OK(dump_metadata_parse(text, n, &p, NULL));
        ASSERT_EQ(p.result, DUMP_RESULT_DMESG_ONLY);
        ASSERT_STREQ(p.reason, m.reason);
        ASSERT_STREQ(p.hostname, m.hostname);
        ASSERT_STREQ(p.panic_message, m.panic_message);
        ASSERT_STREQ(p.kernel_release, m.kernel_release);
        ASSERT_U64_EQ(p.crash_time_usec, m.crash_time_usec);
        ASSERT_U64_EQ(p.vmcore_size, 44 * MiB);
        ASSERT_U64_EQ(p.dmesg_size, 0);
        ASSERT_U64_EQ(p.total_usec, METADATA_UNSET);
        ASSERT_NULL(p.machine_id);

        /* Formatting the parsed copy gives the same bytes. */
        ASSERT_OK(dump_metadata_format(&p, &text2, &n2));
        ASSERT_EQ(n, n2);
        ASSERT_STREQ(text, text2);
        return TEST_PASS;
}

TEST(parse_comments_unknown_keys) {
        _cleanup_(donep) DumpMetadata m;
        const char *t = "# written by a newer tinykdump\n\nFUTURE_KEY=whatever \\q goes\nRESULT=complete\nVMCORE_SIZE=12";

        dump_metadata_init(&m);
        ASSERT_OK(dump_metadata_parse(t, strlen(t), &m, NULL));
        ASSERT_EQ(m.result, DUMP_RESULT_COMPLETE);
        ASSERT_U64_EQ(m.vmcore_size, 12);
        return TEST_PASS;
}

static TestResult expect_bad(const char *t, size_t n, unsigned line, const char *key) {
        _cleanup_(donep) DumpMetadata m;
        _cleanup_(conf_diags_done) ConfDiagList e = {};

        dump_metadata_init(&m);
        m.result = DUMP_RESULT_COMPLETE;
        ASSERT_ERROR(dump_metadata_parse(t, n, &m, &e), EBADMSG);
        ASSERT_EQ(e.n, 1);
        ASSERT_EQ(e.items[0].level, LOG_ERR);
        ASSERT_STREQ(e.items[0].file, DUMP_FILE_METADATA);
        ASSERT_EQ(e.items[0].line, line);
        ASSERT_STREQ(e.items[0].key, key);
        ASSERT_NOT_NULL(e.items[0].value);
        ASSERT_NOT_NULL(e.items[0].message);
        /* ret untouched on failure */
        ASSERT_EQ(m.result, DUMP_RESULT_COMPLETE);
        return TEST_PASS;
}

#define EXPECT_BAD(t, line, key) ASSERT_EQ(expect_bad(t, sizeof(t) - 1, line, key), TEST_PASS)

TEST(parse_hostile) {
        EXPECT_BAD("RESULT=complete\nno equals sign\n", 2, "");
        EXPECT_BAD("RESULT=complete\nlower=case\n", 2, "lower");
        EXPECT_BAD("RESULT=complete\nRESULT=failed\n", 2, "RESULT");
        EXPECT_BAD("RESULT=finished\n", 1, "RESULT");
        EXPECT_BAD("RESULT=complete\nVMCORE_SIZE=-1\n", 2, "VMCORE_SIZE");
        EXPECT_BAD("RESULT=complete\nVMCORE_SIZE=0x10\n", 2, "VMCORE_SIZE");
        EXPECT_BAD("RESULT=complete\nVMCORE_SIZE= 1\n", 2, "VMCORE_SIZE");
        EXPECT_BAD("RESULT=complete\nVMCORE_SIZE=01\n", 2, "VMCORE_SIZE");
        EXPECT_BAD("RESULT=complete\nVMCORE_SIZE=18446744073709551616\n", 2, "VMCORE_SIZE");
        EXPECT_BAD("RESULT=complete\nVMCORE_SIZE=18446744073709551615\n", 2, "VMCORE_SIZE");
        EXPECT_BAD("RESULT=complete\nVMCORE_SIZE=\n", 2, "VMCORE_SIZE");
        EXPECT_BAD("RESULT=complete\nHOSTNAME=a\\\n", 2, "HOSTNAME");
        EXPECT_BAD("RESULT=complete\nHOSTNAME=a\\x4\n", 2, "HOSTNAME");
        EXPECT_BAD("RESULT=complete\nHOSTNAME=a\\x00b\n", 2, "HOSTNAME");
        EXPECT_BAD("RESULT=complete\nHOSTNAME=a\\qb\n", 2, "HOSTNAME");
        EXPECT_BAD("RESULT=complete\nHOSTNAME=a\rb\n", 2, "HOSTNAME");
        EXPECT_BAD("RESULT=complete\nHOSTNAME=a\0b\n", 2, "");
        EXPECT_BAD("HOSTNAME=a\n", 0, "RESULT");   /* no RESULT= at all: not about one line */
        return TEST_PASS;
}

TEST(parse_limits) {
        _cleanup_(donep) DumpMetadata m;
        _cleanup_free_ char *big = NULL, *longval = NULL;
        _cleanup_(conf_diags_done) ConfDiagList e = {};

        dump_metadata_init(&m);
        big = malloc(METADATA_FILE_MAX + 1);
        ASSERT_NOT_NULL(big);
        memset(big, '#', METADATA_FILE_MAX + 1);
        ASSERT_ERROR(dump_metadata_parse(big, METADATA_FILE_MAX + 1, &m, &e), EFBIG);

        /* A value of exactly the maximum is fine, one byte more is not. */
        size_t l = strlen("RESULT=complete\nREASON=");
        longval = malloc(l + METADATA_VALUE_MAX + 2);
        ASSERT_NOT_NULL(longval);
        memcpy(longval, "RESULT=complete\nREASON=", l);
        memset(longval + l, 'x', METADATA_VALUE_MAX + 1);
        ASSERT_ERROR(dump_metadata_parse(longval, l + METADATA_VALUE_MAX + 1, &m, &e), EBADMSG);
        ASSERT_STREQ(e.items[0].key, "REASON");
        ASSERT_EQ(strlen(e.items[0].value), METADATA_DIAG_VALUE_MAX); /* cut */
        ASSERT_OK(dump_metadata_parse(longval, l + METADATA_VALUE_MAX, &m, &e));
        ASSERT_U64_EQ(strlen(m.reason), METADATA_VALUE_MAX);

        /* Keys longer than the maximum are invalid even when unknown. */
        char key[METADATA_KEY_MAX + 16];
        memset(key, 'K', sizeof(key));
        memcpy(key + METADATA_KEY_MAX + 1, "=v\nRESULT=failed", 16 - 1);
        key[sizeof(key) - 1] = 0;
        dump_metadata_done(&m);
        conf_diags_done(&e);
        ASSERT_ERROR(dump_metadata_parse(key, strlen(key), &m, &e), EBADMSG);
        ASSERT_EQ(e.items[0].line, 1);
        ASSERT_EQ(strlen(e.items[0].key), METADATA_DIAG_KEY_MAX);
        return TEST_PASS;
}

TEST(read_at) {
        _cleanup_(donep) DumpMetadata m;
        _cleanup_free_ char *dir = path_join(test_tmpdir(), "readat");
        _cleanup_free_ char *file = path_join(dir, DUMP_FILE_METADATA);
        _cleanup_close_ int dfd = -EBADF;
        _cleanup_(conf_diags_done) ConfDiagList e = {};

        dump_metadata_init(&m);
        ASSERT_OK(RET_NERRNO(mkdir(dir, 0700)));
        dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        ASSERT_GE(dfd, 0);
        ASSERT_ERROR(dump_metadata_read_at(dfd, &m, &e), ENOENT);

        FILE *f = fopen(file, "we");
        ASSERT_NOT_NULL(f);
        fputs("RESULT=failed\nREASON=target missing\n", f);
        fclose(f);
        ASSERT_OK(dump_metadata_read_at(dfd, &m, &e));
        ASSERT_EQ(m.result, DUMP_RESULT_FAILED);
        ASSERT_STREQ(m.reason, "target missing");

        /* A symlink named metadata is not followed. */
        dump_metadata_done(&m);
        ASSERT_OK(RET_NERRNO(unlink(file)));
        ASSERT_OK(RET_NERRNO(symlink("/etc/passwd", file)));
        ASSERT_ERROR(dump_metadata_read_at(dfd, &m, &e), ELOOP);
        return TEST_PASS;
}

TEST(panic_message) {
        _cleanup_free_ char *a = NULL, *b = NULL, *c = NULL;
        const char *log =
                "[    0.000000] Linux version 7.2.13-amd64\n"
                "[   42.000001] sysrq: Trigger a crash\n"
                "[   42.000002] Kernel panic - not syncing: sysrq triggered crash  \n"
                "[   42.000003] Kernel panic - not syncing: second\n";

        ASSERT_OK(dmesg_find_panic_message(log, strlen(log), 256, &a));
        ASSERT_STREQ(a, "sysrq triggered crash");
        ASSERT_OK(dmesg_find_panic_message(log, strlen(log), 5, &b));
        ASSERT_STREQ(b, "sysrq");
        ASSERT_ERROR(dmesg_find_panic_message(log, 80, 256, &c), ENOENT);
        ASSERT_ERROR(dmesg_find_panic_message("", 0, 256, &c), ENOENT);

        /* Truncation never splits a UTF-8 sequence. */
        const char *u = "Kernel panic - not syncing: a\xc3\xa9z";
        ASSERT_OK(dmesg_find_panic_message(u, strlen(u), 2, &c));
        ASSERT_STREQ(c, "a");
        return TEST_PASS;
}

TEST(erase_fields_round_trip) {
        static const char text[] = "RESULT=complete\nERASE=complete\n"
                                   "ERASE_RULES=keyring-user=1/32 keyring-trusted=inactive dm-crypt-key=failed\n"
                                   "ERASE_REASON=dm-crypt-key: rbtree: node 0xffff888000200008 reached twice (a cycle)\n"
                                   "ERASE_BYTES=96\nERASE_PAGES=2\nERASE_USEC=1234\n";
        DumpMetadata m;
        _cleanup_free_ char *out = NULL;
        size_t n;

        ASSERT_OK(dump_metadata_parse(text, strlen(text), &m, NULL));
        ASSERT_STREQ(m.erase, "complete");
        ASSERT_STREQ(m.erase_rules, "keyring-user=1/32 keyring-trusted=inactive dm-crypt-key=failed");
        ASSERT_U64_EQ(m.erase_bytes, 96);
        ASSERT_U64_EQ(m.erase_usec, 1234);
        ASSERT_OK(dump_metadata_format(&m, &out, &n));
        ASSERT_NOT_NULL(strstr(out, "\nERASE_PAGES=2\n"));
        dump_metadata_done(&m);
        return TEST_PASS;
}

TEST(space_fields_round_trip) {
        static const char text[] = "RESULT=dmesg-only\nMEMORY_SIZE=1073741824\nTARGET_FREE=5242880\n"
                                   "VMCORE_ESTIMATE=1081671680\nVMCORE_MINIMUM=1114112\nSPACE=full\n";
        DumpMetadata m;
        _cleanup_free_ char *out = NULL;
        size_t n;

        ASSERT_OK(dump_metadata_parse(text, strlen(text), &m, NULL));
        ASSERT_U64_EQ(m.memory_size, 1073741824);
        ASSERT_U64_EQ(m.target_free, 5242880);
        ASSERT_U64_EQ(m.vmcore_estimate, 1081671680);
        ASSERT_U64_EQ(m.vmcore_minimum, 1114112);
        ASSERT_STREQ(m.space, "full");
        ASSERT_OK(dump_metadata_format(&m, &out, &n));
        ASSERT_STREQ(out, text);
        dump_metadata_done(&m);
        return TEST_PASS;
}
