/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "crashkernel.h"
#include "tests.h"

#define RAM_4G (4 * GiB)

TEST(memparse) {
        const char *e;

        ASSERT_U64_EQ(kernel_memparse("256M", &e), 256 * MiB);
        ASSERT_STREQ(e, "");
        ASSERT_U64_EQ(kernel_memparse("0x1000k", &e), 4096 * KiB);
        ASSERT_U64_EQ(kernel_memparse("0100", &e), 64); /* octal, as simple_strtoull(…, 0) */
        ASSERT_U64_EQ(kernel_memparse("09", &e), 0);    /* octal stops at 9 */
        ASSERT_STREQ(e, "9");
        ASSERT_U64_EQ(kernel_memparse("0x", &e), 0);    /* no hex digit: octal 0, stops at x */
        ASSERT_STREQ(e, "x");
        ASSERT_U64_EQ(kernel_memparse("1g@", &e), GiB);
        ASSERT_STREQ(e, "@");
        ASSERT_U64_EQ(kernel_memparse("2E", &e), UINT64_C(2) << 60);
        ASSERT_U64_EQ(kernel_memparse("1E", NULL), UINT64_C(1) << 60);
        ASSERT_U64_EQ(kernel_memparse("16E", NULL), 0); /* wraps like the kernel */
        const char *s = "M";
        ASSERT_U64_EQ(kernel_memparse(s, &e), 0);       /* suffix without digits: consumed */
        ASSERT_TRUE(e == s + 1);
        s = "-1";
        ASSERT_U64_EQ(kernel_memparse(s, &e), 0);
        ASSERT_TRUE(e == s);
        return TEST_PASS;
}

TEST(plain) {
        Crashkernel c;

        ASSERT_OK(crashkernel_parse("ro crashkernel=256M quiet", RAM_4G, &c, NULL));
        ASSERT_U64_EQ(c.size, 256 * MiB);
        ASSERT_U64_EQ(c.offset, 0);
        ASSERT_FALSE(c.high);
        ASSERT_FALSE(c.range_list);
        ASSERT_U64_EQ(c.low, 0);
        ASSERT_U64_EQ(c.cma, 0);
        ASSERT_EQ(c.static_pos, 3);
        ASSERT_EQ(c.low_pos, SIZE_MAX);
        ASSERT_EQ(c.cma_pos, SIZE_MAX);
        return TEST_PASS;
}

TEST(offset) {
        Crashkernel c;

        ASSERT_OK(crashkernel_parse("crashkernel=128M@16M", RAM_4G, &c, NULL));
        ASSERT_U64_EQ(c.size, 128 * MiB);
        ASSERT_U64_EQ(c.offset, 16 * MiB);
        return TEST_PASS;
}

TEST(last_wins) {
        Crashkernel c;

        ASSERT_OK(crashkernel_parse("crashkernel=128M crashkernel=192M", RAM_4G, &c, NULL));
        ASSERT_U64_EQ(c.size, 192 * MiB);
        ASSERT_EQ(c.static_pos, 17);
        return TEST_PASS;
}

TEST(range_list) {
        Crashkernel c;
        const char *l = "crashkernel=1G-4G:192M,4G-64G:256M,64G-:512M";

        /* The kernel rounds RAM up to 128 MiB: 3.9 GiB → 4 GiB, which is in 4G-64G. */
        ASSERT_OK(crashkernel_parse(l, 4 * GiB - 100 * MiB, &c, NULL));
        ASSERT_U64_EQ(c.size, 256 * MiB);
        ASSERT_TRUE(c.range_list);
        ASSERT_OK(crashkernel_parse(l, 2 * GiB, &c, NULL));
        ASSERT_U64_EQ(c.size, 192 * MiB);
        ASSERT_OK(crashkernel_parse(l, 128 * GiB, &c, NULL));
        ASSERT_U64_EQ(c.size, 512 * MiB);
        ASSERT_U64_EQ(c.offset, 0);
        /* Below every range: the kernel says "resulted in zero bytes" and reserves nothing. */
        size_t pos = 0;
        ASSERT_ERROR(crashkernel_parse(l, 768 * MiB, &c, &pos), ENODATA);
        /* …and with 512 MiB the 64G- entry's 512M is not below RAM: the kernel's "invalid size". */
        ASSERT_ERROR(crashkernel_parse(l, 512 * MiB, &c, &pos), EFBIG);
        ASSERT_EQ(pos, 0);
        return TEST_PASS;
}

TEST(range_list_offset) {
        Crashkernel c;

        ASSERT_OK(crashkernel_parse("crashkernel=512M-2G:64M,2G-:128M@16M quiet", RAM_4G, &c, NULL));
        ASSERT_U64_EQ(c.size, 128 * MiB);
        ASSERT_U64_EQ(c.offset, 16 * MiB);
        /* The '@' is found after skipping the remaining entries. */
        ASSERT_OK(crashkernel_parse("crashkernel=512M-2G:64M,2G-:128M,8G-:1G@32M", RAM_4G, &c, NULL));
        ASSERT_U64_EQ(c.size, 128 * MiB);
        ASSERT_U64_EQ(c.offset, 32 * MiB);
        /* A colon after the first space does not make the word a range list. */
        ASSERT_OK(crashkernel_parse("crashkernel=64M foo=a:b", RAM_4G, &c, NULL));
        ASSERT_FALSE(c.range_list);
        return TEST_PASS;
}

TEST(range_errors) {
        Crashkernel c;
        size_t pos;

        ASSERT_ERROR(crashkernel_parse("quiet crashkernel=4G-1G:128M", RAM_4G, &c, &pos), ERANGE);
        ASSERT_EQ(pos, 6);
        ASSERT_ERROR(crashkernel_parse("crashkernel=1G-:8G", RAM_4G, &c, &pos), EFBIG);
        ASSERT_ERROR(crashkernel_parse("crashkernel=1G:128M", RAM_4G, &c, &pos), EINVAL);     /* '-' expected */
        ASSERT_ERROR(crashkernel_parse("crashkernel=1G-2G128M:x", RAM_4G, &c, &pos), EINVAL); /* ':' expected */
        ASSERT_ERROR(crashkernel_parse("crashkernel=:128M", RAM_4G, &c, &pos), EINVAL);
        ASSERT_ERROR(crashkernel_parse("crashkernel=1G-:", RAM_4G, &c, &pos), EINVAL);
        ASSERT_ERROR(crashkernel_parse("crashkernel=1G-2G:128M,", RAM_4G, &c, &pos), EINVAL);
        ASSERT_ERROR(crashkernel_parse("crashkernel=1G-8G:128M@", RAM_4G, &c, &pos), EINVAL);
        return TEST_PASS;
}

TEST(simple_errors) {
        Crashkernel c = { .size = 12345 };
        size_t pos = 0;

        ASSERT_ERROR(crashkernel_parse("root=/dev/sda crashkernel=abc", RAM_4G, &c, &pos), EINVAL);
        ASSERT_EQ(pos, 14);
        ASSERT_U64_EQ(c.size, 12345); /* untouched */
        ASSERT_ERROR(crashkernel_parse("crashkernel=256M,foo", RAM_4G, &c, &pos), EINVAL);
        ASSERT_ERROR(crashkernel_parse("crashkernel=0", RAM_4G, &c, &pos), ENODATA);
        ASSERT_ERROR(crashkernel_parse("crashkernel=4G", RAM_4G, &c, &pos), EFBIG);
        ASSERT_ERROR(crashkernel_parse("quiet", RAM_4G, &c, &pos), ENOENT);
        ASSERT_EQ(pos, SIZE_MAX);
        ASSERT_ERROR(crashkernel_parse("", RAM_4G, &c, NULL), ENOENT);
        ASSERT_ERROR(crashkernel_parse(NULL, RAM_4G, &c, NULL), ENOENT);
        /* Quirk: '@' followed by garbage is accepted with offset 0. */
        ASSERT_OK(crashkernel_parse("crashkernel=64M@xyz", RAM_4G, &c, NULL));
        ASSERT_U64_EQ(c.offset, 0);
        return TEST_PASS;
}

TEST(high_low) {
        Crashkernel c;

        ASSERT_OK(crashkernel_parse("crashkernel=512M,high crashkernel=128M,low", 8 * GiB, &c, NULL));
        ASSERT_TRUE(c.high);
        ASSERT_U64_EQ(c.size, 512 * MiB);
        ASSERT_U64_EQ(c.low, 128 * MiB);
        ASSERT_FALSE(c.low_default);
        ASSERT_EQ(c.static_pos, 0);
        ASSERT_EQ(c.low_pos, 22);

        ASSERT_OK(crashkernel_parse("crashkernel=1G,high", 8 * GiB, &c, NULL));
        ASSERT_U64_EQ(c.low, CRASHKERNEL_DEFAULT_LOW_SIZE);
        ASSERT_TRUE(c.low_default);

        /* A plain size wins; ,high and ,low are then ignored by the kernel. */
        ASSERT_OK(crashkernel_parse("crashkernel=1G,high crashkernel=256M crashkernel=64M,low", 8 * GiB, &c, NULL));
        ASSERT_FALSE(c.high);
        ASSERT_U64_EQ(c.size, 256 * MiB);
        ASSERT_U64_EQ(c.low, 0);

        size_t pos;
        ASSERT_ERROR(crashkernel_parse("crashkernel=0,high", 8 * GiB, &c, &pos), ENODATA);
        ASSERT_ERROR(crashkernel_parse("crashkernel=1G,high crashkernel=x,low", 8 * GiB, &c, &pos), EINVAL);
        ASSERT_EQ(pos, 20);
        ASSERT_ERROR(crashkernel_parse("crashkernel=128M,low", 8 * GiB, &c, &pos), ENOMSG);
        ASSERT_ERROR(crashkernel_parse("crashkernel=8G,high", 8 * GiB, &c, &pos), EFBIG);
        /* A range list with ,high is read as a ,high word and fails where the kernel fails. */
        ASSERT_ERROR(crashkernel_parse("crashkernel=1G-:256M,high", 8 * GiB, &c, &pos), EINVAL);
        return TEST_PASS;
}

TEST(cma) {
        Crashkernel c;

        ASSERT_OK(crashkernel_parse("crashkernel=128M crashkernel=512M,cma", RAM_4G, &c, NULL));
        ASSERT_U64_EQ(c.size, 128 * MiB);
        ASSERT_U64_EQ(c.cma, 512 * MiB);
        ASSERT_EQ(c.cma_pos, 17);

        ASSERT_OK(crashkernel_parse("crashkernel=256M,high crashkernel=1G,cma", 8 * GiB, &c, NULL));
        ASSERT_TRUE(c.high);
        ASSERT_U64_EQ(c.cma, GiB);

        /* ,cma alone: Linux ≤ 7.2 reserves nothing at all. */
        size_t pos;
        ASSERT_ERROR(crashkernel_parse("quiet crashkernel=512M,cma", RAM_4G, &c, &pos), ENOMSG);
        ASSERT_EQ(pos, 6);

        /* Quirk: the kernel ignores a ,cma parse error but keeps the size it read. */
        ASSERT_OK(crashkernel_parse("crashkernel=64M crashkernel=512Mx,cma", RAM_4G, &c, NULL));
        ASSERT_U64_EQ(c.cma, 512 * MiB);
        return TEST_PASS;
}

TEST(substring_quirk) {
        Crashkernel c;

        /* The kernel searches the substring, so a prefixed key counts as well. */
        ASSERT_OK(crashkernel_parse("foo.crashkernel=96M", RAM_4G, &c, NULL));
        ASSERT_U64_EQ(c.size, 96 * MiB);
        ASSERT_EQ(c.static_pos, 4);
        return TEST_PASS;
}

TEST(strerror_and_word) {
        _cleanup_free_ char *w = crashkernel_word_at("ro crashkernel=512M,cma quiet", 3);

        ASSERT_STREQ(w, "512M,cma");
        ASSERT_NULL(crashkernel_word_at("ro", 10));
        int errs[] = { ENOENT, EINVAL, ERANGE, EFBIG, ENODATA, ENOMSG, ENOMEM };
        for (size_t i = 0; i < ELEMENTSOF(errs); i++) {
                ASSERT_NOT_NULL(crashkernel_strerror(-errs[i]));
                for (size_t j = 0; j < i; j++)
                        ASSERT_TRUE(!streq(crashkernel_strerror(-errs[i]), crashkernel_strerror(-errs[j])));
        }
        ASSERT_NULL(crashkernel_strerror(-EPERM));
        return TEST_PASS;
}
