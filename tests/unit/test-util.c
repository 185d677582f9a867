/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "tests.h"
#include "util.h"

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
