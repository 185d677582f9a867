/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <glob.h>

#include "bzimage.h"
#include "fixtures.h"
#include "tests.h"
#include "util.h"

static void put16(uint8_t *d, size_t o, uint16_t v) {
        d[o] = (uint8_t) v;
        d[o + 1] = (uint8_t) (v >> 8);
}
static void put32(uint8_t *d, size_t o, uint32_t v) {
        put16(d, o, (uint16_t) v);
        put16(d, o + 2, (uint16_t) (v >> 16));
}

/* fixture_bzimage(): a header like Debian's 7.2 kernel's (protocol 2.15, 2 MiB alignment, init_size
 * 60.3 MiB) with 4 setup sectors. */
static uint8_t *make_image(size_t size) {
        return fixture_bzimage(size, FIXTURE_DEBIAN_INIT_SIZE);
}

#define IMG_SIZE (16 * KiB)

TEST(synthetic) {
        _cleanup_free_ uint8_t *d = make_image(IMG_SIZE);
        char buf[16];
        BzImage b;

        ASSERT_NOT_NULL(d);
        ASSERT_OK(bzimage_parse(d, IMG_SIZE, &b));
        ASSERT_EQ(b.version, 0x020f);
        ASSERT_STREQ(bzimage_version_string(b.version, buf, sizeof(buf)), "2.15");
        ASSERT_EQ(b.setup_sects, 4);
        ASSERT_U64_EQ(b.setup_size, 5 * 512);
        ASSERT_U64_EQ(b.kernel_size, IMG_SIZE - 5 * 512);
        ASSERT_U64_EQ(b.kernel_alignment, 2 * MiB);
        ASSERT_TRUE(b.relocatable);
        ASSERT_EQ(b.min_alignment, 21);
        ASSERT_EQ(b.xloadflags, 0x7f);
        ASSERT_EQ(b.cmdline_size, 2047);
        ASSERT_EQ(b.payload_offset, 716);
        ASSERT_EQ(b.payload_length, 1000);
        ASSERT_U64_EQ(b.pref_address, 0x1000000);
        ASSERT_EQ(b.init_size, 63234048);
        ASSERT_EQ(b.handover_offset, 0x190);
        ASSERT_EQ(b.kernel_info_offset, 0x12345);
        ASSERT_OK(bzimage_check_kexec_file(&b));
        /* 60.3 MiB rounds up to 62 MiB at 2 MiB alignment, plus one alignment for placement. */
        ASSERT_U64_EQ(bzimage_crash_footprint(&b), 64 * MiB);
        return TEST_PASS;
}

TEST(setup_sects_zero_means_four) {
        _cleanup_free_ uint8_t *d = make_image(IMG_SIZE);
        BzImage b;

        d[0x1f1] = 0;
        ASSERT_OK(bzimage_parse(d, IMG_SIZE, &b));
        ASSERT_U64_EQ(b.setup_size, 5 * 512);
        return TEST_PASS;
}

TEST(not_bzimage) {
        _cleanup_free_ uint8_t *d = make_image(IMG_SIZE);
        BzImage b = { .version = 1 };

        ASSERT_ERROR(bzimage_parse(d, 1023, &b), ENOEXEC);
        ASSERT_ERROR(bzimage_parse(NULL, 0, &b), ENOEXEC);
        d[0x203] = 'x';
        ASSERT_ERROR(bzimage_parse(d, IMG_SIZE, &b), ENOEXEC);
        d[0x203] = 'd';
        put16(d, 0x1fe, 0);
        ASSERT_ERROR(bzimage_parse(d, IMG_SIZE, &b), ENOEXEC);
        put16(d, 0x1fe, 0xaa55);
        d[0x1f1] = 200; /* real-mode part larger than the file */
        ASSERT_ERROR(bzimage_parse(d, IMG_SIZE, &b), ENOEXEC);
        ASSERT_EQ(b.version, 1); /* untouched */
        return TEST_PASS;
}

TEST(inconsistent) {
        _cleanup_free_ uint8_t *d = make_image(IMG_SIZE);
        BzImage b;

        put32(d, 0x230, 0x300000); /* not a power of two */
        ASSERT_ERROR(bzimage_parse(d, IMG_SIZE, &b), EBADMSG);
        put32(d, 0x230, 0x200000);
        put32(d, 0x24c, IMG_SIZE); /* payload beyond the file */
        ASSERT_ERROR(bzimage_parse(d, IMG_SIZE, &b), EBADMSG);
        put32(d, 0x24c, 1000);
        put32(d, 0x248, UINT32_MAX); /* offset + length overflows 32 bits */
        ASSERT_ERROR(bzimage_parse(d, IMG_SIZE, &b), EBADMSG);
        return TEST_PASS;
}

TEST(kexec_file_checks) {
        _cleanup_free_ uint8_t *d = make_image(IMG_SIZE);
        BzImage b;

        put16(d, 0x206, 0x020b);
        ASSERT_OK(bzimage_parse(d, IMG_SIZE, &b));
        ASSERT_EQ(b.xloadflags, 0); /* field absent before 2.12 */
        ASSERT_ERROR(bzimage_check_kexec_file(&b), EPROTONOSUPPORT);

        put16(d, 0x206, 0x020c);
        put16(d, 0x236, 0x7f & ~BZIMAGE_XLF_KERNEL_64);
        ASSERT_OK(bzimage_parse(d, IMG_SIZE, &b));
        ASSERT_ERROR(bzimage_check_kexec_file(&b), ENOEXEC);
        put16(d, 0x236, BZIMAGE_XLF_KERNEL_64);
        ASSERT_OK(bzimage_parse(d, IMG_SIZE, &b));
        ASSERT_ERROR(bzimage_check_kexec_file(&b), ENOEXEC);
        put16(d, 0x236, BZIMAGE_XLF_KERNEL_64 | BZIMAGE_XLF_CAN_BE_LOADED_ABOVE_4G);
        d[0x211] = 0;
        ASSERT_OK(bzimage_parse(d, IMG_SIZE, &b));
        ASSERT_ERROR(bzimage_check_kexec_file(&b), ENOEXEC);
        d[0x211] = 1;
        ASSERT_OK(bzimage_parse(d, IMG_SIZE, &b));
        ASSERT_OK(bzimage_check_kexec_file(&b));
        return TEST_PASS;
}

TEST(cmdline_fits) {
        _cleanup_free_ uint8_t *d = make_image(IMG_SIZE);
        BzImage b;

        ASSERT_OK(bzimage_parse(d, IMG_SIZE, &b));
        ASSERT_OK(bzimage_check_cmdline(&b, 2047 - BZIMAGE_ELFCOREHDR_STR_LEN));
        ASSERT_ERROR(bzimage_check_cmdline(&b, 2048 - BZIMAGE_ELFCOREHDR_STR_LEN), E2BIG);
        return TEST_PASS;
}

TEST(footprint_old_protocol) {
        _cleanup_free_ uint8_t *d = make_image(IMG_SIZE);
        BzImage b;

        put16(d, 0x206, 0x0209); /* no init_size before 2.10 */
        ASSERT_OK(bzimage_parse(d, IMG_SIZE, &b));
        ASSERT_EQ(b.init_size, 0);
        ASSERT_U64_EQ(bzimage_crash_footprint(&b), 0);
        return TEST_PASS;
}

static TestResult check_real(const char *path) {
        _cleanup_free_ char *data = NULL;
        size_t size;
        BzImage b;
        char buf[16];
        int r;

        r = read_full_file_at(NULL, path, 256 * MiB, &data, &size);
        if (r == -EACCES)
                return TEST_SKIPPED;
        ASSERT_OK(r);
        ASSERT_OK(bzimage_parse(data, size, &b));
        printf("# %s: protocol %s, init_size %" PRIu32 ", alignment %" PRIu32 ", xloadflags 0x%x, footprint %" PRIu64 "\n",
               path, bzimage_version_string(b.version, buf, sizeof(buf)), b.init_size, b.kernel_alignment,
               b.xloadflags, bzimage_crash_footprint(&b));
        ASSERT_OK(bzimage_check_kexec_file(&b));
        ASSERT_GT(b.init_size, b.kernel_size); /* decompressed kernel is larger than the file */
        ASSERT_GE(bzimage_crash_footprint(&b), (uint64_t) b.init_size + b.kernel_alignment);
        return TEST_PASS;
}

TEST(real_kernels) {
        glob_t g = {};
        unsigned n = 0;
        const char *extra = getenv("TK_TEST_KERNEL");

        if (!isempty(extra)) {
                TestResult t = check_real(extra);
                if (t == TEST_FAIL)
                        return t;
                n += t == TEST_PASS;
        }
        if (glob("/boot/vmlinuz-*", 0, NULL, &g) == 0) {
                for (size_t i = 0; i < g.gl_pathc; i++) {
                        TestResult t = check_real(g.gl_pathv[i]);
                        if (t == TEST_FAIL) {
                                globfree(&g);
                                return t;
                        }
                        n += t == TEST_PASS;
                }
        }
        globfree(&g);
        if (n == 0)
                TEST_SKIP("no readable kernel in /boot (set $TK_TEST_KERNEL to a bzImage)");
        return TEST_PASS;
}
