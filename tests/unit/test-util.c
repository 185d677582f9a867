/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <fcntl.h>
#include <unistd.h>

#include "tests.h"
#include "util.h"
#include "verbs.h"

TEST(parse_size) {
        uint64_t v;

        ASSERT_OK(parse_size("0", &v));
        ASSERT_U64_EQ(v, 0);
        ASSERT_OK(parse_size("64M", &v));
        ASSERT_U64_EQ(v, 64 * MiB);
        ASSERT_OK(parse_size("64MiB", &v));
        ASSERT_U64_EQ(v, 64 * MiB);
        ASSERT_OK(parse_size("1G", &v));
        ASSERT_U64_EQ(v, GiB);
        ASSERT_OK(parse_size("0x1000", &v));
        ASSERT_U64_EQ(v, 4096);
        ASSERT_OK(parse_size("512k", &v));
        ASSERT_U64_EQ(v, 512 * KiB);
        ASSERT_ERROR(parse_size("", &v), EINVAL);
        ASSERT_ERROR(parse_size("M", &v), EINVAL);
        ASSERT_ERROR(parse_size("12Q", &v), EINVAL);
        ASSERT_ERROR(parse_size("-1", &v), EINVAL);
        ASSERT_ERROR(parse_size("99999999999999999999", &v), ERANGE);
        ASSERT_ERROR(parse_size("20000000000000000E", &v), ERANGE);
        return TEST_PASS;
}

TEST(parse_size_prefix) {
        uint64_t v;
        const char *end;

        ASSERT_OK(parse_size_prefix("256M@16M", &v, &end));
        ASSERT_U64_EQ(v, 256 * MiB);
        ASSERT_STREQ(end, "@16M");
        return TEST_PASS;
}

TEST(path_join) {
        _cleanup_free_ char *a = path_join("/root/", "/proc/cmdline");
        _cleanup_free_ char *b = path_join(NULL, "/proc/cmdline");
        _cleanup_free_ char *c = path_join("", "proc");
        ASSERT_STREQ(a, "/root/proc/cmdline");
        ASSERT_STREQ(b, "/proc/cmdline");
        ASSERT_STREQ(c, "proc");
        return TEST_PASS;
}

TEST(format_bytes) {
        char buf[FORMAT_BYTES_MAX];
        ASSERT_STREQ(format_bytes(buf, sizeof(buf), 512), "512B");
        ASSERT_STREQ(format_bytes(buf, sizeof(buf), 64 * MiB), "64M");
        ASSERT_STREQ(format_bytes(buf, sizeof(buf), 1536 * KiB), "1.5M");
        return TEST_PASS;
}

TEST(read_full_file_limit) {
        _cleanup_free_ char *p = path_join(test_tmpdir(), "f");
        _cleanup_free_ char *s = NULL;
        size_t n;
        FILE *f = fopen(p, "we");
        ASSERT_NOT_NULL(f);
        for (int i = 0; i < 10000; i++)
                fputc('x', f);
        fclose(f);
        ASSERT_ERROR(read_full_file_at(NULL, p, 9999, &s, &n), EFBIG);
        ASSERT_OK(read_full_file_at(NULL, p, 10000, &s, &n));
        ASSERT_EQ(n, 10000);
        return TEST_PASS;
}

TEST(strv) {
        _cleanup_strv_free_ char **l = NULL;
        ASSERT_OK(strv_extend(&l, "a"));
        ASSERT_OK(strv_extend(&l, "b"));
        ASSERT_EQ(strv_length(l), 2);
        ASSERT_TRUE(strv_contains(l, "b"));
        ASSERT_FALSE(strv_contains(l, "c"));
        return TEST_PASS;
}

TEST(loop_io_and_write_atomic) {
        char dir[] = "/tmp/test-util-XXXXXX";
        _cleanup_close_ int dfd = -EBADF, fd = -EBADF;
        _cleanup_free_ char *got = NULL, *p = NULL;
        char buf[8] = {};
        size_t n;

        ASSERT_NOT_NULL(mkdtemp(dir));
        dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        ASSERT_GE(dfd, 0);
        ASSERT_OK(write_atomic_at(dfd, "f", "hello", 5, 0600, WRITE_ATOMIC_DURABLE));
        ASSERT_OK(write_atomic_at(dfd, "f", "world!", 6, 0600, 0));
        ASSERT_TRUE(exists_at(dir, "f"));
        ASSERT_FALSE(exists_at(dir, "f.tmp"));
        ASSERT_OK(read_full_file_at(dir, "f", 64, &got, &n));
        ASSERT_EQ(n, 6U);
        ASSERT_STREQ(got, "world!");
        ASSERT_ERROR(read_full_file_at(dir, "f", 5, &p, NULL), EFBIG);

        fd = openat(dfd, "f", O_RDONLY | O_CLOEXEC);
        ASSERT_GE(fd, 0);
        ASSERT_EQ(loop_pread(fd, buf, 3, 2), 3);
        ASSERT_STREQ(buf, "rld");
        ASSERT_EQ(loop_read(fd, buf, sizeof(buf)), 6); /* stops at end of file */
        ASSERT_ERROR(loop_write(fd, "x", 1), EBADF);

        ASSERT_EQ(unlinkat(dfd, "f", 0), 0);
        ASSERT_EQ(rmdir(dir), 0);
        return TEST_PASS;
}

TEST(utf8) {
        uint32_t cp;

        ASSERT_EQ(utf8_sequence_length("a", 1, &cp), 1U);
        ASSERT_EQ(cp, 'a');
        ASSERT_EQ(utf8_sequence_length("\xc3\xbc", 2, &cp), 2U);
        ASSERT_EQ(cp, 0xfcU);
        ASSERT_EQ(utf8_sequence_length("\xc3\xbc", 1, NULL), 0U);         /* truncated */
        ASSERT_EQ(utf8_sequence_length("\xc0\xaf", 2, NULL), 0U);         /* overlong */
        ASSERT_EQ(utf8_sequence_length("\xed\xa0\x80", 3, NULL), 0U);     /* surrogate */
        ASSERT_EQ(utf8_sequence_length("\xf4\x90\x80\x80", 4, NULL), 0U); /* beyond U+10FFFF */
        ASSERT_EQ(utf8_sequence_length("\xf0\x9f\x98\x80", 4, &cp), 4U);
        ASSERT_TRUE(utf8_is_valid_n("Crash \xc3\xbc", 8));
        ASSERT_FALSE(utf8_is_valid_n("Crash \xc3", 7));
        return TEST_PASS;
}

TEST(parse_u64_digits) {
        const char *p = "123abc";
        uint64_t v;

        ASSERT_OK(parse_u64_digits(&p, 10, &v));
        ASSERT_U64_EQ(v, 123);
        ASSERT_STREQ(p, "abc");
        ASSERT_OK(parse_u64_digits(&p, 16, &v));
        ASSERT_U64_EQ(v, 0xabc);
        ASSERT_STREQ(p, "");
        p = "x";
        ASSERT_ERROR(parse_u64_digits(&p, 10, &v), EINVAL);
        p = "18446744073709551616";
        ASSERT_ERROR(parse_u64_digits(&p, 10, &v), ERANGE);
        ASSERT_EQ(unhexchar('7'), 7);
        ASSERT_EQ(unhexchar('F'), 15);
        ASSERT_ERROR(unhexchar('g'), EINVAL);
        ASSERT_EQ(parse_boolean("ON"), 1);
        ASSERT_EQ(parse_boolean("off"), 0);
        ASSERT_ERROR(parse_boolean("maybe"), EINVAL);
        ASSERT_GT(clock_now_usec(CLOCK_MONOTONIC), 0U);
        return TEST_PASS;
}

static int dispatch_nothing(int argc, char *argv[], void *userdata) {
        return 0;
}

/* verbs_find() says what is wrong and prints nothing: the program does. */
TEST(verbs_find) {
        static const Verb verbs[] = {
                { "status", 1, 1, true, dispatch_nothing },
                { "info", 2, 2, false, dispatch_nothing },
                { "report", 1, VERB_ANY, false, dispatch_nothing },
        };
        const Verb *v = NULL;

        ASSERT_EQ(verbs_find(0, NULL, verbs, ELEMENTSOF(verbs), &v), VERB_FIND_OK);
        ASSERT_STREQ(v->verb, "status");
        ASSERT_EQ(verbs_find(2, (char *[]) { (char *) "info", (char *) "x", NULL }, verbs, ELEMENTSOF(verbs), &v),
                  VERB_FIND_OK);
        ASSERT_STREQ(v->verb, "info");
        ASSERT_EQ(verbs_find(4, (char *[]) { (char *) "report", (char *) "a", (char *) "b", (char *) "c", NULL }, verbs,
                             ELEMENTSOF(verbs), &v),
                  VERB_FIND_OK);
        v = NULL;
        ASSERT_EQ(verbs_find(1, (char *[]) { (char *) "nope", NULL }, verbs, ELEMENTSOF(verbs), &v), VERB_FIND_UNKNOWN);
        ASSERT_NULL(v);
        ASSERT_EQ(verbs_find(0, NULL, verbs + 1, 2, &v), VERB_FIND_MISSING);
        ASSERT_NULL(v);
        ASSERT_EQ(verbs_find(1, (char *[]) { (char *) "info", NULL }, verbs, ELEMENTSOF(verbs), &v), VERB_FIND_TOO_FEW);
        ASSERT_STREQ(v->verb, "info");
        ASSERT_EQ(verbs_find(2, (char *[]) { (char *) "status", (char *) "x", NULL }, verbs, ELEMENTSOF(verbs), &v),
                  VERB_FIND_TOO_MANY);
        ASSERT_STREQ(v->verb, "status");
        return TEST_PASS;
}
