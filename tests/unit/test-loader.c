/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* `tinykdump load` end to end against fake roots: image resolution (files and UKI), the capture
 * command line, the overlay appended to the initrd, the shrink decision and its write, the
 * kexec_file_load(2) call through the seam, its errors, and the state file. */
#include <fcntl.h>
#include <linux/kexec.h>
#include <sys/stat.h>

#include "cpio.h"
#include "fixtures.h"
#include "kexec.h"
#include "loader.h"
#include "tests.h"

#define RELEASE "7.2.0-test"
#define KERNEL_FILE_SIZE (1 * MiB)
#define INITRD_SIZE (3 * MiB + 3) /* not a multiple of 4: the overlay needs padding */

typedef struct RootOptions {
        const char *cmdline;
        const char *crash_size;      /* NULL: no sysfs file */
        const char *cma_ranges;      /* NULL: no file */
        const char *iomem;
        const char *config;
        bool uki;
} RootOptions;

static const char default_iomem[] =
        "00000000-00000fff : Reserved\n"
        "00001000-0009fbff : System RAM\n"
        "00100000-3ffdffff : System RAM\n"
        "  2f000000-36ffffff : Crash kernel\n";

static char *make_root(const char *name, const RootOptions *o) {
        _cleanup_free_ char *root = fixture_mkdtemp(name);
        _cleanup_free_ uint8_t *kernel = fixture_bzimage(KERNEL_FILE_SIZE, FIXTURE_DEBIAN_INIT_SIZE);
        _cleanup_free_ uint8_t *initrd = malloc(INITRD_SIZE);

        if (!root || !kernel || !initrd)
                return NULL;
        for (size_t i = 0; i < INITRD_SIZE; i++)
                initrd[i] = (uint8_t) (i * 7);

        if (fixture_write_string(root, "/proc/cmdline", o->cmdline ?: "BOOT_IMAGE=/vmlinuz root=/dev/vda1 "
                                 "console=ttyS0,115200 crashkernel=128M quiet\n") < 0 ||
            fixture_write_string(root, "/proc/sys/kernel/osrelease", RELEASE "\n") < 0 ||
            fixture_write_string(root, "/proc/sys/kernel/version", "#1 SMP PREEMPT_DYNAMIC Debian 7.2.0-1\n") < 0 ||
            fixture_write_string(root, "/proc/sys/kernel/hostname", "testhost\n") < 0 ||
            fixture_write_string(root, "/proc/sys/kernel/arch", "x86_64\n") < 0 ||
            fixture_write_string(root, "/proc/sys/kernel/random/boot_id", "0e4a5ad6-1bc4-4e2c-9a52-50b1e2a43a62\n") < 0 ||
            fixture_write_string(root, "/etc/machine-id", "d3b07384d113edec49eaa6238ad5ff00\n") < 0 ||
            fixture_write_string(root, "/proc/meminfo", "MemTotal:        1000000 kB\nMemFree:  500000 kB\n") < 0 ||
            fixture_write_string(root, "/proc/iomem", o->iomem ?: default_iomem) < 0 ||
            fixture_write_string(root, "/sys/kernel/kexec/crash_loaded", "0\n") < 0 ||
            fixture_write_string(root, "/run/.exists", "") < 0 ||
            fixture_write_string(root, TK_CONFIG_FILE,
                                 o->config ?: "[Target]\nWhat=UUID=1234-ABCD\n") < 0 ||
            fixture_symlink(root, "/dev/disk/by-uuid/1234-ABCD", "../../sdb1") < 0)
                return NULL;
        if (o->crash_size && fixture_write_string(root, "/sys/kernel/kexec/crash_size", o->crash_size) < 0)
                return NULL;
        if (o->cma_ranges && fixture_write_string(root, "/sys/kernel/kexec/crash_cma_ranges", o->cma_ranges) < 0)
                return NULL;

        if (o->uki) {
                _cleanup_(buffer_done) Buffer b = {};
                static const char cmdline[] = "systemd.log_level=debug\n";
                const FixtureSection s[] = {
                        { ".cmdline", cmdline, sizeof(cmdline) - 1 },
                        { ".uname", RELEASE, strlen(RELEASE) },
                        { ".linux", kernel, KERNEL_FILE_SIZE },
                        { ".initrd", initrd, INITRD_SIZE },
                };
                if (fixture_pe(s, ELEMENTSOF(s), &b) == 0 ||
                    fixture_write(root, "/usr/lib/tinykdump/capture.efi", b.data, b.size) < 0)
                        return NULL;
        } else if (fixture_write(root, CAPTURE_DIR "/" RELEASE "/vmlinuz", kernel, KERNEL_FILE_SIZE) < 0 ||
                   fixture_write(root, CAPTURE_DIR "/" RELEASE "/initrd.img", initrd, INITRD_SIZE) < 0)
                return NULL;
        return TAKE_PTR(root);
}

/* What the fake kexec_file_load() saw. */
static struct {
        unsigned calls;
        unsigned long flags;
        char cmdline[4096];
        unsigned long cmdline_len;
        Buffer kernel, initrd;
        int fail;
        unsigned fail_from, fail_to; /* fail only calls fail_from…fail_to (1-based); 0: every call */
} seen;

static int slurp(int fd, Buffer *b) {
        uint8_t buf[65536];
        ssize_t k;
        while ((k = read(fd, buf, sizeof(buf))) > 0)
                if (buffer_append(b, buf, (size_t) k) < 0)
                        return -ENOMEM;
        return k < 0 ? -errno : 0;
}

static long fake_load(int kernel_fd, int initrd_fd, unsigned long cmdline_len, const char *cmdline, unsigned long flags) {
        seen.calls++;
        seen.flags = flags;
        seen.cmdline_len = cmdline_len;
        snprintf(seen.cmdline, sizeof(seen.cmdline), "%s", cmdline ?: "");
        buffer_done(&seen.kernel);
        buffer_done(&seen.initrd);
        if (kernel_fd >= 0)
                (void) slurp(kernel_fd, &seen.kernel);
        if (initrd_fd >= 0)
                (void) slurp(initrd_fd, &seen.initrd);
        if (seen.fail && (seen.fail_from == 0 || (seen.calls >= seen.fail_from && seen.calls <= seen.fail_to))) {
                errno = seen.fail;
                return -1;
        }
        return 0;
}

static void reset_seen(int fail) {
        buffer_done(&seen.kernel);
        buffer_done(&seen.initrd);
        memset(&seen, 0, sizeof(seen));
        seen.fail = fail;
        kexec_set_file_load(fake_load);
}

static int load_root(const char *root, LoadPlan *plan, LoadResult *res, char **msg) {
        _cleanup_tk_config_free_ TkConfig *c = NULL;
        int r;

        r = tk_config_load(root, &c);
        if (r < 0)
                return r;
        for (size_t i = 0; i < c->diags.n; i++) {
                _cleanup_free_ char *d = conf_diag_format(&c->diags.items[i]);
                printf("# config: %s\n", strna(d));
        }
        r = load_plan_build(root, c, 0, plan, msg);
        if (r >= 0)
                r = load_plan_execute(root, plan, res, msg);
        if (r < 0)
                printf("# load: %s\n", strna(*msg));
        return r;
}

/* The overlay at the end of the loaded initrd, found by walking the cpio from the padded offset. */
static int overlay_capture_conf(const Buffer *initrd, size_t initrd_size, char **ret) {
        size_t start = initrd_size + cpio_initrd_padding(initrd_size);
        CpioReader rd;
        CpioEntry e;
        int r;

        if (initrd->size < start)
                return -EBADMSG;
        cpio_reader_init(&rd, initrd->data + start, initrd->size - start);
        while ((r = cpio_reader_next(&rd, &e)) > 0)
                if (streq(e.name, "etc/tinykdump/capture.conf")) {
                        *ret = strndup((const char *) e.data, e.size);
                        return *ret ? 0 : -ENOMEM;
                }
        return r < 0 ? r : -ENOENT;
}

TEST(classic_files) {
        RootOptions o = { .crash_size = "134217728\n" };
        _cleanup_free_ char *root = make_root("classic", &o), *msg = NULL, *conf = NULL, *size = NULL;
        _cleanup_(load_plan_done) LoadPlan p = {};
        _cleanup_(load_state_done) LoadState st = {};
        LoadResult res;

        ASSERT_NOT_NULL(root);
        reset_seen(0);
        ASSERT_OK(load_root(root, &p, &res, &msg));
        ASSERT_EQ(seen.calls, 1);
        ASSERT_EQ(seen.flags, KEXEC_FILE_ON_CRASH);
        ASSERT_FALSE(p.cma);
        /* classic mode: no shrink unless asked */
        ASSERT_FALSE(p.shrink);
        ASSERT_FALSE(res.shrunk);
        ASSERT_OK(read_one_line_file_at(root, "/sys/kernel/kexec/crash_size", &size));
        ASSERT_STREQ(size, "134217728");

        /* The kernel is passed unchanged; the initrd is the image's, padded, then the overlay. */
        ASSERT_EQ(seen.kernel.size, KERNEL_FILE_SIZE);
        ASSERT_EQ(seen.initrd.size, p.initrd_total);
        ASSERT_EQ(seen.initrd.size % 4, 0);
        for (size_t i = 0; i < INITRD_SIZE; i += 4099)
                ASSERT_EQ(seen.initrd.data[i], (uint8_t) (i * 7));
        ASSERT_OK(overlay_capture_conf(&seen.initrd, INITRD_SIZE, &conf));
        ASSERT_NOT_NULL(strstr(conf, "TARGET_WHAT=UUID=1234-ABCD\n"));
        ASSERT_NOT_NULL(strstr(conf, "CRASHED_KERNEL_RELEASE=" RELEASE "\n"));
        ASSERT_NOT_NULL(strstr(conf, "CRASHED_BOOT_ID=0e4a5ad61bc44e2c9a5250b1e2a43a62\n"));
        ASSERT_NOT_NULL(strstr(conf, "CRASHED_HOSTNAME=testhost\n"));

        /* Command line: console kept, boot-only words dropped, fixed words appended, NUL counted. */
        ASSERT_EQ(seen.cmdline_len, strlen(seen.cmdline) + 1);
        ASSERT_NOT_NULL(strstr(seen.cmdline, "console=ttyS0,115200"));
        ASSERT_NULL(strstr(seen.cmdline, "crashkernel="));
        ASSERT_NULL(strstr(seen.cmdline, "root="));
        ASSERT_NULL(strstr(seen.cmdline, "BOOT_IMAGE"));
        ASSERT_NULL(strstr(seen.cmdline, "quiet"));
        ASSERT_NOT_NULL(strstr(seen.cmdline, "nr_cpus=1"));
        ASSERT_NOT_NULL(strstr(seen.cmdline, "reset_devices"));

        /* The state file says what was loaded. */
        ASSERT_OK(load_state_read(root, &st));
        ASSERT_STREQ(st.kernel, CAPTURE_DIR "/" RELEASE "/vmlinuz");
        ASSERT_STREQ(st.mode, "classic");
        ASSERT_STREQ(st.cmdline, seen.cmdline);
        ASSERT_U64_EQ(st.initrd_size, p.initrd_total);
        ASSERT_U64_EQ(st.static_before, 128 * MiB);
        ASSERT_U64_EQ(st.static_after, 128 * MiB);
        /* the classic need includes the run-time memory */
        ASSERT_U64_EQ(st.need_static, p.need.classic_need);
        ASSERT_GT(p.need.classic_need, p.need.static_need);
        reset_seen(0);
        return TEST_PASS;
}

TEST(cma_shrinks_to_need) {
        RootOptions o = {
                .cmdline = "console=ttyS0 crashkernel=128M crashkernel=512M,cma",
                .crash_size = "134217728\n",
                .cma_ranges = "40000000-5fffffff\n",
        };
        _cleanup_free_ char *root = make_root("cma", &o), *msg = NULL, *size = NULL;
        _cleanup_(load_plan_done) LoadPlan p = {};
        LoadResult res;
        uint64_t written;

        ASSERT_NOT_NULL(root);
        reset_seen(0);
        ASSERT_OK(load_root(root, &p, &res, &msg));
        ASSERT_TRUE(p.cma);
        ASSERT_TRUE(p.shrink);
        ASSERT_TRUE(res.shrunk);
        ASSERT_U64_EQ(p.need_static, p.need.static_need);
        /* The need holds the kernel's init_size and the initrd with its overlay. */
        ASSERT_GE(p.need_static, (uint64_t) FIXTURE_DEBIAN_INIT_SIZE + p.initrd_total);
        ASSERT_LT(p.need_static, 128 * MiB);
        ASSERT_OK(read_one_line_file_at(root, "/sys/kernel/kexec/crash_size", &size));
        ASSERT_OK(safe_atou64(size, &written));
        ASSERT_U64_EQ(written, p.shrink_to);
        ASSERT_GE(written, p.need_static);
        ASSERT_LE(written, p.need_static + 4 * MiB);
        ASSERT_EQ(seen.calls, 1);
        reset_seen(0);
        return TEST_PASS;
}

TEST(classic_shrink_opt_in) {
        RootOptions o = {
                .crash_size = "536870912\n",
                .config = "[Target]\nWhat=UUID=1234-ABCD\n[Memory]\nShrinkReservation=yes\n",
        };
        _cleanup_free_ char *root = make_root("classic-shrink", &o), *msg = NULL;
        _cleanup_(load_plan_done) LoadPlan p = {};
        LoadResult res;

        ASSERT_NOT_NULL(root);
        reset_seen(0);
        ASSERT_OK(load_root(root, &p, &res, &msg));
        ASSERT_TRUE(res.shrunk);
        ASSERT_GE(res.static_after, p.need.classic_need);
        ASSERT_LT(res.static_after, 512 * MiB);
        reset_seen(0);
        return TEST_PASS;
}

TEST(uki) {
        RootOptions o = {
                .crash_size = "134217728\n",
                .uki = true,
                .config = "[Capture]\nImage=/usr/lib/tinykdump/capture.efi\nKernelCommandLine=loglevel=7\n"
                          "[Target]\nWhat=LABEL=DUMPS\nFileSystemType=vfat\n",
        };
        _cleanup_free_ char *root = make_root("uki", &o), *msg = NULL, *conf = NULL;
        _cleanup_(load_plan_done) LoadPlan p = {};
        LoadResult res;

        ASSERT_NOT_NULL(root);
        ASSERT_OK(fixture_symlink(root, "/dev/disk/by-label/DUMPS", "../../sdc1"));
        reset_seen(0);
        ASSERT_OK(load_root(root, &p, &res, &msg));
        ASSERT_EQ(seen.kernel.size, KERNEL_FILE_SIZE);
        ASSERT_OK(overlay_capture_conf(&seen.initrd, INITRD_SIZE, &conf));
        ASSERT_NOT_NULL(strstr(conf, "TARGET_WHAT=LABEL=DUMPS\n"));
        ASSERT_NOT_NULL(strstr(conf, "TARGET_FSTYPE=vfat\n"));
        ASSERT_TRUE(p.target_present);
        /* the UKI's own .cmdline, then the configuration's words */
        const char *a = strstr(seen.cmdline, "systemd.log_level=debug"), *b = strstr(seen.cmdline, "loglevel=7");
        ASSERT_NOT_NULL(a);
        ASSERT_NOT_NULL(b);
        ASSERT_TRUE(a < b);
        reset_seen(0);
        return TEST_PASS;
}

TEST(kexec_error_too_small) {
        RootOptions o = { .crash_size = "67108864\n", .iomem = "00100000-3ffdffff : System RAM\n  30000000-33ffffff : Crash kernel\n" };
        _cleanup_free_ char *root = make_root("small", &o), *msg = NULL;
        _cleanup_(load_plan_done) LoadPlan p = {};
        LoadResult res;

        ASSERT_NOT_NULL(root);
        reset_seen(EADDRNOTAVAIL);
        ASSERT_ERROR(load_root(root, &p, &res, &msg), EADDRNOTAVAIL);
        ASSERT_NOT_NULL(msg);
        ASSERT_NOT_NULL(strstr(msg, "have 64 MiB"));
        ASSERT_NOT_NULL(strstr(msg, "need "));
        /* no state recorded for a failed load */
        LoadState st;
        ASSERT_ERROR(load_state_read(root, &st), ENOENT);
        reset_seen(0);
        return TEST_PASS;
}

TEST(refuses_invalid_config) {
        RootOptions o = { .crash_size = "134217728\n", .config = "[Target]\nWhat=UUID=1234-ABCD\n[Dump]\nLevel=40\n" };
        _cleanup_free_ char *root = make_root("invalid", &o), *msg = NULL;
        _cleanup_(load_plan_done) LoadPlan p = {};
        LoadResult res;

        ASSERT_NOT_NULL(root);
        reset_seen(0);
        ASSERT_ERROR(load_root(root, &p, &res, &msg), EINVAL);
        ASSERT_EQ(seen.calls, 0);
        return TEST_PASS;
}

TEST(missing_kernel_named) {
        RootOptions o = { .crash_size = "134217728\n" };
        _cleanup_free_ char *root = make_root("missing", &o), *msg = NULL, *k = NULL;
        _cleanup_(load_plan_done) LoadPlan p = {};
        LoadResult res;

        ASSERT_NOT_NULL(root);
        k = path_join(root, CAPTURE_DIR "/" RELEASE "/vmlinuz");
        ASSERT_OK(RET_NERRNO(unlink(k)));
        reset_seen(0);
        ASSERT_ERROR(load_root(root, &p, &res, &msg), ENOENT);
        ASSERT_NOT_NULL(strstr(msg, CAPTURE_DIR "/" RELEASE "/vmlinuz"));
        ASSERT_EQ(seen.calls, 0);
        return TEST_PASS;
}

TEST(not_a_kernel) {
        RootOptions o = { .crash_size = "134217728\n" };
        _cleanup_free_ char *root = make_root("notkernel", &o), *msg = NULL;
        _cleanup_(load_plan_done) LoadPlan p = {};
        LoadResult res;

        ASSERT_NOT_NULL(root);
        ASSERT_OK(fixture_write_string(root, CAPTURE_DIR "/" RELEASE "/vmlinuz", "#!/bin/sh\necho hi\n"));
        reset_seen(0);
        ASSERT_ERROR(load_root(root, &p, &res, &msg), ENOEXEC);
        ASSERT_NOT_NULL(strstr(msg, "not an x86 bzImage"));
        return TEST_PASS;
}

TEST(estimate_without_target) {
        RootOptions o = { .crash_size = "134217728\n", .config = "# nothing\n" };
        _cleanup_free_ char *root = make_root("estimate", &o), *msg = NULL;
        _cleanup_tk_config_free_ TkConfig *c = NULL;
        _cleanup_(load_plan_done) LoadPlan p = {};

        ASSERT_NOT_NULL(root);
        ASSERT_OK(tk_config_load(root, &c));
        ASSERT_FALSE(tk_config_is_valid(c));
        ASSERT_ERROR(load_plan_build(root, c, 0, &p, &msg), EINVAL);
        ASSERT_OK(load_plan_build(root, c, LOAD_PLAN_ESTIMATE, &p, &msg));
        ASSERT_GT(p.need.classic_need, 0);
        ASSERT_TRUE(startswith(p.need.classic, "crashkernel="));
        return TEST_PASS;
}

/* A region below the need: the plan says which part, need and have, before anything is loaded;
 * the load records it in the state file for status; a region that holds the need records nothing. */
TEST(below_need_classic) {
        RootOptions small = { .crash_size = "100663296\n" }, big = { .crash_size = "1073741824\n",
                .iomem = "00100000-7fffffff : System RAM\n  30000000-6fffffff : Crash kernel\n" };
        _cleanup_free_ char *r1 = make_root("below-need", &small), *r2 = make_root("above-need", &big), *msg = NULL;
        _cleanup_(load_plan_done) LoadPlan p = {}, q = {};
        _cleanup_(load_state_done) LoadState st = {}, st2 = {};
        LoadResult res;
        LoadMemoryFit fit;

        ASSERT_NOT_NULL(r1);
        ASSERT_NOT_NULL(r2);
        reset_seen(0);
        ASSERT_OK(load_root(r1, &p, &res, &msg));
        fit = load_plan_memory_fit(&p);
        ASSERT_EQ(fit.part, LOAD_MEMORY_STATIC);
        ASSERT_U64_EQ(fit.need, p.need.classic_need);
        ASSERT_U64_EQ(fit.have, 96 * MiB);
        ASSERT_STREQ(load_memory_part_to_string(fit.part), "static");
        ASSERT_OK(load_state_read(r1, &st));
        ASSERT_STREQ(st.memory_short, "static");
        ASSERT_U64_EQ(st.memory_need, p.need.classic_need);
        ASSERT_U64_EQ(st.memory_have, 96 * MiB);

        ASSERT_OK(load_root(r2, &q, &res, &msg));
        fit = load_plan_memory_fit(&q);
        ASSERT_EQ(fit.part, LOAD_MEMORY_ENOUGH);
        ASSERT_OK(load_state_read(r2, &st2));
        ASSERT_NULL(st2.memory_short);
        ASSERT_U64_EQ(st2.memory_need, 0);
        reset_seen(0);
        return TEST_PASS;
}

/* CMA mode: the static part holds kernel and initrd; CMA ranges below the run-time need are short. */
TEST(below_need_cma) {
        RootOptions o = {
                .cmdline = "console=ttyS0 crashkernel=128M crashkernel=16M,cma",
                .crash_size = "134217728\n",
                .cma_ranges = "40000000-40ffffff\n",
        };
        _cleanup_free_ char *root = make_root("below-need-cma", &o), *msg = NULL;
        _cleanup_(load_plan_done) LoadPlan p = {};
        _cleanup_tk_config_free_ TkConfig *c = NULL;
        _cleanup_strv_free_ char **fields = NULL;
        LoadMemoryFit fit;

        ASSERT_NOT_NULL(root);
        ASSERT_OK(tk_config_load(root, &c));
        ASSERT_OK(load_plan_build(root, c, 0, &p, &msg));
        ASSERT_TRUE(p.cma);
        fit = load_plan_memory_fit(&p);
        ASSERT_EQ(fit.part, LOAD_MEMORY_CMA);
        ASSERT_U64_EQ(fit.need, p.need.runtime_need);
        ASSERT_U64_EQ(fit.have, 16 * MiB);
        /* The static part alone would do: the shrink keeps at least its need. */
        ASSERT_GE(p.shrink ? p.shrink_to : p.mem.static_size, p.need_static);

        /* The journal record names outcome, part, need and have. */
        ASSERT_OK(load_memory_record(&p, &fit, "refused", "crashkernel=90M crashkernel=160M,cma", &fields));
        ASSERT_TRUE(strv_contains(fields, "MESSAGE_ID=cc6e75c1c0d2463da5c4f17af3a6660e"));
        ASSERT_TRUE(strv_contains(fields, "PRIORITY=3"));
        ASSERT_TRUE(strv_contains(fields, "TINYKDUMP_LOAD=refused"));
        ASSERT_TRUE(strv_contains(fields, "TINYKDUMP_MODE=cma"));
        ASSERT_TRUE(strv_contains(fields, "TINYKDUMP_MEMORY_PART=cma"));
        ASSERT_TRUE(strv_contains(fields, "TINYKDUMP_MEMORY_HAVE=16777216"));
        ASSERT_TRUE(strv_contains(fields, "TINYKDUMP_RECOMMENDED=crashkernel=90M crashkernel=160M,cma"));
        ASSERT_NOT_NULL(strstr(fields[2], "MESSAGE=Refused to load "));
        ASSERT_NOT_NULL(strstr(fields[2], "vmlinuz: the CMA reservation (16M) is below its need ("));
        ASSERT_NOT_NULL(strstr(fields[2], "), the capture would likely run out of memory."));
        return TEST_PASS;
}

/* Without the size attribute nothing can be said, and nothing is claimed. */
TEST(below_need_unknown) {
        RootOptions o = {};
        _cleanup_free_ char *root = make_root("below-need-unknown", &o), *msg = NULL;
        _cleanup_(load_plan_done) LoadPlan p = {};
        _cleanup_tk_config_free_ TkConfig *c = NULL;

        ASSERT_NOT_NULL(root);
        ASSERT_OK(tk_config_load(root, &c));
        ASSERT_OK(load_plan_build(root, c, 0, &p, &msg));
        ASSERT_FALSE(p.mem.static_size_known);
        ASSERT_EQ(load_plan_memory_fit(&p).part, LOAD_MEMORY_UNKNOWN);
        ASSERT_NULL(load_memory_part_to_string(LOAD_MEMORY_UNKNOWN));
        return TEST_PASS;
}

TEST(state_roundtrip) {
        LoadState s = {
                .kernel = (char *) "/k", .initrd = (char *) "/i", .cmdline = (char *) "a=b c",
                .mode = (char *) "cma", .loaded_at_usec = 42, .initrd_size = 7, .need_static = 9,
                .memory_short = (char *) "static", .memory_need = 11, .memory_have = 10,
        }, t = {};
        ConfDiagList d = {};
        _cleanup_free_ char *text = NULL;

        ASSERT_OK(load_state_format(&s, &text));
        ASSERT_OK(load_state_parse("x", text, strlen(text), &t, &d));
        ASSERT_FALSE(conf_diags_has_errors(&d));
        ASSERT_STREQ(t.kernel, "/k");
        ASSERT_STREQ(t.cmdline, "a=b c");
        ASSERT_NULL(t.image);
        ASSERT_U64_EQ(t.loaded_at_usec, 42);
        ASSERT_U64_EQ(t.need_static, 9);
        ASSERT_STREQ(t.memory_short, "static");
        ASSERT_U64_EQ(t.memory_need, 11);
        ASSERT_U64_EQ(t.memory_have, 10);
        load_state_done(&t);
        conf_diags_done(&d);
        return TEST_PASS;
}

/* A kernel with kernel-patches/ (crash_size_growable) and crashkernel=Y,cma alone: the load
 * allocates exactly the need from CMA, and a failed load gives it back. */
TEST(grow_from_cma) {
        RootOptions o = {
                .cmdline = "console=ttyS0 crashkernel=256M,cma",
                .crash_size = "0\n",
                .cma_ranges = "40000000-4fffffff\n",
                .iomem = "00100000-3ffdffff : System RAM\n",
        };
        _cleanup_free_ char *root = make_root("grow", &o), *msg = NULL, *size = NULL;
        _cleanup_(load_plan_done) LoadPlan p = {}, q = {};
        _cleanup_(load_state_done) LoadState st = {};
        LoadResult res;
        uint64_t v;

        ASSERT_NOT_NULL(root);
        ASSERT_OK(fixture_write_string(root, "/sys/kernel/kexec/crash_size_growable", "268435456\n"));
        reset_seen(0);
        ASSERT_OK(load_root(root, &p, &res, &msg));
        ASSERT_TRUE(p.grow);
        ASSERT_FALSE(p.shrink);
        ASSERT_TRUE(res.grown);
        ASSERT_OK(read_one_line_file_at(root, "/sys/kernel/kexec/crash_size", &size));
        ASSERT_OK(safe_atou64(size, &v));
        ASSERT_U64_EQ(v, align_up_u64(p.need_static, 4096));
        ASSERT_U64_EQ(res.static_after, v);
        ASSERT_OK(load_state_read(root, &st));
        ASSERT_U64_EQ(st.grown, 1);
        ASSERT_U64_EQ(st.static_before, 0);

        /* A failed load must not leave the memory withheld. */
        free(size);
        size = NULL;
        ASSERT_OK(fixture_write_string(root, "/sys/kernel/kexec/crash_size", "0\n"));
        reset_seen(EKEYREJECTED);
        ASSERT_ERROR(load_root(root, &q, &res, &msg), EKEYREJECTED);
        ASSERT_OK(read_one_line_file_at(root, "/sys/kernel/kexec/crash_size", &size));
        ASSERT_STREQ(size, "0");
        reset_seen(0);
        return TEST_PASS;
}

TEST(grow_error_sentences) {
        ASSERT_NOT_NULL(strstr(crashmem_grow_strerror(-ENOMEM), "retrying later may succeed"));
        ASSERT_NOT_NULL(strstr(crashmem_grow_strerror(-ENOSPC), "raise crashkernel="));
        ASSERT_NOT_NULL(strstr(crashmem_grow_strerror(-EEXIST), "already allocated"));
        return TEST_PASS;
}

/* The resolved erase plan travels in the overlay next to capture.conf, readable by root only. */
TEST(overlay_carries_extra_files) {
        RootOptions o = { .crash_size = "134217728\n" };
        _cleanup_free_ char *root = make_root("erase-plan", &o), *msg = NULL;
        _cleanup_(load_plan_done) LoadPlan p = {};
        _cleanup_tk_config_free_ TkConfig *c = NULL;
        static const char plan[] = "erase-plan version=1\non-failure delete\n";
        CaptureOverlayFile extra = { .path = "/etc/tinykdump/erase.plan", .mode = 0600, .data = plan, .size = strlen(plan) };
        CpioReader rd;
        CpioEntry e;
        bool found = false;
        int r;

        ASSERT_NOT_NULL(root);
        ASSERT_OK(tk_config_load(root, &c));
        ASSERT_OK(load_plan_build_with(root, c, 0, &extra, 1, &p, &msg));
        cpio_reader_init(&rd, p.overlay.data, p.overlay.size);
        while ((r = cpio_reader_next(&rd, &e)) > 0)
                if (streq(e.name, "etc/tinykdump/erase.plan")) {
                        ASSERT_EQ(e.size, strlen(plan));
                        ASSERT_TRUE(memcmp(e.data, plan, e.size) == 0);
                        ASSERT_EQ(e.mode & 07777, 0600);
                        found = true;
                }
        ASSERT_OK(r);
        ASSERT_TRUE(found);
        return TEST_PASS;
}

/* ---- reload ---- */

/* A first load through load_plan_replace(), then the machine reports it loaded; the second plan
 * differs (another KernelCommandLine=) so that a restore is told apart from the new load. */
static int reload_setup(const char *root, Buffer *first_kernel, Buffer *first_initrd, char **first_cmdline) {
        _cleanup_(load_plan_done) LoadPlan p = {};
        _cleanup_(reload_report_done) ReloadReport rep = {};
        _cleanup_free_ char *msg = NULL;
        LoadResult res;
        int r;

        r = load_root(root, &p, &res, &msg);
        if (r < 0)
                return r;
        if (buffer_append(first_kernel, seen.kernel.data, seen.kernel.size) < 0 ||
            buffer_append(first_initrd, seen.initrd.data, seen.initrd.size) < 0 ||
            !(*first_cmdline = strdup(seen.cmdline)))
                return -ENOMEM;
        if (fixture_write_string(root, "/sys/kernel/kexec/crash_loaded", "1\n") < 0 ||
            fixture_write_string(root, TK_CONFIG_FILE,
                                 "[Target]\nWhat=UUID=1234-ABCD\n[Capture]\nKernelCommandLine=tk.second=1\n") < 0)
                return -EIO;
        return 0;
}

static int reload_root(const char *root, ReloadReport *rep, char **msg) {
        _cleanup_tk_config_free_ TkConfig *c = NULL;
        _cleanup_(load_plan_done) LoadPlan p = {};
        LoadResult res;
        int r;

        r = tk_config_load(root, &c);
        if (r < 0)
                return r;
        r = load_plan_build(root, c, 0, &p, msg);
        if (r < 0)
                return r;
        if (p.mem.loaded != 1)
                return -ESRCH;
        return load_plan_replace(root, &p, &res, rep, msg);
}

TEST(reload_failure_loads_the_previous_again) {
        RootOptions o = { .crash_size = "134217728\n" };
        _cleanup_free_ char *root = make_root("reload-restore", &o), *msg = NULL, *cmdline = NULL;
        _cleanup_(buffer_done) Buffer kernel = {}, initrd = {};
        _cleanup_(reload_report_done) ReloadReport rep = {};
        _cleanup_(load_state_done) LoadState st = {};

        ASSERT_NOT_NULL(root);
        reset_seen(0);
        ASSERT_OK(reload_setup(root, &kernel, &initrd, &cmdline));
        ASSERT_NULL(strstr(cmdline, "tk.second=1"));

        reset_seen(ENOMEM);
        seen.fail_from = seen.fail_to = 2; /* counted from this reload: 1 unload, 2 new load, 3 restore */
        ASSERT_ERROR(reload_root(root, &rep, &msg), ENOMEM);
        ASSERT_NOT_NULL(strstr(msg, "too small"));
        ASSERT_EQ(seen.calls, 3);
        ASSERT_TRUE(rep.replaced);
        ASSERT_TRUE(rep.restorable);
        ASSERT_TRUE(rep.restored);
        ASSERT_EQ(rep.restore_error, 0);
        /* What was loaded again is byte for byte what was loaded first. */
        ASSERT_EQ(seen.flags, KEXEC_FILE_ON_CRASH);
        ASSERT_STREQ(seen.cmdline, cmdline);
        ASSERT_EQ(seen.kernel.size, kernel.size);
        ASSERT_EQ(memcmp(seen.kernel.data, kernel.data, kernel.size), 0);
        ASSERT_EQ(seen.initrd.size, initrd.size);
        ASSERT_EQ(memcmp(seen.initrd.data, initrd.data, initrd.size), 0);
        /* The state still describes the first load, and says that a reload failed. */
        ASSERT_OK(load_state_read(root, &st));
        ASSERT_STREQ(st.cmdline, cmdline);
        ASSERT_GT(st.reload_failed_at_usec, 0);
        ASSERT_NOT_NULL(strstr(st.reload_error, "too small"));
        ASSERT_STREQ(st.kernel_file, CAPTURE_DIR "/" RELEASE "/vmlinuz");
        ASSERT_EQ(strlen(st.kernel_sha256), 64);
        reset_seen(0);
        return TEST_PASS;
}

TEST(reload_success_replaces) {
        RootOptions o = { .crash_size = "134217728\n" };
        _cleanup_free_ char *root = make_root("reload-ok", &o), *msg = NULL, *cmdline = NULL;
        _cleanup_(buffer_done) Buffer kernel = {}, initrd = {};
        _cleanup_(reload_report_done) ReloadReport rep = {};
        _cleanup_(load_state_done) LoadState st = {};

        ASSERT_NOT_NULL(root);
        reset_seen(0);
        ASSERT_OK(reload_setup(root, &kernel, &initrd, &cmdline));
        reset_seen(0);
        ASSERT_OK(reload_root(root, &rep, &msg));
        ASSERT_EQ(seen.calls, 2);
        ASSERT_TRUE(rep.replaced && rep.restorable && !rep.restored);
        ASSERT_NOT_NULL(strstr(seen.cmdline, "tk.second=1"));
        ASSERT_OK(load_state_read(root, &st));
        ASSERT_NOT_NULL(strstr(st.cmdline, "tk.second=1"));
        ASSERT_U64_EQ(st.reload_failed_at_usec, 0);
        reset_seen(0);
        return TEST_PASS;
}

TEST(reload_failure_with_changed_files_says_why) {
        RootOptions o = { .crash_size = "134217728\n" };
        _cleanup_free_ char *root = make_root("reload-stale", &o), *msg = NULL, *cmdline = NULL;
        _cleanup_(buffer_done) Buffer kernel = {}, initrd = {};
        _cleanup_(reload_report_done) ReloadReport rep = {};
        LoadState st = {};

        ASSERT_NOT_NULL(root);
        reset_seen(0);
        ASSERT_OK(reload_setup(root, &kernel, &initrd, &cmdline));
        /* The initrd was rebuilt in place since: loading "the previous one" would load something else. */
        ASSERT_OK(fixture_write_string(root, CAPTURE_DIR "/" RELEASE "/initrd.img", "rebuilt\n"));
        reset_seen(ENOMEM);
        seen.fail_from = seen.fail_to = 2;
        ASSERT_ERROR(reload_root(root, &rep, &msg), ENOMEM);
        ASSERT_EQ(seen.calls, 2); /* unload, new load: no restore attempted */
        ASSERT_TRUE(rep.replaced);
        ASSERT_FALSE(rep.restorable);
        ASSERT_FALSE(rep.restored);
        ASSERT_NOT_NULL(strstr(rep.not_restorable, "initrd.img changed since it was loaded"));
        /* Nothing is loaded: no state claims otherwise. */
        ASSERT_ERROR(load_state_read(root, &st), ENOENT);
        ASSERT_FALSE(exists_at(root, LOAD_OVERLAY_PATH));
        reset_seen(0);
        return TEST_PASS;
}

TEST(reload_failure_and_restore_failure) {
        RootOptions o = { .crash_size = "134217728\n" };
        _cleanup_free_ char *root = make_root("reload-both", &o), *msg = NULL, *cmdline = NULL;
        _cleanup_(buffer_done) Buffer kernel = {}, initrd = {};
        _cleanup_(reload_report_done) ReloadReport rep = {};
        LoadState st = {};

        ASSERT_NOT_NULL(root);
        reset_seen(0);
        ASSERT_OK(reload_setup(root, &kernel, &initrd, &cmdline));
        reset_seen(EKEYREJECTED);
        seen.fail_from = 2, seen.fail_to = 3;
        ASSERT_ERROR(reload_root(root, &rep, &msg), EKEYREJECTED);
        ASSERT_EQ(seen.calls, 3);
        ASSERT_TRUE(rep.restorable);
        ASSERT_FALSE(rep.restored);
        ASSERT_EQ(rep.restore_error, -EKEYREJECTED);
        ASSERT_NOT_NULL(strstr(rep.restore_message, "signature"));
        ASSERT_ERROR(load_state_read(root, &st), ENOENT);
        reset_seen(0);
        return TEST_PASS;
}

TEST(reload_without_a_record) {
        RootOptions o = { .crash_size = "134217728\n" };
        _cleanup_free_ char *root = make_root("reload-foreign", &o), *msg = NULL;
        _cleanup_(reload_report_done) ReloadReport rep = {};

        ASSERT_NOT_NULL(root);
        /* Loaded by something else: nothing to load again, and the reason names the state file. */
        ASSERT_OK(fixture_write_string(root, "/sys/kernel/kexec/crash_loaded", "1\n"));
        reset_seen(0);
        ASSERT_OK(reload_root(root, &rep, &msg));
        ASSERT_TRUE(rep.replaced);
        ASSERT_FALSE(rep.restorable);
        ASSERT_NOT_NULL(strstr(rep.not_restorable, LOAD_STATE_PATH " does not exist"));
        reset_seen(0);
        return TEST_PASS;
}

/* ---- the shrink record ---- */

TEST(shrink_is_recorded_and_outlives_reload) {
        RootOptions o = {
                .cmdline = "console=ttyS0 crashkernel=128M crashkernel=512M,cma",
                .crash_size = "134217728\n",
                .cma_ranges = "40000000-5fffffff\n",
        };
        _cleanup_free_ char *root = make_root("shrink-record", &o), *msg = NULL;
        _cleanup_(load_plan_done) LoadPlan p = {}, q = {};
        ShrinkRecord rec, again;
        LoadResult res;

        ASSERT_NOT_NULL(root);
        ASSERT_ERROR(shrink_record_read(root, &rec), ENOENT);
        reset_seen(0);
        ASSERT_OK(load_root(root, &p, &res, &msg));
        ASSERT_TRUE(res.shrunk);
        ASSERT_OK(shrink_record_read(root, &rec));
        ASSERT_U64_EQ(rec.from, 128 * MiB);
        ASSERT_U64_EQ(rec.to, res.static_after);
        ASSERT_GT(rec.at_usec, 0);

        /* Unload and load again: nothing more to shrink, and the record keeps the boot-time size. */
        ASSERT_OK(load_state_remove(root));
        ASSERT_OK(load_root(root, &q, &res, &msg));
        ASSERT_FALSE(res.shrunk);
        ASSERT_OK(shrink_record_read(root, &again));
        ASSERT_U64_EQ(again.from, 128 * MiB);
        ASSERT_U64_EQ(again.to, rec.to);

        /* A record that does not describe a shrink is refused, not shown. */
        ASSERT_OK(fixture_write_string(root, SHRINK_RECORD_PATH, "[Shrunk]\nFrom=10\nTo=20\nAtUSec=1\n"));
        ASSERT_ERROR(shrink_record_read(root, &rec), EBADMSG);
        ASSERT_OK(fixture_write_string(root, SHRINK_RECORD_PATH, "[Shrunk]\nFrom=x\nTo=2\n"));
        ASSERT_ERROR(shrink_record_read(root, &rec), EBADMSG);
        reset_seen(0);
        return TEST_PASS;
}
