/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <sys/stat.h>

#include "crashmem.h"
#include "proc-cmdline.h"
#include "tests.h"
#include "util.h"

static char *rootfs(const char *name) {
        _cleanup_free_ char *base = path_join(test_srcdir(), "unit/rootfs");
        return path_join(base, name);
}

/* Create root/path with the given contents, parents included. */
static int put_file(const char *root, const char *path, const char *contents) {
        _cleanup_free_ char *p = path_join(root, path);
        FILE *f;

        if (!p)
                return -ENOMEM;
        for (char *s = p + 1; *s; s++)
                if (*s == '/') {
                        *s = 0;
                        if (mkdir(p, 0755) < 0 && errno != EEXIST)
                                return -errno;
                        *s = '/';
                }
        f = fopen(p, "we");
        if (!f)
                return -errno;
        fputs(contents, f);
        return fclose(f) == 0 ? 0 : -errno;
}

static char *scratch_root(const char *name) {
        return path_join(test_tmpdir(), name);
}

/* ---- parsers ---- */

TEST(iomem_nested) {
        static const char s[] =
                "00001000-0009fbff : System RAM\n"
                "00100000-bffdffff : System RAM\n"
                "  2c000000-2d001fff : Kernel code\n"
                "  b5000000-bcffffff : Crash kernel\n"
                "100000000-23fffffff : System RAM\n"
                "  21c000000-23bffffff : Crash kernel\n"
                "    21c000000-21c000fff : nested deeper\n";
        IomemInfo i;

        ASSERT_OK(iomem_parse(s, sizeof(s) - 1, &i));
        ASSERT_FALSE(i.hidden);
        ASSERT_EQ(i.n_crash, 2);
        ASSERT_U64_EQ(i.crash[0].start, 0xb5000000);
        ASSERT_U64_EQ(i.crash[0].end, 0xbcffffff);
        ASSERT_U64_EQ(crash_range_size(&i.crash[1]), 512 * MiB);
        ASSERT_U64_EQ(i.crash_total, 640 * MiB);
        ASSERT_U64_EQ(i.system_ram, 0x9ec00 + 0xbfee0000 + 0x140000000);
        return TEST_PASS;
}

TEST(iomem_hidden) {
        static const char s[] =
                "00000000-00000000 : System RAM\n"
                "  00000000-00000000 : Crash kernel\n";
        IomemInfo i;

        ASSERT_OK(iomem_parse(s, sizeof(s) - 1, &i));
        ASSERT_TRUE(i.hidden);
        ASSERT_EQ(i.n_crash, 1);
        ASSERT_U64_EQ(i.crash_total, 0);
        ASSERT_U64_EQ(i.system_ram, 0);
        return TEST_PASS;
}

TEST(iomem_empty_and_bad) {
        IomemInfo i;

        ASSERT_OK(iomem_parse("", 0, &i));
        ASSERT_FALSE(i.hidden);
        ASSERT_EQ(i.n_crash, 0);
        ASSERT_OK(iomem_parse("\n\n", 2, &i));
        ASSERT_ERROR(iomem_parse("zz-10 : System RAM\n", 19, &i), EBADMSG);
        ASSERT_ERROR(iomem_parse("10-1 : System RAM\n", 18, &i), EBADMSG);          /* end < start */
        ASSERT_ERROR(iomem_parse("00-10 System RAM\n", 17, &i), EBADMSG);           /* no ':' */
        ASSERT_ERROR(iomem_parse("00000000000000000-1 : x\n", 24, &i), EBADMSG);    /* 17 digits */
        ASSERT_ERROR(iomem_parse("0-", 2, &i), EBADMSG);

        _cleanup_(buffer_done) Buffer b = {};
        for (int k = 0; k <= CRASH_RANGES_MAX; k++) {
                char line[64];
                int l = snprintf(line, sizeof(line), "  %x-%x : Crash kernel\n", k * 16, k * 16 + 15);
                ASSERT_OK(buffer_append(&b, line, (size_t) l));
        }
        ASSERT_ERROR(iomem_parse((const char *) b.data, b.size, &i), E2BIG);
        return TEST_PASS;
}

TEST(cma_ranges) {
        static const char s[] = "120000000-13fffffff\n00100000-001fffff\n";
        CrashRange r[4];
        size_t n;

        ASSERT_OK(cma_ranges_parse(s, sizeof(s) - 1, r, 4, &n));
        ASSERT_EQ(n, 2);
        ASSERT_U64_EQ(crash_range_size(&r[0]), 512 * MiB);
        ASSERT_U64_EQ(r[1].start, 0x100000);
        ASSERT_OK(cma_ranges_parse("", 0, r, 4, &n));
        ASSERT_EQ(n, 0);
        ASSERT_ERROR(cma_ranges_parse(s, sizeof(s) - 1, r, 1, &n), E2BIG);
        ASSERT_ERROR(cma_ranges_parse("100-200 x\n", 10, r, 4, &n), EBADMSG);
        ASSERT_ERROR(cma_ranges_parse("100\n", 4, r, 4, &n), EBADMSG);
        return TEST_PASS;
}

/* ---- reading fake roots ---- */

TEST(read_cma) {
        _cleanup_free_ char *root = rootfs("cma");
        _cleanup_(crashmem_done) CrashMem m = {};

        ASSERT_EQ(unsetenv(PROC_CMDLINE_ENV), 0);
        ASSERT_OK(crashmem_read(root, &m, NULL));
        ASSERT_TRUE(m.static_size_known);
        ASSERT_U64_EQ(m.static_size, 128 * MiB);
        ASSERT_STREQ(m.size_path, CRASH_SIZE_PATH);
        ASSERT_TRUE(crashmem_has_static(&m));
        ASSERT_TRUE(crashmem_has_cma(&m));
        ASSERT_EQ(m.n_cma, 1);
        ASSERT_U64_EQ(m.cma_size, 512 * MiB);
        ASSERT_STREQ(m.cma_path, CRASH_CMA_RANGES_PATH);
        ASSERT_EQ(m.loaded, 0);
        ASSERT_STREQ(m.loaded_path, CRASH_LOADED_PATH);
        ASSERT_EQ(m.cpu_hotplug, 1);
        ASSERT_EQ(m.memory_hotplug, 1);
        ASSERT_U64_EQ(m.elfcorehdr_size, 462512);
        ASSERT_FALSE(m.growable);
        ASSERT_TRUE(m.iomem_read);
        ASSERT_FALSE(m.iomem.hidden);
        ASSERT_EQ(m.iomem.n_crash, 1);
        ASSERT_U64_EQ(m.iomem.crash_total, 128 * MiB);
        ASSERT_U64_EQ(m.mem_total, UINT64_C(3895040) * KiB);
        ASSERT_U64_EQ(m.system_ram, UINT64_C(4294437888));
        ASSERT_EQ(m.crashkernel_error, 0);
        ASSERT_U64_EQ(m.crashkernel.size, 128 * MiB);
        ASSERT_U64_EQ(m.crashkernel.cma, 512 * MiB);
        return TEST_PASS;
}

TEST(read_static_loaded) {
        _cleanup_free_ char *root = rootfs("static");
        _cleanup_(crashmem_done) CrashMem m = {};

        ASSERT_OK(crashmem_read(root, &m, NULL));
        ASSERT_U64_EQ(m.static_size, 256 * MiB);
        ASSERT_FALSE(crashmem_has_cma(&m));
        ASSERT_NULL(m.cma_path);
        ASSERT_EQ(m.loaded, 1);
        ASSERT_EQ(m.cpu_hotplug, 0);
        ASSERT_EQ(m.memory_hotplug, -1);
        ASSERT_U64_EQ(m.elfcorehdr_size, 0);
        ASSERT_U64_EQ(m.iomem.crash_total, 256 * MiB);
        ASSERT_U64_EQ(m.iomem.crash[0].start, 0x6f000000);
        ASSERT_U64_EQ(m.system_ram, UINT64_C(2146954240));
        ASSERT_U64_EQ(m.crashkernel.size, 256 * MiB);
        return TEST_PASS;
}

TEST(read_high_low_old_names) {
        _cleanup_free_ char *root = rootfs("high-low");
        _cleanup_(crashmem_done) CrashMem m = {};

        ASSERT_OK(crashmem_read(root, &m, NULL));
        ASSERT_STREQ(m.size_path, CRASH_SIZE_PATH_OLD);
        ASSERT_STREQ(m.loaded_path, CRASH_LOADED_PATH_OLD);
        ASSERT_U64_EQ(m.static_size, 768 * MiB);
        ASSERT_EQ(m.loaded, 0);
        ASSERT_U64_EQ(m.elfcorehdr_size, 462512);
        ASSERT_EQ(m.iomem.n_crash, 2);
        ASSERT_U64_EQ(m.iomem.crash_total, 768 * MiB);
        ASSERT_U64_EQ(m.system_ram, UINT64_C(8589405184));
        ASSERT_EQ(m.crashkernel_error, 0);
        ASSERT_TRUE(m.crashkernel.high);
        ASSERT_U64_EQ(m.crashkernel.size, 512 * MiB);
        ASSERT_U64_EQ(m.crashkernel.low, 256 * MiB);
        ASSERT_U64_EQ(m.static_size, m.crashkernel.size + m.crashkernel.low);
        return TEST_PASS;
}

TEST(read_none) {
        _cleanup_free_ char *root = rootfs("none");
        _cleanup_(crashmem_done) CrashMem m = {};

        ASSERT_OK(crashmem_read(root, &m, NULL));
        ASSERT_TRUE(m.static_size_known);
        ASSERT_U64_EQ(m.static_size, 0);
        ASSERT_FALSE(crashmem_has_static(&m));
        ASSERT_FALSE(crashmem_has_cma(&m));
        ASSERT_STREQ(m.cma_path, CRASH_CMA_RANGES_PATH); /* file exists, empty */
        ASSERT_EQ(m.iomem.n_crash, 0);
        ASSERT_EQ(m.crashkernel_error, -ENOENT);
        return TEST_PASS;
}

TEST(read_unprivileged) {
        _cleanup_free_ char *root = rootfs("unpriv");
        _cleanup_(crashmem_done) CrashMem m = {};

        ASSERT_OK(crashmem_read(root, &m, NULL));
        ASSERT_TRUE(m.iomem_read);
        ASSERT_TRUE(m.iomem.hidden);
        ASSERT_EQ(m.iomem.n_crash, 1);
        ASSERT_U64_EQ(m.iomem.crash_total, 0);
        ASSERT_TRUE(crashmem_has_static(&m));
        /* No RAM size from iomem: MemTotal plus the reservation. */
        ASSERT_U64_EQ(m.system_ram, UINT64_C(1790000) * KiB + 192 * MiB);
        /* …which the range list evaluates like the kernel did (rounded to 2 GiB: 1G-4G → 192M). */
        ASSERT_EQ(m.crashkernel_error, 0);
        ASSERT_TRUE(m.crashkernel.range_list);
        ASSERT_U64_EQ(m.crashkernel.size, m.static_size);
        return TEST_PASS;
}

TEST(read_nothing_at_all) {
        _cleanup_free_ char *root = scratch_root("empty-root");
        _cleanup_(crashmem_done) CrashMem m = {};

        ASSERT_EQ(mkdir(root, 0755), 0);
        ASSERT_OK(crashmem_read(root, &m, NULL));
        ASSERT_FALSE(m.static_size_known);
        ASSERT_NULL(m.size_path);
        ASSERT_EQ(m.loaded, -1);
        ASSERT_FALSE(m.iomem_read);
        ASSERT_NULL(m.cmdline);
        ASSERT_EQ(m.crashkernel_error, -ENOENT);
        ASSERT_FALSE(crashmem_has_static(&m));
        crashmem_done(&m);

        /* Only a command line: RAM unknown, the size still evaluated. */
        ASSERT_OK(put_file(root, "/proc/cmdline", "crashkernel=256M crashkernel=1G,cma\n"));
        ASSERT_OK(crashmem_read(root, &m, NULL));
        ASSERT_U64_EQ(m.system_ram, 0);
        ASSERT_EQ(m.crashkernel_error, 0);
        ASSERT_U64_EQ(m.crashkernel.size, 256 * MiB);
        ASSERT_U64_EQ(m.crashkernel.cma, GiB);
        return TEST_PASS;
}

TEST(read_bad_files) {
        _cleanup_free_ char *a = scratch_root("bad-cma"), *b = scratch_root("bad-size"), *c = scratch_root("bad-iomem");
        const char *bad = NULL;
        CrashMem m;

        ASSERT_OK(put_file(a, CRASH_CMA_RANGES_PATH_OLD, "hello\n"));
        ASSERT_ERROR(crashmem_read(a, &m, &bad), EBADMSG);
        ASSERT_STREQ(bad, CRASH_CMA_RANGES_PATH_OLD);
        ASSERT_OK(put_file(b, CRASH_SIZE_PATH, "-5\n"));
        ASSERT_ERROR(crashmem_read(b, &m, &bad), EBADMSG);
        ASSERT_STREQ(bad, CRASH_SIZE_PATH);
        ASSERT_OK(put_file(c, "/proc/iomem", "00000000-0000ffff System RAM\n"));
        ASSERT_ERROR(crashmem_read(c, &m, &bad), EBADMSG);
        ASSERT_STREQ(bad, "/proc/iomem");
        return TEST_PASS;
}

/* ---- the need ---- */

TEST(need_hand_checked) {
        CrashNeed n;
        CrashNeedInput in = {
                .kernel_footprint = 64 * MiB, /* Debian 7.2: init_size 60.3 MiB at 2 MiB alignment */
                .initrd_size = 16 * MiB,
                .initrd_unpacked = 0,         /* estimated: 3 × 16 MiB */
                .cmdline_size = 200,
                .elfcorehdr_size = 462512,
        };

        ASSERT_OK(crashmem_compute_need(&in, &n));
        /* Static: 64 MiB + 16 MiB + 20 KiB (16 KiB + 200 B, page-rounded) + 64 KiB purgatory
         *       + 452 KiB (462512 B page-rounded) + 256 KiB control pages + 2 MiB margin
         *       = 86794240 B (82.77 MiB → 83 MiB). */
        ASSERT_U64_EQ(n.static_need, UINT64_C(86794240));
        /* Run time: 48 MiB unpacked + 36 MiB kernel + 0 MiB userspace + 8 MiB margin = 92 MiB. */
        ASSERT_U64_EQ(n.runtime_need, 92 * MiB);
        ASSERT_U64_EQ(n.classic_need, UINT64_C(86794240) + 92 * MiB);
        ASSERT_U64_EQ(n.classic_size, 175 * MiB);
        ASSERT_U64_EQ(n.cma_static_size, 83 * MiB);
        ASSERT_U64_EQ(n.cma_size, 92 * MiB);
        ASSERT_STREQ(n.classic, "crashkernel=175M");
        ASSERT_STREQ(n.cma, "crashkernel=83M crashkernel=92M,cma");
        ASSERT_EQ(n.n_items, 11);

        uint64_t s = 0, rt = 0;
        for (size_t i = 0; i < n.n_items; i++) {
                ASSERT_NOT_NULL(n.items[i].label);
                if (n.items[i].part == CRASH_NEED_STATIC)
                        s += n.items[i].bytes;
                else
                        rt += n.items[i].bytes;
        }
        ASSERT_U64_EQ(s, n.static_need);
        ASSERT_U64_EQ(rt, n.runtime_need);
        ASSERT_U64_EQ(crashmem_need_for_mode(&n, true), n.static_need);
        ASSERT_U64_EQ(crashmem_need_for_mode(&n, false), n.classic_need);
        return TEST_PASS;
}

TEST(need_measured_targets) {
        CrashNeed n;
        /* The targets with the measured Debian 7.2 kernel (init_size 60.3 MiB): CMA static
         * ≤ init_size + initrd + 8 MiB, classic ≤ 192M for an initrd ≤ 16 MiB. */
        CrashNeedInput in = {
                .kernel_footprint = 64 * MiB,
                .initrd_size = 16 * MiB,
                .initrd_unpacked = 45 * MiB,
                .cmdline_size = 300,
        };
        ASSERT_OK(crashmem_compute_need(&in, &n));
        ASSERT_LE(n.cma_static_size, UINT64_C(63234048) + 16 * MiB + 8 * MiB);
        ASSERT_LE(n.classic_size, 192 * MiB);
        ASSERT_STREQ(n.items[4].label, "ELF core header (estimated)");
        ASSERT_U64_EQ(n.items[4].bytes, 1 * MiB);
        ASSERT_STREQ(n.items[7].label, "unpacked initrd (tmpfs)");
        ASSERT_U64_EQ(n.items[7].bytes, 45 * MiB);
        return TEST_PASS;
}

TEST(need_bench_floor) {
        CrashNeed n;
        /* The lean sid 7.2 capture image as `tinykdump estimate` saw it in the bench guest
         * (docs/performance.md, 2026-12-06): its initrd with overlay, the kernel's
         * crash_elfcorehdr_size, a capture command line of a few hundred bytes. The bench's
         * floor sweep saved complete dumps with 136M to 148M and failed at 134M: the
         * recommendation is at least the smallest size measured working and at most that + 16 MiB. */
        CrashNeedInput in = {
                .kernel_footprint = 64 * MiB,
                .initrd_size = 10288476,
                .cmdline_size = 400,
                .elfcorehdr_size = 921600,
        };
        ASSERT_OK(crashmem_compute_need(&in, &n));
        ASSERT_U64_EQ(n.classic_size, 151 * MiB);
        ASSERT_LE(n.classic_size, (136 + 16) * MiB);
        ASSERT_GE(n.classic_size, 148 * MiB);
        ASSERT_U64_EQ(n.cma_static_size, 78 * MiB);
        return TEST_PASS;
}

TEST(need_errors) {
        CrashNeed n;
        CrashNeedInput in = { .kernel_footprint = 0, .initrd_size = MiB };

        ASSERT_ERROR(crashmem_compute_need(&in, &n), EINVAL);
        in.kernel_footprint = UINT64_MAX;
        ASSERT_ERROR(crashmem_compute_need(&in, &n), EFBIG);
        return TEST_PASS;
}

/* ---- shrink and grow ---- */

static int make_sysfs(const char *root, const char *size_path, const char *loaded_path, uint64_t size, int loaded,
                      bool cma) {
        char buf[32];
        int r;

        snprintf(buf, sizeof(buf), "%" PRIu64 "\n", size);
        r = put_file(root, size_path, buf);
        if (r >= 0)
                r = put_file(root, loaded_path, loaded ? "1\n" : "0\n");
        if (r >= 0 && cma)
                r = put_file(root, CRASH_CMA_RANGES_PATH, "120000000-13fffffff\n");
        return r;
}

static CrashNeed need_83m(void) {
        CrashNeed n = {};
        CrashNeedInput in = { .kernel_footprint = 64 * MiB, .initrd_size = 16 * MiB, .cmdline_size = 200,
                              .elfcorehdr_size = 462512 };
        (void) crashmem_compute_need(&in, &n);
        return n;
}

TEST(shrink_policy) {
        _cleanup_free_ char *a = scratch_root("pol-cma"), *b = scratch_root("pol-classic"), *c = scratch_root("pol-loaded");
        CrashNeed n = need_83m();
        CrashMem m;
        uint64_t t = 0;

        ASSERT_U64_EQ(n.cma_static_size, 83 * MiB);
        ASSERT_OK(make_sysfs(a, CRASH_SIZE_PATH, CRASH_LOADED_PATH, 128 * MiB, 0, true));
        ASSERT_OK(crashmem_read(a, &m, NULL));
        ASSERT_EQ(crashmem_shrink_policy(&m, &n, false, &t), 1); /* CMA: automatic */
        ASSERT_U64_EQ(t, 83 * MiB);
        crashmem_done(&m);

        ASSERT_OK(make_sysfs(b, CRASH_SIZE_PATH, CRASH_LOADED_PATH, 256 * MiB, 0, false));
        ASSERT_OK(crashmem_read(b, &m, NULL));
        t = 0;
        ASSERT_EQ(crashmem_shrink_policy(&m, &n, false, &t), 0); /* classic: only when asked */
        ASSERT_U64_EQ(t, 0);
        ASSERT_EQ(crashmem_shrink_policy(&m, &n, true, &t), 1);
        ASSERT_U64_EQ(t, 175 * MiB); /* the classic need, not the static one */
        crashmem_done(&m);

        ASSERT_OK(make_sysfs(c, CRASH_SIZE_PATH, CRASH_LOADED_PATH, 128 * MiB, 1, true));
        ASSERT_OK(crashmem_read(c, &m, NULL));
        ASSERT_EQ(crashmem_shrink_policy(&m, &n, true, &t), 0); /* loaded */
        crashmem_done(&m);

        /* Already small enough. */
        ASSERT_OK(make_sysfs(a, CRASH_SIZE_PATH, CRASH_LOADED_PATH, 83 * MiB, 0, true));
        ASSERT_OK(crashmem_read(a, &m, NULL));
        ASSERT_EQ(crashmem_shrink_policy(&m, &n, true, &t), 0);
        crashmem_done(&m);
        return TEST_PASS;
}

static int read_back(const char *root, const char *path, uint64_t *ret) {
        _cleanup_free_ char *s = NULL;
        int r = read_one_line_file_at(root, path, &s);
        return r < 0 ? r : safe_atou64(s, ret);
}

TEST(shrink_writes) {
        _cleanup_free_ char *root = scratch_root("shrink-new");
        CrashMem m;
        uint64_t v = 0;

        ASSERT_OK(make_sysfs(root, CRASH_SIZE_PATH, CRASH_LOADED_PATH, 128 * MiB, 0, true));
        ASSERT_OK(crashmem_read(root, &m, NULL));
        ASSERT_EQ(crashmem_shrink(root, &m, 83 * MiB), 1);
        ASSERT_OK(read_back(root, CRASH_SIZE_PATH, &v));
        ASSERT_U64_EQ(v, 83 * MiB);
        ASSERT_OK(crashmem_read_static_size(root, &m, &v));
        ASSERT_U64_EQ(v, 83 * MiB);
        /* Same size: nothing to do. Larger: refused. */
        ASSERT_EQ(crashmem_shrink(root, &m, 83 * MiB), 0);
        ASSERT_ERROR(crashmem_shrink(root, &m, 84 * MiB), ERANGE);
        /* Rounded up to a page like the kernel does. */
        ASSERT_EQ(crashmem_shrink(root, &m, 80 * MiB + 1), 1);
        ASSERT_OK(read_back(root, CRASH_SIZE_PATH, &v));
        ASSERT_U64_EQ(v, 80 * MiB + 4096);
        /* Loaded since we read: refused without writing. */
        ASSERT_OK(put_file(root, CRASH_LOADED_PATH, "1\n"));
        ASSERT_ERROR(crashmem_shrink(root, &m, 70 * MiB), EBUSY);
        ASSERT_OK(read_back(root, CRASH_SIZE_PATH, &v));
        ASSERT_U64_EQ(v, 80 * MiB + 4096);
        crashmem_done(&m);
        return TEST_PASS;
}

TEST(shrink_old_name) {
        _cleanup_free_ char *root = scratch_root("shrink-old");
        CrashMem m;
        uint64_t v = 0;

        ASSERT_OK(make_sysfs(root, CRASH_SIZE_PATH_OLD, CRASH_LOADED_PATH_OLD, 768 * MiB, 0, false));
        ASSERT_OK(crashmem_read(root, &m, NULL));
        ASSERT_STREQ(m.size_path, CRASH_SIZE_PATH_OLD);
        ASSERT_EQ(crashmem_shrink(root, &m, 191 * MiB), 1);
        ASSERT_OK(read_back(root, CRASH_SIZE_PATH_OLD, &v));
        ASSERT_U64_EQ(v, 191 * MiB);
        crashmem_done(&m);

        CrashMem none = {};
        ASSERT_ERROR(crashmem_shrink(root, &none, MiB), EOPNOTSUPP);
        return TEST_PASS;
}

TEST(grow_hook) {
        _cleanup_free_ char *root = scratch_root("grow");
        CrashMem m;
        uint64_t v = 0;

        ASSERT_OK(make_sysfs(root, CRASH_SIZE_PATH, CRASH_LOADED_PATH, 0, 0, true));
        ASSERT_OK(crashmem_read(root, &m, NULL));
        ASSERT_FALSE(m.growable);
        ASSERT_ERROR(crashmem_grow(root, &m, 83 * MiB), EOPNOTSUPP);
        crashmem_done(&m);

        ASSERT_OK(put_file(root, CRASH_SIZE_GROWABLE_PATH, "1\n"));
        ASSERT_OK(crashmem_read(root, &m, NULL));
        ASSERT_TRUE(m.growable);
        ASSERT_EQ(crashmem_grow(root, &m, 83 * MiB), 1);
        ASSERT_OK(read_back(root, CRASH_SIZE_PATH, &v));
        ASSERT_U64_EQ(v, 83 * MiB);
        ASSERT_EQ(crashmem_grow(root, &m, 83 * MiB), 0);
        ASSERT_ERROR(crashmem_grow(root, &m, 100 * MiB), EEXIST);
        ASSERT_OK(put_file(root, CRASH_SIZE_PATH, "0\n"));
        ASSERT_OK(put_file(root, CRASH_LOADED_PATH, "1\n"));
        ASSERT_ERROR(crashmem_grow(root, &m, 83 * MiB), EBUSY);
        crashmem_done(&m);
        return TEST_PASS;
}
