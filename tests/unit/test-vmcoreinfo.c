/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "tests.h"
#include "vmcoreinfo.h"

/* The start of a real x86_64 VMCOREINFO (Linux 6.x), as the kernel prints it. */
static const char real[] =
        "OSRELEASE=6.12.38+deb13-amd64\n"
        "BUILD-ID=5b0f1e1d9b0c3a2e4f5d6c7b8a99887766554433\n"
        "PAGESIZE=4096\n"
        "SYMBOL(init_uts_ns)=ffffffffb8e13a80\n"
        "OFFSET(uts_namespace.name)=0\n"
        "SYMBOL(prb)=ffffffffb8c5d8a0\n"
        "SIZE(printk_ringbuffer)=88\n"
        "OFFSET(printk_info.caller_id)=20\n"
        "LENGTH(printk_info_device)=48\n"
        "CRASHTIME=1779000123\n"
        "NUMBER(phys_base)=-2147483648\n"
        "NUMBER(pgtable_l5_enabled)=0\n"
        "NUMBER(VMALLOC_START)=0xffffc90000000000\n"
        "KERNELOFFSET=36c00000\n"
        "NUMBER(sme_mask)=0\n";

TEST(parse_real) {
        _cleanup_vmcoreinfo_free_ VmcoreInfo *info = NULL;
        uint64_t u;
        int64_t n;

        ASSERT_OK(vmcoreinfo_parse(real, sizeof(real) - 1, &info, NULL));
        ASSERT_EQ(vmcoreinfo_count(info), 15);
        ASSERT_STREQ(vmcoreinfo_osrelease(info), "6.12.38+deb13-amd64");
        ASSERT_OK(vmcoreinfo_page_size(info, &u));
        ASSERT_U64_EQ(u, 4096);
        ASSERT_OK(vmcoreinfo_symbol(info, "init_uts_ns", &u));
        ASSERT_U64_EQ(u, UINT64_C(0xffffffffb8e13a80));
        ASSERT_OK(vmcoreinfo_offset(info, "uts_namespace.name", &u));
        ASSERT_U64_EQ(u, 0);
        ASSERT_OK(vmcoreinfo_size(info, "printk_ringbuffer", &u));
        ASSERT_U64_EQ(u, 88);
        ASSERT_OK(vmcoreinfo_length(info, "printk_info_device", &u));
        ASSERT_U64_EQ(u, 48);
        ASSERT_OK(vmcoreinfo_number(info, "phys_base", &n));
        ASSERT_EQ(n, -2147483648LL);
        ASSERT_OK(vmcoreinfo_number(info, "VMALLOC_START", &n));
        ASSERT_U64_EQ((uint64_t) n, UINT64_C(0xffffc90000000000));
        ASSERT_OK(vmcoreinfo_kernel_offset(info, &u));
        ASSERT_U64_EQ(u, 0x36c00000);
        ASSERT_OK(vmcoreinfo_crash_time(info, &u));
        ASSERT_U64_EQ(u, 1779000123);
        ASSERT_ERROR(vmcoreinfo_symbol(info, "log_buf", &u), ENOENT);
        ASSERT_ERROR(vmcoreinfo_offset(info, "printk_info.seq", &u), ENOENT);
        ASSERT_NULL(vmcoreinfo_get(info, "SYMBOL(prb"));
        return TEST_PASS;
}

TEST(parse_padding_crlf_duplicates) {
        /* The note descriptor is padded with NULs; nothing after the first NUL counts. */
        static const char text[] = "PAGESIZE=4096\r\n\nOSRELEASE=first\nOSRELEASE=second\n\0GARBAGE";
        _cleanup_vmcoreinfo_free_ VmcoreInfo *info = NULL;
        uint64_t u;

        ASSERT_OK(vmcoreinfo_parse(text, sizeof(text) - 1, &info, NULL));
        ASSERT_EQ(vmcoreinfo_count(info), 2);
        ASSERT_OK(vmcoreinfo_page_size(info, &u));
        ASSERT_U64_EQ(u, 4096);
        ASSERT_STREQ(vmcoreinfo_osrelease(info), "first");
        ASSERT_NULL(vmcoreinfo_get(info, "GARBAGE"));

        /* Without a trailing newline, and empty. */
        vmcoreinfo_free(TAKE_PTR(info));
        ASSERT_OK(vmcoreinfo_parse("A=1", 3, &info, NULL));
        ASSERT_STREQ(vmcoreinfo_get(info, "A"), "1");
        vmcoreinfo_free(TAKE_PTR(info));
        ASSERT_OK(vmcoreinfo_parse("", 0, &info, NULL));
        ASSERT_EQ(vmcoreinfo_count(info), 0);

        /* VMCOREINFO has no comments: a '#' line is a key like any other, or an error. */
        vmcoreinfo_free(TAKE_PTR(info));
        ASSERT_OK(vmcoreinfo_parse("#A=1\r\n", 6, &info, NULL));
        ASSERT_STREQ(vmcoreinfo_get(info, "#A"), "1");
        vmcoreinfo_free(TAKE_PTR(info));
        ASSERT_ERROR(vmcoreinfo_parse("A=1\n# comment\n", 14, &info, NULL), EBADMSG);
        return TEST_PASS;
}

TEST(parse_errors_name_line_key_value) {
        VmcoreInfo *info = NULL;
        VmcoreInfoParseError e;
        char big[600];

        ASSERT_ERROR(vmcoreinfo_parse("PAGESIZE=4096\nNOEQUALS\n", strlen("PAGESIZE=4096\nNOEQUALS\n"), &info, &e), EBADMSG);
        ASSERT_EQ(e.line, 2);
        ASSERT_STREQ(e.key, "NOEQUALS");
        ASSERT_STREQ(e.what, "missing '='");

        ASSERT_ERROR(vmcoreinfo_parse("A=1\nB=2\n=3\n", strlen("A=1\nB=2\n=3\n"), &info, &e), EBADMSG);
        ASSERT_EQ(e.line, 3);
        ASSERT_STREQ(e.value, "3");
        ASSERT_STREQ(e.what, "empty key");

        ASSERT_ERROR(vmcoreinfo_parse("A=1\nSYMBOL(x)=ab\x01" "cd\n", strlen("A=1\nSYMBOL(x)=ab\x01" "cd\n"), &info, &e), EBADMSG);
        ASSERT_EQ(e.line, 2);
        ASSERT_STREQ(e.key, "SYMBOL(x)");
        ASSERT_STREQ(e.value, "ab?cd");
        ASSERT_STREQ(e.what, "control character");

        memset(big, 'x', sizeof(big));
        memcpy(big, "KEY=", 4);
        ASSERT_ERROR(vmcoreinfo_parse(big, sizeof(big), &info, &e), EBADMSG);
        ASSERT_EQ(e.line, 1);
        ASSERT_STREQ(e.key, "KEY");
        ASSERT_STREQ(e.what, "value too long");
        big[300] = '=';
        memset(big, 'K', 300);
        ASSERT_ERROR(vmcoreinfo_parse(big, sizeof(big), &info, &e), EBADMSG);
        ASSERT_STREQ(e.what, "key too long");
        ASSERT_NULL(info);
        return TEST_PASS;
}

TEST(parse_bounds) {
        _cleanup_free_ char *huge = malloc(VMCOREINFO_SIZE_MAX + 1), *lines = NULL;
        VmcoreInfo *info = NULL;

        ASSERT_NOT_NULL(huge);
        memset(huge, 'a', VMCOREINFO_SIZE_MAX + 1);
        ASSERT_ERROR(vmcoreinfo_parse(huge, VMCOREINFO_SIZE_MAX + 1, &info, NULL), EFBIG);

        /* More lines than allowed, in fewer bytes than the size bound. */
        size_t n = VMCOREINFO_LINES_MAX + 1;
        lines = malloc(n * 4);
        ASSERT_NOT_NULL(lines);
        for (size_t i = 0; i < n; i++)
                memcpy(lines + 4 * i, "A=1\n", 4);
        ASSERT_ERROR(vmcoreinfo_parse(lines, n * 4, &info, NULL), EFBIG);
        ASSERT_OK(vmcoreinfo_parse(lines, (n - 1) * 4, &info, NULL));
        ASSERT_EQ(vmcoreinfo_count(info), 1); /* all the same key */
        vmcoreinfo_free(info);
        return TEST_PASS;
}

TEST(typed_values_are_strict) {
        static const char text[] =
                "SYMBOL(a)=0xffffffff81000000\n"
                "SYMBOL(b)=ffffffffffffffffff\n"   /* 72 bits */
                "SYMBOL(c)=12g4\n"
                "OFFSET(s.m)=0x10\n"               /* offsets are decimal */
                "OFFSET(s.n)= 16\n"
                "SIZE(t)=18446744073709551616\n"   /* 2^64 */
                "NUMBER(big)=-9223372036854775808\n"
                "NUMBER(bigger)=-9223372036854775809\n"
                "NUMBER(plus)=+1\n"
                "PAGESIZE=4000\n"
                "KERNELOFFSET=\n";
        _cleanup_vmcoreinfo_free_ VmcoreInfo *info = NULL;
        uint64_t u;
        int64_t n;

        ASSERT_OK(vmcoreinfo_parse(text, sizeof(text) - 1, &info, NULL));
        ASSERT_OK(vmcoreinfo_symbol(info, "a", &u));
        ASSERT_U64_EQ(u, UINT64_C(0xffffffff81000000));
        ASSERT_ERROR(vmcoreinfo_symbol(info, "b", &u), EBADMSG);
        ASSERT_ERROR(vmcoreinfo_symbol(info, "c", &u), EBADMSG);
        ASSERT_ERROR(vmcoreinfo_offset(info, "s.m", &u), EBADMSG);
        ASSERT_ERROR(vmcoreinfo_offset(info, "s.n", &u), EBADMSG);
        ASSERT_ERROR(vmcoreinfo_size(info, "t", &u), EBADMSG);
        ASSERT_OK(vmcoreinfo_number(info, "big", &n));
        ASSERT_TRUE(n == INT64_MIN);
        ASSERT_ERROR(vmcoreinfo_number(info, "bigger", &n), EBADMSG);
        ASSERT_ERROR(vmcoreinfo_number(info, "plus", &n), EBADMSG);
        ASSERT_ERROR(vmcoreinfo_page_size(info, &u), EBADMSG);
        ASSERT_ERROR(vmcoreinfo_kernel_offset(info, &u), EBADMSG);
        ASSERT_ERROR(vmcoreinfo_crash_time(info, &u), ENOENT);
        return TEST_PASS;
}
