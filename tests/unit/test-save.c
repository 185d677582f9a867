/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* tinykdump-save end to end: the real binary against a fake root (mountinfo, boot_id), a target
 * directory that the fake mountinfo says is mounted from a real file-system image (probed by the
 * real libblkid), a text "vmcore" and tests/unit/fake-makedumpfile. */
#include <dirent.h>
#include <fcntl.h>
#include <sched.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>

#include "capture-config.h"
#include "capture-journal.h"
#include "dump-files.h"
#include "fixtures.h"
#include "makedumpfile.h"
#include "metadata.h"
#include "space.h"
#include "spawn-util.h"
#include "tests.h"
#include "vmcore-builder.h"
#include "vmcore.h"
#include "util.h"

#define EXT4_UUID "5f1c4e2a-8d3b-4c6f-9a7e-0b1d2c3e4f50"
#define VFAT_UUID "1234-ABCD"

static const char vmcore_text[] =
        "[    0.000000] Linux version 7.2.13-amd64 (debian-kernel@lists.debian.org)\n"
        "[   42.000001] sysrq: Trigger a crash\n"
        "[   42.000002] Kernel panic - not syncing: sysrq triggered crash\n"
        "[   42.000003] CPU: 0 UID: 0 PID: 1 Comm: bash\n";

typedef struct Case {
        char *dir, *root, *target, *image, *config, *vmcore, *log, *output, *kdump;
        const char *fstype;
} Case;

static void case_done(Case *c) {
        free(c->dir);
        free(c->root);
        free(c->target);
        free(c->image);
        free(c->config);
        free(c->vmcore);
        free(c->log);
        free(c->output);
        free(c->kdump);
}

static int write_file(const char *path, const char *s) {
        FILE *f = fopen(path, "we");
        if (!f)
                return -errno;
        fputs(s, f);
        return fclose(f) < 0 ? -errno : 0;
}

static int mkdir_p(const char *path) {
        _cleanup_free_ char *p = strdup(path);
        if (!p)
                return -ENOMEM;
        for (char *s = p + 1; *s; s++)
                if (*s == '/') {
                        *s = 0;
                        if (mkdir(p, 0755) < 0 && errno != EEXIST)
                                return -errno;
                        *s = '/';
                }
        return mkdir(p, 0755) < 0 && errno != EEXIST ? -errno : 0;
}

static bool have(const char *tool) {
        _cleanup_free_ char *a = NULL, *b = NULL;
        if (asprintf(&a, "/usr/sbin/%s", tool) < 0 || asprintf(&b, "/sbin/%s", tool) < 0)
                return false;
        return access(a, X_OK) == 0 || access(b, X_OK) == 0;
}

/* Builds a case: fstype "ext4" or "vfat" image, mounted (says mountinfo) at target, or not mounted
 * at all when mounted is false. */
static int case_setup(Case *c, const char *name, const char *fstype, bool mounted) {
        _cleanup_free_ char *cmd = NULL, *mi = NULL, *mipath = NULL, *bootid = NULL, *sys = NULL, *pself = NULL;
        struct stat st;
        int r;

        *c = (Case) { .fstype = fstype };
        c->dir = path_join(test_tmpdir(), name);
        if (!c->dir)
                return -ENOMEM;
        c->root = path_join(c->dir, "root");
        c->target = path_join(c->dir, "target");
        c->image = path_join(c->dir, "disk.img");
        c->config = path_join(c->dir, "capture.conf");
        c->vmcore = path_join(c->dir, "vmcore");
        c->log = path_join(c->dir, "makedumpfile.log");
        pself = path_join(c->root, "proc/self");
        sys = path_join(c->root, "proc/sys/kernel/random");
        if (!c->root || !c->target || !c->image || !c->config || !c->vmcore || !c->log || !pself || !sys)
                return -ENOMEM;
        if ((r = mkdir_p(pself)) < 0 || (r = mkdir_p(sys)) < 0 || (r = mkdir_p(c->target)) < 0)
                return r;

        bootid = path_join(sys, "boot_id");
        if (!bootid)
                return -ENOMEM;
        if ((r = write_file(bootid, "8a0f5d3c-1b2e-4c7d-9e8f-0a1b2c3d4e5f\n")) < 0)
                return r;
        if ((r = write_file(c->vmcore, vmcore_text)) < 0)
                return r;

        if (streq(fstype, "ext4"))
                r = asprintf(&cmd, "PATH=/usr/sbin:/sbin:$PATH; truncate -s 4M '%s' && "
                                   "mke2fs -q -F -t ext4 -U " EXT4_UUID " '%s' >/dev/null 2>&1",
                             c->image, c->image);
        else
                r = asprintf(&cmd, "PATH=/usr/sbin:/sbin:$PATH; truncate -s 4M '%s' && "
                                   "mkfs.vfat -i %s '%s' >/dev/null 2>&1",
                             c->image, "1234ABCD", c->image);
        if (r < 0)
                return -ENOMEM;
        if (system(cmd) != 0)
                return -EIO;

        if (stat(c->target, &st) < 0)
                return -errno;
        mipath = path_join(pself, "mountinfo");
        if (!mipath)
                return -ENOMEM;
        if (asprintf(&mi, "22 1 259:2 / / rw,relatime shared:1 - ext4 /dev/nvme0n1p2 rw\n%s",
                     mounted ? "" : "") < 0)
                return -ENOMEM;
        if (mounted) {
                char *m2;
                if (asprintf(&m2, "%s90 22 %u:%u / %s rw,relatime shared:60 - %s %s rw\n", mi, major(st.st_dev),
                             minor(st.st_dev), c->target, fstype, c->image) < 0)
                        return -ENOMEM;
                free(mi);
                mi = m2;
        }
        return write_file(mipath, mi);
}

/* DUMP_TIMEOUT_USEC for the next case_config(), 0: the default. */
static uint64_t case_dump_timeout_usec;

static int case_config(Case *c, const char *what, CaptureCompression comp, unsigned level) {
        CaptureConfig cc;
        _cleanup_free_ char *text = NULL;
        size_t n;
        int r;

        capture_config_init(&cc);
        cc.target_what = strdup(what);
        cc.target_directory = strdup("crash/dumps");
        cc.target_timeout_usec = 1000000;  /* the host's CLOCK_BOOTTIME is long past this */
        cc.dump_level = level;
        cc.dump_compression = comp;
        if (case_dump_timeout_usec > 0)
                cc.dump_timeout_usec = case_dump_timeout_usec;
        cc.crashed_boot_id = strdup("0123456789abcdef0123456789abcdef");
        cc.crashed_machine_id = strdup("fedcba9876543210fedcba9876543210");
        cc.crashed_hostname = strdup("testhost");
        cc.crashed_kernel_release = strdup("7.2.13+deb14-amd64");
        if (!cc.target_what || !cc.target_directory || !cc.crashed_boot_id || !cc.crashed_hostname ||
            !cc.crashed_kernel_release || !cc.crashed_machine_id) {
                capture_config_done(&cc);
                return -ENOMEM;
        }
        r = capture_config_serialize(&cc, &text, &n);
        capture_config_done(&cc);
        if (r < 0)
                return r;
        return write_file(c->config, text);
}

/* Runs tinykdump-save; returns its exit code, with stderr+stdout in c->output. */
static int case_run(Case *c, const char *extra_env) {
        _cleanup_free_ char *bin = NULL, *fake = NULL, *a_config = NULL, *a_vmcore = NULL, *a_target = NULL,
                            *a_mdf = NULL, *script = NULL;
        const char *build = getenv("TK_BUILD_ROOT");
        Buffer out = {};
        int wstatus, r;

        if (!build)
                return -ENOENT;
        bin = path_join(build, "src/save/tinykdump-save");
        fake = path_join(test_srcdir(), "unit/fake-makedumpfile");
        if (!bin || !fake)
                return -ENOMEM;
        if (asprintf(&a_config, "--config=%s", c->config) < 0 || asprintf(&a_vmcore, "--vmcore=%s", c->vmcore) < 0 ||
            asprintf(&a_target, "--target=%s", c->target) < 0 || asprintf(&a_mdf, "--makedumpfile=%s", fake) < 0 ||
            asprintf(&script, "%s TINYKDUMP_ROOT='%s' FAKE_MDF_LOG='%s' FAKE_MDF_DUMP_FROM='%s' exec \"$0\" \"$@\" 2>&1",
                     strempty(extra_env), c->root, c->log, strempty(c->kdump)) < 0)
                return -ENOMEM;

        char *argv[] = { (char *) "/bin/sh", (char *) "-c", script, bin, a_config, a_vmcore, a_target, a_mdf, NULL };
        r = spawn_and_wait(argv, &(SpawnOptions) { .capture = &out, .capture_max = 1 * MiB }, &wstatus);
        if (r < 0)
                return r;
        (void) buffer_append(&out, "", 1);
        free(c->output);
        c->output = (char *) out.data;
        printf("# tinykdump-save output:\n");
        for (char *l = c->output, *e; l && *l; l = e ? e + 1 : NULL) {
                e = strchr(l, '\n');
                printf("#   %.*s\n", (int) (e ? e - l : (ptrdiff_t) strlen(l)), l);
        }
        if (!WIFEXITED(wstatus))
                return -ECHILD;
        return WEXITSTATUS(wstatus);
}

/* The one dump directory below target/crash/dumps (fails if there is not exactly one unless
 * name is given). */
static int open_dump_dir(Case *c, const char *name, char **ret_name) {
        _cleanup_free_ char *parent = path_join(c->target, "crash/dumps");
        _cleanup_closedir_ DIR *d = NULL;
        char *found = NULL;
        unsigned n = 0;

        if (!parent)
                return -ENOMEM;
        d = opendir(parent);
        if (!d)
                return -errno;
        for (struct dirent *de; (de = readdir(d));) {
                if (de->d_name[0] == '.')
                        continue;
                if (name && !streq(de->d_name, name))
                        continue;
                n++;
                free(found);
                found = strdup(de->d_name);
        }
        if (n != 1) {
                free(found);
                return -ENOTUNIQ;
        }
        _cleanup_free_ char *p = path_join(parent, found);
        int fd = open(p, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (fd < 0) {
                free(found);
                return -errno;
        }
        *ret_name = found;
        return fd;
}

static int file_mode_at(int dfd, const char *name) {
        struct stat st;
        if (fstatat(dfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
                return -errno;
        return (int) (st.st_mode & 07777);
}

static void metadata_donep(DumpMetadata *m) {
        dump_metadata_done(m);
}

/* What makedumpfile writes: a synthetic kdump-compressed dump of a crashed machine with a few log records;
 * with exclude_uts, the page holding init_uts_ns is left out, as a dump that makedumpfile
 * filtered wrongly would leave it out. */
static int case_synthetic_vmcore(Case *c, const char *exclude_symbol) {
        _cleanup_test_machine_free_ TestMachine *m = test_machine_new(&(TestMachineOptions) { .count_bits = 5, .size_bits = 12 });
        Buffer k = {};
        int r;

        if (!m)
                return -ENOMEM;
        (void) test_machine_printk(m, 1000, 1, "Linux version 7.2.13+deb14-amd64", 32);
        (void) test_machine_printk(m, 42000000000, 1, "Kernel panic - not syncing: sysrq triggered crash", 49);
        if (exclude_symbol) {
                /* Where the symbol is physically, as the readers translate it; then left out. */
                _cleanup_vmcore_free_ Vmcore *v = NULL;
                uint64_t paddr;
                r = test_machine_write_kdump(m, VMCORE_KDUMP_COMPRESSED_ZLIB, true, 1, &k);
                if (r >= 0)
                        r = vmcore_open_memory(k.data, k.size, &v);
                if (r >= 0)
                        r = vmcore_virt_to_phys(v, test_machine_symbol(m, exclude_symbol), &paddr);
                v = vmcore_free(v);
                buffer_done(&k);
                if (r < 0)
                        return r;
                test_machine_exclude_page(m, paddr & ~UINT64_C(4095));
        }
        r = test_machine_write_kdump(m, VMCORE_KDUMP_COMPRESSED_ZLIB, true, 1, &k);
        if (r < 0)
                return r;
        free(c->kdump);
        c->kdump = path_join(c->dir, "kdump");
        if (!c->kdump) {
                buffer_done(&k);
                return -ENOMEM;
        }
        FILE *f = fopen(c->kdump, "we");
        if (!f) {
                buffer_done(&k);
                return -errno;
        }
        fwrite(k.data, 1, k.size, f);
        buffer_done(&k);
        return fclose(f) < 0 ? -errno : 0;
}

TEST(complete_ext4) {
        _cleanup_(case_done) Case c = {};
        _cleanup_(metadata_donep) DumpMetadata m;
        _cleanup_free_ char *name = NULL, *log = NULL, *dmesg = NULL, *p = NULL;
        _cleanup_close_ int dfd = -EBADF;
        _cleanup_(conf_diags_done) ConfDiagList e = {};

        dump_metadata_init(&m);
        if (!have("mke2fs"))
                TEST_SKIP("mke2fs not installed");
        ASSERT_OK(case_setup(&c, "complete", "ext4", true));
        ASSERT_OK(case_config(&c, "UUID=" EXT4_UUID, CAPTURE_COMPRESSION_ZSTD, 31));
        ASSERT_OK(case_synthetic_vmcore(&c, NULL));
        ASSERT_EQ(case_run(&c, NULL), 0);

        /* Phase markers the VM tests match on the console. */
        ASSERT_NOT_NULL(strstr(c.output, "tinykdump-save: dmesg saved to "));
        ASSERT_NOT_NULL(strstr(c.output, "tinykdump-save: vmcore saved to "));
        ASSERT_NOT_NULL(strstr(c.output, "tinykdump-save: capture complete: "));
        /* The build lacks zstd: said so, and zlib used rather than an uncompressed dump. */
        ASSERT_NOT_NULL(strstr(c.output, "without zstd support; using zlib"));

        dfd = open_dump_dir(&c, NULL, &name);
        ASSERT_OK(dfd);
        /* ext4 keeps the format, colons included. UTC time, host, release. */
        ASSERT_EQ(strlen(name), strlen("YYYY-MM-DDTHH:MM:SS-testhost-7.2.13+deb14-amd64"));
        ASSERT_EQ(name[13], ':');
        ASSERT_TRUE(strstr(name, "-testhost-7.2.13+deb14-amd64") == name + 19);

        ASSERT_EQ(file_mode_at(dfd, "dmesg.txt"), 0600);
        ASSERT_EQ(file_mode_at(dfd, "vmcore"), 0600);
        ASSERT_EQ(file_mode_at(dfd, "metadata"), 0600);
        ASSERT_EQ(file_mode_at(dfd, "."), 0700);
        ASSERT_ERROR(file_mode_at(dfd, "vmcore.incomplete"), ENOENT);
        ASSERT_ERROR(file_mode_at(dfd, "dmesg.txt.incomplete"), ENOENT);
        ASSERT_ERROR(file_mode_at(dfd, "metadata.tmp"), ENOENT);

        p = path_join(c.target, "crash/dumps");
        _cleanup_free_ char *dp = path_join(p, name);
        _cleanup_free_ char *dmesg_path = path_join(dp, "dmesg.txt");
        size_t n;
        ASSERT_OK(read_full_file_at(NULL, dmesg_path, 1 * MiB, &dmesg, &n));
        ASSERT_STREQ(dmesg, vmcore_text);

        ASSERT_OK(dump_metadata_read_at(dfd, &m, &e));
        ASSERT_EQ(m.result, DUMP_RESULT_COMPLETE);
        ASSERT_NULL(m.reason);
        ASSERT_STREQ(m.panic_message, "sysrq triggered crash");
        ASSERT_STREQ(m.kernel_release, "7.2.13+deb14-amd64");
        ASSERT_STREQ(m.boot_id, "0123456789abcdef0123456789abcdef");
        ASSERT_STREQ(m.machine_id, "fedcba9876543210fedcba9876543210");
        ASSERT_STREQ(m.hostname, "testhost");
        ASSERT_STREQ(m.capture_boot_id, "8a0f5d3c1b2e4c7d9e8f0a1b2c3d4e5f");
        ASSERT_STREQ(m.target, "UUID=" EXT4_UUID);
        ASSERT_STREQ(m.target_device, c.image);
        ASSERT_STREQ(m.target_fstype, "ext4");
        ASSERT_STREQ(m.directory, name);
        ASSERT_STREQ(m.dump_level, "31");
        ASSERT_STREQ(m.compression, "zlib");
        ASSERT_STREQ(m.compression_configured, "zstd");
        ASSERT_STREQ(m.makedumpfile_version, "1.7.2");
        ASSERT_U64_EQ(m.dmesg_size, strlen(vmcore_text));
        struct stat kst;
        ASSERT_OK(RET_NERRNO(stat(c.kdump, &kst)));
        ASSERT_U64_EQ(m.vmcore_size, (uint64_t) kst.st_size);
        ASSERT_STREQ(m.verified, "yes");
        ASSERT_NULL(m.makedumpfile_warning);
        ASSERT_U64_EQ(m.dmesg_status, 0);
        ASSERT_U64_EQ(m.makedumpfile_status, 0);
        ASSERT_TRUE(m.dmesg_usec != METADATA_UNSET && m.vmcore_usec != METADATA_UNSET);
        ASSERT_TRUE(m.total_usec != METADATA_UNSET && m.target_wait_usec != METADATA_UNSET);
        ASSERT_TRUE(m.crash_time_usec <= m.capture_time_usec);

        /* makedumpfile got exactly the generated options, output relative to the dump directory. */
        ASSERT_OK(read_full_file_at(NULL, c.log, 64 * KiB, &log, &n));
        ASSERT_NOT_NULL(strstr(log, "-v\n"));
        _cleanup_free_ char *want_dmesg = NULL, *want_dump = NULL;
        ASSERT_TRUE(asprintf(&want_dmesg, "--dump-dmesg --message-level 6 %s dmesg.txt.incomplete\n", c.vmcore) > 0);
        ASSERT_TRUE(asprintf(&want_dump, "-d 31 -c --message-level 6 %s vmcore.incomplete\n", c.vmcore) > 0);
        ASSERT_NOT_NULL(strstr(log, want_dmesg));
        ASSERT_NOT_NULL(strstr(log, want_dump));

        /* A second capture with the same crash time gets its own directory. */
        ASSERT_EQ(case_run(&c, NULL), 0);
        _cleanup_free_ char *again = NULL, *second = NULL;
        ASSERT_TRUE(asprintf(&again, "%s_2", name) > 0);
        int d2 = open_dump_dir(&c, again, &second);
        if (d2 < 0) {
                /* The clock moved on to the next second: then two plain names exist. */
                ASSERT_NOT_NULL(strstr(c.output, "capture complete"));
        } else
                close(d2);
        return TEST_PASS;
}

TEST(vmcore_fails_dmesg_only) {
        _cleanup_(case_done) Case c = {};
        _cleanup_(metadata_donep) DumpMetadata m;
        _cleanup_free_ char *name = NULL;
        _cleanup_close_ int dfd = -EBADF;
        _cleanup_(conf_diags_done) ConfDiagList e = {};

        dump_metadata_init(&m);
        if (!have("mke2fs"))
                TEST_SKIP("mke2fs not installed");
        ASSERT_OK(case_setup(&c, "dmesgonly", "ext4", true));
        ASSERT_OK(case_config(&c, "UUID=" EXT4_UUID, CAPTURE_COMPRESSION_LZO, 1));
        ASSERT_EQ(case_run(&c, "FAKE_MDF_DUMP_EXIT=1"), 3);
        ASSERT_NOT_NULL(strstr(c.output, "tinykdump-save: dmesg saved to "));
        ASSERT_NOT_NULL(strstr(c.output, "tinykdump-save: capture failed: dmesg-only"));

        dfd = open_dump_dir(&c, NULL, &name);
        ASSERT_OK(dfd);
        ASSERT_EQ(file_mode_at(dfd, "dmesg.txt"), 0600);
        ASSERT_ERROR(file_mode_at(dfd, "vmcore"), ENOENT);
        /* Kept for forensics; the metadata says it is not a dump. */
        ASSERT_EQ(file_mode_at(dfd, "vmcore.incomplete"), 0600);
        ASSERT_OK(dump_metadata_read_at(dfd, &m, &e));
        ASSERT_EQ(m.result, DUMP_RESULT_DMESG_ONLY);
        ASSERT_STREQ(m.reason, "vmcore not saved: makedumpfile failed (exit status 1)");
        ASSERT_U64_EQ(m.makedumpfile_status, 1);
        ASSERT_STREQ(m.compression, "lzo");
        ASSERT_NULL(m.compression_configured);
        ASSERT_STREQ(m.dump_level, "1");
        ASSERT_U64_EQ(m.vmcore_size, 8 + 3);
        return TEST_PASS;
}

/* A makedumpfile that hangs is stopped at DUMP_TIMEOUT_USEC (TERM, then KILL); dmesg.txt is
 * kept, the metadata says why, the failure action follows (exit 3). */
TEST(makedumpfile_timeout) {
        _cleanup_(case_done) Case c = {};
        _cleanup_(metadata_donep) DumpMetadata m;
        _cleanup_free_ char *name = NULL;
        _cleanup_close_ int dfd = -EBADF;
        _cleanup_(conf_diags_done) ConfDiagList e = {};

        dump_metadata_init(&m);
        if (!have("mke2fs"))
                TEST_SKIP("mke2fs not installed");
        ASSERT_OK(case_setup(&c, "hang", "ext4", true));
        case_dump_timeout_usec = 1000000;
        int r = case_config(&c, "UUID=" EXT4_UUID, CAPTURE_COMPRESSION_LZO, 1);
        case_dump_timeout_usec = 0;
        ASSERT_OK(r);
        uint64_t t0 = clock_now_usec(CLOCK_MONOTONIC);
        ASSERT_EQ(case_run(&c, "FAKE_MDF_DUMP_HANG=60"), 3);
        ASSERT_TRUE(clock_now_usec(CLOCK_MONOTONIC) - t0 < 20 * UINT64_C(1000000));
        ASSERT_NOT_NULL(strstr(c.output, "did not finish within [Dump] TimeoutSec=1s; stopped it."));

        dfd = open_dump_dir(&c, NULL, &name);
        ASSERT_OK(dfd);
        ASSERT_EQ(file_mode_at(dfd, "dmesg.txt"), 0600);
        ASSERT_ERROR(file_mode_at(dfd, "vmcore"), ENOENT);
        ASSERT_OK(dump_metadata_read_at(dfd, &m, &e));
        ASSERT_EQ(m.result, DUMP_RESULT_DMESG_ONLY);
        ASSERT_NOT_NULL(strstr(m.reason, "vmcore not saved: makedumpfile did not finish within [Dump] TimeoutSec=1s and was stopped (exit status 124)"));
        ASSERT_U64_EQ(m.makedumpfile_status, MAKEDUMPFILE_TIMEOUT_CODE);
        return TEST_PASS;
}

TEST(everything_fails) {
        _cleanup_(case_done) Case c = {};
        _cleanup_(metadata_donep) DumpMetadata m;
        _cleanup_free_ char *name = NULL;
        _cleanup_close_ int dfd = -EBADF;
        _cleanup_(conf_diags_done) ConfDiagList e = {};

        dump_metadata_init(&m);
        if (!have("mke2fs"))
                TEST_SKIP("mke2fs not installed");
        ASSERT_OK(case_setup(&c, "allfail", "ext4", true));
        ASSERT_OK(case_config(&c, "UUID=" EXT4_UUID, CAPTURE_COMPRESSION_ZSTD, 31));
        ASSERT_EQ(case_run(&c, "FAKE_MDF_FEATURES=all FAKE_MDF_DMESG_EXIT=1 FAKE_MDF_DUMP_EXIT=2"), 3);
        ASSERT_NOT_NULL(strstr(c.output, "tinykdump-save: capture failed: failed"));

        dfd = open_dump_dir(&c, NULL, &name);
        ASSERT_OK(dfd);
        ASSERT_OK(dump_metadata_read_at(dfd, &m, &e));
        ASSERT_EQ(m.result, DUMP_RESULT_FAILED);
        ASSERT_STREQ(m.reason, "nothing saved: makedumpfile --dump-dmesg failed (exit status 1); makedumpfile "
                               "failed: the kernel release of vmcore and vmlinux differ (exit status 2)");
        ASSERT_STREQ(m.compression, "zstd");  /* this build has it */
        ASSERT_NULL(m.panic_message);
        ASSERT_ERROR(file_mode_at(dfd, "dmesg.txt"), ENOENT);
        return TEST_PASS;
}

static int count_entries(const char *dir) {
        _cleanup_closedir_ DIR *d = opendir(dir);
        int n = 0;
        if (!d)
                return -errno;
        for (struct dirent *de; (de = readdir(d));)
                if (!streq(de->d_name, ".") && !streq(de->d_name, ".."))
                        n++;
        return n;
}

TEST(target_missing) {
        _cleanup_(case_done) Case c = {};

        if (!have("mke2fs"))
                TEST_SKIP("mke2fs not installed");
        ASSERT_OK(case_setup(&c, "missing", "ext4", false));
        ASSERT_OK(case_config(&c, "UUID=" EXT4_UUID, CAPTURE_COMPRESSION_ZLIB, 31));
        ASSERT_EQ(case_run(&c, NULL), 2);
        ASSERT_NOT_NULL(strstr(c.output, "tinykdump-save: capture failed: target UUID=" EXT4_UUID));
        ASSERT_NOT_NULL(strstr(c.output, "did not appear within 1s"));
        /* Not a byte written to the directory that is not the target. */
        ASSERT_EQ(count_entries(c.target), 0);
        return TEST_PASS;
}

TEST(wrong_filesystem) {
        _cleanup_(case_done) Case c = {};

        if (!have("mke2fs"))
                TEST_SKIP("mke2fs not installed");
        ASSERT_OK(case_setup(&c, "wrongfs", "ext4", true));
        ASSERT_OK(case_config(&c, "UUID=00000000-1111-2222-3333-444444444444", CAPTURE_COMPRESSION_ZLIB, 31));
        ASSERT_EQ(case_run(&c, NULL), 2);
        ASSERT_NOT_NULL(strstr(c.output, "is not the configured target UUID=00000000-1111-2222-3333-444444444444"));
        ASSERT_NOT_NULL(strstr(c.output, "UUID=" EXT4_UUID));
        ASSERT_NOT_NULL(strstr(c.output, "refusing to write to it"));
        ASSERT_EQ(count_entries(c.target), 0);

        /* Right UUID, but the configuration insists on another file-system type. */
        _cleanup_free_ char *text = NULL;
        size_t n;
        ASSERT_OK(case_config(&c, "UUID=" EXT4_UUID, CAPTURE_COMPRESSION_ZLIB, 31));
        ASSERT_OK(read_full_file_at(NULL, c.config, 64 * KiB, &text, &n));
        _cleanup_free_ char *with_type = NULL;
        ASSERT_TRUE(asprintf(&with_type, "%sTARGET_FSTYPE=vfat\n", text) > 0);
        ASSERT_OK(write_file(c.config, with_type));
        ASSERT_EQ(case_run(&c, NULL), 2);
        ASSERT_NOT_NULL(strstr(c.output, "refusing to write to it"));
        ASSERT_EQ(count_entries(c.target), 0);
        return TEST_PASS;
}

TEST(vfat_names) {
        _cleanup_(case_done) Case c = {};
        _cleanup_free_ char *name = NULL;
        _cleanup_close_ int dfd = -EBADF;

        if (!have("mkfs.vfat"))
                TEST_SKIP("mkfs.vfat not installed");
        ASSERT_OK(case_setup(&c, "vfat", "vfat", true));
        ASSERT_OK(case_config(&c, "UUID=" VFAT_UUID, CAPTURE_COMPRESSION_ZLIB, 31));
        ASSERT_OK(case_synthetic_vmcore(&c, NULL));
        ASSERT_EQ(case_run(&c, NULL), 0);
        dfd = open_dump_dir(&c, NULL, &name);
        ASSERT_OK(dfd);
        /* No ':' on FAT: "YYYY-MM-DDTHH-MM-SS-host-release". */
        ASSERT_NULL(strchr(name, ':'));
        ASSERT_EQ(name[10], 'T');
        ASSERT_EQ(name[13], '-');
        ASSERT_EQ(name[16], '-');
        ASSERT_TRUE(strstr(name, "-testhost-7.2.13+deb14-amd64") == name + 19);
        return TEST_PASS;
}

TEST(bad_config) {
        _cleanup_(case_done) Case c = {};

        if (!have("mke2fs"))
                TEST_SKIP("mke2fs not installed");
        ASSERT_OK(case_setup(&c, "badconf", "ext4", true));
        ASSERT_OK(write_file(c.config, "DUMP_LEVEL=99\n"));
        ASSERT_EQ(case_run(&c, NULL), 1);
        ASSERT_NOT_NULL(strstr(c.output, "tinykdump-save: capture failed: cannot use the capture configuration"));
        ASSERT_EQ(count_entries(c.target), 0);
        return TEST_PASS;
}

TEST(space_estimate_bounds) {
        /* 1 GiB: 262144 pages, two bitmaps of 32 KiB, 24-byte descriptors, 1 MiB headers. */
        SpaceEstimate e = space_estimate(1 * GiB, 4096, 31, true);
        ASSERT_U64_EQ(e.min, 1 * MiB + 2 * 32 * KiB);
        ASSERT_U64_EQ(e.max, 1 * MiB + 2 * 32 * KiB + 262144 * 24 + 1 * GiB);
        /* Level 0 uncompressed keeps every page as it is: the upper bound is the estimate. */
        SpaceEstimate z = space_estimate(1 * GiB, 4096, 0, false);
        ASSERT_U64_EQ(z.min, z.max);
        ASSERT_U64_EQ(z.max, e.max);
        /* A partial page counts whole; no overflow at the top. */
        ASSERT_U64_EQ(space_estimate(1, 4096, 31, true).max, 1 * MiB + 2 + 24 + 4096);
        ASSERT_U64_EQ(space_estimate(UINT64_MAX, 4096, 0, false).max, UINT64_MAX);

        ASSERT_EQ(space_check(e.max + SPACE_RESERVE, &e), SPACE_OK);
        ASSERT_EQ(space_check(e.max + SPACE_RESERVE - 1, &e), SPACE_TIGHT);
        ASSERT_EQ(space_check(e.min + SPACE_RESERVE, &e), SPACE_TIGHT);
        ASSERT_EQ(space_check(e.min + SPACE_RESERVE - 1, &e), SPACE_INSUFFICIENT);

        ASSERT_EQ(space_classify_failure("ext4", 0, 100 * MiB), SPACE_FULL);
        ASSERT_EQ(space_classify_failure("ext4", 2 * MiB, 100 * MiB), SPACE_UNKNOWN);
        ASSERT_EQ(space_classify_failure("ext4", 2 * MiB, FAT_FILE_SIZE_MAX), SPACE_UNKNOWN);
        ASSERT_EQ(space_classify_failure("vfat", 2 * MiB, FAT_FILE_SIZE_MAX), SPACE_FILE_LIMIT);
        ASSERT_EQ(space_classify_failure("vfat", 2 * MiB, 3 * GiB), SPACE_UNKNOWN);
        ASSERT_EQ(space_classify_failure("vfat", 0, 3 * GiB), SPACE_FULL);
        ASSERT_STREQ(space_verdict_to_string(SPACE_FILE_LIMIT), "file-limit");
        ASSERT_NULL(space_verdict_to_string(SPACE_UNKNOWN));
        return TEST_PASS;
}

/* A real size-limited file system for the target: a tmpfs of size bytes mounted over c->target in
 * a mount namespace of this test process, and the fake mountinfo pointed at it. Needs root (the
 * test suite runs as root in CI); filled leaves only keep bytes free. */
static int case_mount_tmpfs(Case *c, uint64_t size, uint64_t keep) {
        _cleanup_free_ char *opts = NULL, *mipath = NULL, *mi = NULL, *fill = NULL;
        struct stat st;
        int r;

        if (unshare(CLONE_NEWNS) < 0)
                return -errno;
        if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
                return -errno;
        if (asprintf(&opts, "size=%" PRIu64 ",mode=0755", size) < 0)
                return -ENOMEM;
        if (mount("tinykdump-test", c->target, "tmpfs", MS_NOSUID | MS_NODEV, opts) < 0)
                return -errno;
        if (stat(c->target, &st) < 0)
                return -errno;
        mipath = path_join(c->root, "proc/self/mountinfo");
        if (!mipath)
                return -ENOMEM;
        if (asprintf(&mi, "22 1 259:2 / / rw,relatime shared:1 - ext4 /dev/nvme0n1p2 rw\n"
                          "90 22 %u:%u / %s rw,relatime shared:60 - %s %s rw\n",
                     major(st.st_dev), minor(st.st_dev), c->target, c->fstype, c->image) < 0)
                return -ENOMEM;
        if ((r = write_file(mipath, mi)) < 0)
                return r;
        if (keep == UINT64_MAX)
                return 0;

        /* Fill up to keep bytes: a file as large as it gets, then cut back. */
        fill = path_join(c->target, "filler");
        if (!fill)
                return -ENOMEM;
        _cleanup_close_ int fd = open(fill, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
        if (fd < 0)
                return -errno;
        static const char zeros[64 * 1024];
        for (;;) {
                ssize_t k = write(fd, zeros, sizeof(zeros));
                if (k < 0 && errno == ENOSPC)
                        break;
                if (k < 0)
                        return -errno;
                if (k < (ssize_t) sizeof(zeros))
                        break;
        }
        if (fstat(fd, &st) < 0)
                return -errno;
        if ((uint64_t) st.st_size < keep)
                return -ENOSPC;
        if (ftruncate(fd, st.st_size - (off_t) keep) < 0)
                return -errno;
        return 0;
}

static void case_umount(Case *c) {
        (void) umount2(c->target, MNT_DETACH);
}

/* Memory larger than its text: the vmcore file grows to size, the tail sparse. */
static int case_vmcore_size(Case *c, uint64_t size) {
        return truncate(c->vmcore, (off_t) size) < 0 ? -errno : 0;
}

/* The target was full before the crash (a few KiB left): dmesg.txt and the metadata still fit,
 * the vmcore is not even tried, and the metadata says how much room there was and what a dump of
 * this machine needs. */
TEST(target_full_before) {
        _cleanup_(case_done) Case c = {};
        _cleanup_(metadata_donep) DumpMetadata m;
        _cleanup_free_ char *name = NULL, *log = NULL;
        _cleanup_close_ int dfd = -EBADF;
        _cleanup_(conf_diags_done) ConfDiagList e = {};
        size_t n;

        dump_metadata_init(&m);
        if (geteuid() != 0)
                TEST_SKIP("needs root for a size-limited tmpfs target");
        if (!have("mke2fs"))
                TEST_SKIP("mke2fs not installed");
        ASSERT_OK(case_setup(&c, "fullbefore", "ext4", true));
        ASSERT_OK(case_config(&c, "UUID=" EXT4_UUID, CAPTURE_COMPRESSION_ZLIB, 31));
        ASSERT_OK(case_vmcore_size(&c, 64 * MiB));
        ASSERT_OK(case_mount_tmpfs(&c, 8 * MiB, 64 * KiB));
        ASSERT_EQ(case_run(&c, NULL), 3);
        ASSERT_NOT_NULL(strstr(c.output, "tinykdump-save: dmesg saved to "));
        ASSERT_NOT_NULL(strstr(c.output, "vmcore not tried"));

        dfd = open_dump_dir(&c, NULL, &name);
        ASSERT_OK(dfd);
        ASSERT_EQ(file_mode_at(dfd, "dmesg.txt"), 0600);
        ASSERT_ERROR(file_mode_at(dfd, "vmcore"), ENOENT);
        ASSERT_ERROR(file_mode_at(dfd, "vmcore.incomplete"), ENOENT);
        ASSERT_OK(dump_metadata_read_at(dfd, &m, &e));
        ASSERT_EQ(m.result, DUMP_RESULT_DMESG_ONLY);
        ASSERT_STREQ(m.space, "insufficient");
        ASSERT_U64_EQ(m.memory_size, 64 * MiB);
        ASSERT_TRUE(m.target_free != METADATA_UNSET && m.target_free <= 64 * KiB);
        ASSERT_U64_EQ(m.vmcore_minimum, space_estimate(64 * MiB, 4096, 31, true).min);
        ASSERT_U64_EQ(m.vmcore_estimate, space_estimate(64 * MiB, 4096, 31, true).max);
        ASSERT_NOT_NULL(strstr(m.reason, "vmcore not saved: the target has "));
        ASSERT_NOT_NULL(strstr(m.reason, " of memory at dump level 31 needs at least "));
        ASSERT_U64_EQ(m.makedumpfile_status, METADATA_UNSET);
        /* makedumpfile ran for dmesg only. */
        ASSERT_OK(read_full_file_at(NULL, c.log, 64 * KiB, &log, &n));
        ASSERT_NULL(strstr(log, "vmcore.incomplete"));
        case_umount(&c);
        return TEST_PASS;
}

/* Less room than a dump's lower bound plus the reserve, but more than a 2 MiB capture.journal
 * needs (found in the faults-target VM scenario: with a 1 MiB reserve, 1.75 MiB left after dmesg.txt
 * was "insufficient" and the capture image's journal, up to 2 MiB, did not fit). The vmcore is not
 * tried; dmesg.txt, the final metadata and the whole capture.journal are written. */
TEST(target_insufficient_keeps_journal) {
        _cleanup_(case_done) Case c = {};
        _cleanup_(metadata_donep) DumpMetadata m;
        _cleanup_free_ char *name = NULL, *journal = NULL;
        _cleanup_close_ int dfd = -EBADF;
        _cleanup_(conf_diags_done) ConfDiagList e = {};
        struct stat st;

        dump_metadata_init(&m);
        if (geteuid() != 0)
                TEST_SKIP("needs root for a size-limited tmpfs target");
        if (!have("mke2fs"))
                TEST_SKIP("mke2fs not installed");
        ASSERT_OK(case_setup(&c, "fulljournal", "ext4", true));
        ASSERT_OK(case_config(&c, "UUID=" EXT4_UUID, CAPTURE_COMPRESSION_ZLIB, 31));
        ASSERT_OK(case_vmcore_size(&c, 64 * MiB));
        /* 3 MiB left: above the lower bound plus 1 MiB, below it plus SPACE_RESERVE. */
        SpaceEstimate est = space_estimate(64 * MiB, 4096, 31, true);
        ASSERT_TRUE(est.min + 1 * MiB < 3 * MiB && 3 * MiB < est.min + SPACE_RESERVE);
        ASSERT_OK(case_mount_tmpfs(&c, 16 * MiB, 3 * MiB));
        journal = malloc(CAPTURE_JOURNAL_RESERVE);
        ASSERT_NOT_NULL(journal);
        memset(journal, 'j', CAPTURE_JOURNAL_RESERVE);
        memcpy(journal, "LPKSHHRH", 8);
        ASSERT_OK(fixture_write(c.root, "/run/log/journal/0123456789abcdef0123456789abcdef/system.journal",
                                journal, CAPTURE_JOURNAL_RESERVE));
        ASSERT_EQ(case_run(&c, NULL), 3);
        ASSERT_NOT_NULL(strstr(c.output, "vmcore not tried"));

        dfd = open_dump_dir(&c, NULL, &name);
        ASSERT_OK(dfd);
        ASSERT_EQ(file_mode_at(dfd, "dmesg.txt"), 0600);
        ASSERT_ERROR(file_mode_at(dfd, "vmcore"), ENOENT);
        ASSERT_ERROR(file_mode_at(dfd, "vmcore.incomplete"), ENOENT);
        ASSERT_EQ(file_mode_at(dfd, "capture.journal"), 0600);
        ASSERT_OK(fstatat(dfd, "capture.journal", &st, AT_SYMLINK_NOFOLLOW));
        ASSERT_U64_EQ((uint64_t) st.st_size, CAPTURE_JOURNAL_RESERVE);
        ASSERT_OK(dump_metadata_read_at(dfd, &m, &e));
        ASSERT_EQ(m.result, DUMP_RESULT_DMESG_ONLY);
        ASSERT_STREQ(m.space, "insufficient");
        ASSERT_TRUE(m.target_free > 2 * MiB && m.target_free <= 3 * MiB);
        ASSERT_U64_EQ(m.makedumpfile_status, METADATA_UNSET);
        case_umount(&c);
        return TEST_PASS;
}

/* Completely full: not even dmesg.txt fits. The half log goes, and the metadata (one block,
 * which the filler gave back when the half log was deleted) says the target is full. */
TEST(target_full_dmesg) {
        _cleanup_(case_done) Case c = {};
        _cleanup_(metadata_donep) DumpMetadata m;
        _cleanup_free_ char *name = NULL;
        _cleanup_close_ int dfd = -EBADF;
        _cleanup_(conf_diags_done) ConfDiagList e = {};

        dump_metadata_init(&m);
        if (geteuid() != 0)
                TEST_SKIP("needs root for a size-limited tmpfs target");
        if (!have("mke2fs"))
                TEST_SKIP("mke2fs not installed");
        ASSERT_OK(case_setup(&c, "fulldmesg", "ext4", true));
        ASSERT_OK(case_config(&c, "UUID=" EXT4_UUID, CAPTURE_COMPRESSION_ZLIB, 31));
        /* dmesg.txt is ~250 bytes: leave one page, which the first metadata takes. */
        ASSERT_OK(case_mount_tmpfs(&c, 8 * MiB, 4096));
        ASSERT_EQ(case_run(&c, NULL), 3);
        dfd = open_dump_dir(&c, NULL, &name);
        ASSERT_OK(dfd);
        ASSERT_ERROR(file_mode_at(dfd, "dmesg.txt"), ENOENT);
        ASSERT_ERROR(file_mode_at(dfd, "dmesg.txt.incomplete"), ENOENT);
        ASSERT_OK(dump_metadata_read_at(dfd, &m, &e));
        ASSERT_EQ(m.result, DUMP_RESULT_FAILED);
        ASSERT_STREQ(m.space, "full");
        ASSERT_NOT_NULL(strstr(m.reason, "nothing saved: makedumpfile --dump-dmesg failed (exit status 1)"));
        ASSERT_NOT_NULL(strstr(m.reason, "the target is full ("));
        case_umount(&c);
        return TEST_PASS;
}

/* The target fills up during the vmcore: the partial vmcore is truncated away before the final
 * metadata, which says how far it got, what was free and what was needed; capture.journal is
 * written after it and fits. */
TEST(target_fills_during_vmcore) {
        _cleanup_(case_done) Case c = {};
        _cleanup_(metadata_donep) DumpMetadata m;
        _cleanup_free_ char *name = NULL;
        _cleanup_close_ int dfd = -EBADF;
        _cleanup_(conf_diags_done) ConfDiagList e = {};

        dump_metadata_init(&m);
        if (geteuid() != 0)
                TEST_SKIP("needs root for a size-limited tmpfs target");
        if (!have("mke2fs"))
                TEST_SKIP("mke2fs not installed");
        ASSERT_OK(case_setup(&c, "fillup", "ext4", true));
        ASSERT_OK(case_config(&c, "UUID=" EXT4_UUID, CAPTURE_COMPRESSION_ZLIB, 31));
        ASSERT_OK(case_vmcore_size(&c, 16 * MiB));
        ASSERT_OK(case_mount_tmpfs(&c, 6 * MiB, UINT64_MAX));
        ASSERT_OK(fixture_write(c.root, "/run/log/journal/0123456789abcdef0123456789abcdef/system.journal",
                                "LPKSHHRH\0\0\0journal", 19));
        ASSERT_EQ(case_run(&c, NULL), 3);
        ASSERT_NOT_NULL(strstr(c.output, "may need up to"));
        ASSERT_NOT_NULL(strstr(c.output, "deleted the partial"));

        dfd = open_dump_dir(&c, NULL, &name);
        ASSERT_OK(dfd);
        ASSERT_EQ(file_mode_at(dfd, "dmesg.txt"), 0600);
        ASSERT_ERROR(file_mode_at(dfd, "vmcore"), ENOENT);
        ASSERT_ERROR(file_mode_at(dfd, "vmcore.incomplete"), ENOENT);
        ASSERT_EQ(file_mode_at(dfd, "capture.journal"), 0600);
        ASSERT_OK(dump_metadata_read_at(dfd, &m, &e));
        ASSERT_EQ(m.result, DUMP_RESULT_DMESG_ONLY);
        ASSERT_STREQ(m.space, "full");
        ASSERT_U64_EQ(m.makedumpfile_status, 1);
        ASSERT_U64_EQ(m.vmcore_size, METADATA_UNSET);
        ASSERT_U64_EQ(m.memory_size, 16 * MiB);
        ASSERT_TRUE(m.target_free > 4 * MiB && m.target_free <= 6 * MiB);
        ASSERT_NOT_NULL(strstr(m.reason, "vmcore not saved: makedumpfile failed (exit status 1): the target filled up after "));
        ASSERT_NOT_NULL(strstr(m.reason, "the partial vmcore was deleted"));
        case_umount(&c);
        return TEST_PASS;
}

/* vfat: a dump that may exceed 4 GiB is explained before writing; one that reaches the limit is
 * deleted and the metadata names the limit (the write failure is injected: a sparse 4 GiB - 1
 * byte file and makedumpfile's exit status 1). */
TEST(vfat_file_limit) {
        _cleanup_(case_done) Case c = {};
        _cleanup_(metadata_donep) DumpMetadata m;
        _cleanup_free_ char *name = NULL;
        _cleanup_close_ int dfd = -EBADF;
        _cleanup_(conf_diags_done) ConfDiagList e = {};

        dump_metadata_init(&m);
        if (!have("mkfs.vfat"))
                TEST_SKIP("mkfs.vfat not installed");
        ASSERT_OK(case_setup(&c, "vfatlimit", "vfat", true));
        ASSERT_OK(case_config(&c, "UUID=" VFAT_UUID, CAPTURE_COMPRESSION_ZLIB, 31));
        ASSERT_OK(case_vmcore_size(&c, 6 * GiB));
        ASSERT_EQ(case_run(&c, "FAKE_MDF_DUMP_SIZE=4294967295"), 3);
        ASSERT_NOT_NULL(strstr(c.output, "may exceed the vfat file size limit (vfat holds at most 4 GiB - 1 byte per file)"));
        dfd = open_dump_dir(&c, NULL, &name);
        ASSERT_OK(dfd);
        ASSERT_ERROR(file_mode_at(dfd, "vmcore.incomplete"), ENOENT);
        ASSERT_OK(dump_metadata_read_at(dfd, &m, &e));
        ASSERT_EQ(m.result, DUMP_RESULT_DMESG_ONLY);
        ASSERT_STREQ(m.space, "file-limit");
        ASSERT_NOT_NULL(strstr(m.reason, "the vmcore reached the vfat file size limit (vfat holds at most 4 GiB - 1 byte per file) after 4.0G"));
        ASSERT_U64_EQ(m.memory_size, 6 * GiB);
        return TEST_PASS;
}

/* makedumpfile 1.7.8 exits 0 on Linux 7.2 but warns: the warning is recorded, and the dump is
 * read back with tinykdump's readers (VERIFIED=yes with what was read). */
TEST(verified_with_warning) {
        _cleanup_(case_done) Case c = {};
        _cleanup_(metadata_donep) DumpMetadata m;
        _cleanup_free_ char *name = NULL;
        _cleanup_close_ int dfd = -EBADF;
        _cleanup_(conf_diags_done) ConfDiagList e = {};

        dump_metadata_init(&m);
        if (!have("mke2fs"))
                TEST_SKIP("mke2fs not installed");
        ASSERT_OK(case_setup(&c, "verified", "ext4", true));
        ASSERT_OK(case_config(&c, "UUID=" EXT4_UUID, CAPTURE_COMPRESSION_ZLIB, 31));
        ASSERT_OK(case_synthetic_vmcore(&c, NULL));
        ASSERT_EQ(case_run(&c, "FAKE_MDF_WARN=1"), 0);
        ASSERT_NOT_NULL(strstr(c.output, "makedumpfile: The kernel version is not supported."));
        ASSERT_NOT_NULL(strstr(c.output, "tinykdump-save: vmcore verified in "));
        dfd = open_dump_dir(&c, NULL, &name);
        ASSERT_OK(dfd);
        ASSERT_OK(dump_metadata_read_at(dfd, &m, &e));
        ASSERT_EQ(m.result, DUMP_RESULT_COMPLETE);
        ASSERT_NULL(m.reason);
        ASSERT_STREQ(m.makedumpfile_warning, "The kernel version is not supported. The created dumpfile may be incomplete.");
        ASSERT_STREQ(m.verified, "yes");
        ASSERT_STREQ(m.verify_reason, "header, VMCOREINFO of 7.2.13+deb14-amd64, 4 kernel symbols through the page tables, "
                                      "utsname, printk ring (2 lines) read back");
        return TEST_PASS;
}

/* A dump that must fail: the kernel release differs from the crashed kernel's (VMCOREINFO of
 * another kernel), and one that is no dump at all. VERIFIED=no, the reason says why, the result
 * stays complete (the file is there) with a REASON, and the failure action follows (exit 3). */
TEST(verification_fails) {
        _cleanup_(case_done) Case c = {};
        _cleanup_(metadata_donep) DumpMetadata m;
        _cleanup_(metadata_donep) DumpMetadata m2;
        _cleanup_free_ char *name = NULL;
        _cleanup_close_ int dfd = -EBADF;
        _cleanup_(conf_diags_done) ConfDiagList e = {};

        dump_metadata_init(&m);
        dump_metadata_init(&m2);
        if (!have("mke2fs"))
                TEST_SKIP("mke2fs not installed");
        ASSERT_OK(case_setup(&c, "unverified", "ext4", true));
        ASSERT_OK(case_config(&c, "UUID=" EXT4_UUID, CAPTURE_COMPRESSION_ZLIB, 31));
        /* The text vmcore: the fake writes "KDUMP   " and text, which is no kdump header. */
        ASSERT_EQ(case_run(&c, NULL), 3);
        ASSERT_NOT_NULL(strstr(c.output, "tinykdump-save: vmcore saved, but reading it back failed: the header does not read as a dump"));
        dfd = open_dump_dir(&c, NULL, &name);
        ASSERT_OK(dfd);
        ASSERT_OK(dump_metadata_read_at(dfd, &m, &e));
        ASSERT_EQ(m.result, DUMP_RESULT_COMPLETE);
        ASSERT_STREQ(m.verified, "no");
        ASSERT_NOT_NULL(strstr(m.verify_reason, "the header does not read as a dump: "));
        ASSERT_NOT_NULL(strstr(m.reason, "vmcore saved, but reading it back failed: the header does not read as a dump"));
        ASSERT_NULL(m.makedumpfile_warning);

        /* A dump whose utsname page is missing (as a wrong exclusion would leave it). */
        _cleanup_(case_done) Case c2 = {};
        _cleanup_free_ char *name2 = NULL;
        _cleanup_close_ int dfd2 = -EBADF;
        ASSERT_OK(case_setup(&c2, "unverified-uts", "ext4", true));
        ASSERT_OK(case_config(&c2, "UUID=" EXT4_UUID, CAPTURE_COMPRESSION_ZLIB, 31));
        ASSERT_OK(case_synthetic_vmcore(&c2, "init_uts_ns"));
        ASSERT_EQ(case_run(&c2, NULL), 3);
        dfd2 = open_dump_dir(&c2, NULL, &name2);
        ASSERT_OK(dfd2);
        ASSERT_OK(dump_metadata_read_at(dfd2, &m2, &e));
        ASSERT_STREQ(m2.verified, "no");
        ASSERT_NOT_NULL(strstr(m2.verify_reason, "init_uts_ns (0x"));
        ASSERT_NOT_NULL(strstr(m2.verify_reason, "is not readable: its page is not in the dump"));

        /* A dump of another kernel than the one that crashed. */
        _cleanup_(case_done) Case c3 = {};
        _cleanup_(metadata_donep) DumpMetadata m3;
        _cleanup_free_ char *name3 = NULL, *text = NULL, *other = NULL;
        _cleanup_close_ int dfd3 = -EBADF;
        size_t n;
        dump_metadata_init(&m3);
        ASSERT_OK(case_setup(&c3, "unverified-release", "ext4", true));
        ASSERT_OK(case_config(&c3, "UUID=" EXT4_UUID, CAPTURE_COMPRESSION_ZLIB, 31));
        ASSERT_OK(case_synthetic_vmcore(&c3, NULL));
        ASSERT_OK(read_full_file_at(NULL, c3.config, 64 * KiB, &text, &n));
        ASSERT_NOT_NULL(strstr(text, "CRASHED_KERNEL_RELEASE=7.2.13+deb14-amd64\n"));
        ASSERT_TRUE(asprintf(&other, "%sCRASHED_KERNEL_RELEASE=6.12.9-amd64\n", text) > 0);
        ASSERT_OK(write_file(c3.config, other));
        ASSERT_EQ(case_run(&c3, NULL), 3);
        dfd3 = open_dump_dir(&c3, NULL, &name3);
        ASSERT_OK(dfd3);
        ASSERT_OK(dump_metadata_read_at(dfd3, &m3, &e));
        ASSERT_STREQ(m3.verified, "no");
        ASSERT_STREQ(m3.verify_reason, "its VMCOREINFO is of kernel 7.2.13+deb14-amd64, the crashed kernel was 6.12.9-amd64");
        return TEST_PASS;
}

TEST(capture_journal) {
        _cleanup_free_ char *root = fixture_mkdtemp("capture-root"), *dir = fixture_mkdtemp("capture-dir");
        _cleanup_close_ int dfd = -EBADF;
        _cleanup_free_ char *copy = NULL;
        uint64_t size;
        size_t n;

        ASSERT_NOT_NULL(root);
        ASSERT_NOT_NULL(dir);
        dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        ASSERT_ERROR(capture_journal_save(root, dfd, &size), ENOENT);
        ASSERT_OK(fixture_write(root, "/run/log/journal/0123456789abcdef0123456789abcdef/system.journal",
                                "LPKSHHRH\0\0\0journal", 19));
        ASSERT_OK(capture_journal_save(root, dfd, &size));
        ASSERT_U64_EQ(size, 19);
        ASSERT_OK(read_full_file_at(dir, DUMP_FILE_CAPTURE_JOURNAL, 1024, &copy, &n));
        ASSERT_EQ(n, 19);
        ASSERT_TRUE(memcmp(copy, "LPKSHHRH\0\0\0journal", 19) == 0);
        struct stat st;
        ASSERT_OK(RET_NERRNO(fstatat(dfd, DUMP_FILE_CAPTURE_JOURNAL, &st, 0)));
        ASSERT_EQ(st.st_mode & 0777, 0600);
        ASSERT_TRUE(faccessat(dfd, DUMP_FILE_CAPTURE_JOURNAL_INCOMPLETE, F_OK, 0) < 0);
        return TEST_PASS;
}

/* A dump directory below the target's crash/dumps with metadata, dmesg.txt and a vmcore of
 * vmcore_size bytes of real data (tmpfs allocates it). */
static int seed_dump(Case *c, const char *name, const char *result, size_t vmcore_size) {
        _cleanup_free_ char *md = NULL, *p = NULL, *data = NULL;
        int r;

        if (asprintf(&md, "RESULT=%s\nDIRECTORY=%s\n", result, name) < 0 || asprintf(&p, "crash/dumps/%s/metadata", name) < 0)
                return -ENOMEM;
        if ((r = fixture_write_string(c->target, p, md)) < 0)
                return r;
        free(p);
        if (asprintf(&p, "crash/dumps/%s/dmesg.txt", name) < 0)
                return -ENOMEM;
        if ((r = fixture_write_string(c->target, p, "<0>Kernel panic - not syncing: an earlier one\n")) < 0 || vmcore_size == 0)
                return r;
        free(p);
        data = malloc(vmcore_size);
        if (!data || asprintf(&p, "crash/dumps/%s/vmcore", name) < 0)
                return -ENOMEM;
        memset(data, 'v', vmcore_size);
        return fixture_write(c->target, p, data, vmcore_size);
}

/* [Target] KeepFree=11M on a 16 MiB target with 10 MiB of earlier dumps: before the vmcore, the
 * oldest complete reported dump goes (and only it: the unreported one, the dmesg-only one and the
 * newest stay), the space check sees the room, the dump is saved complete and its metadata says
 * what was deleted. A deletion an earlier capture was interrupted in (a hidden ".retention-"
 * directory of 1 MiB) is finished first and named too. */
TEST(retention_frees_room) {
        _cleanup_(case_done) Case c = {};
        _cleanup_(metadata_donep) DumpMetadata m;
        _cleanup_free_ char *name = NULL;
        _cleanup_close_ int dfd = -EBADF;
        _cleanup_(conf_diags_done) ConfDiagList e = {};
        static const char *const A = "2026-01-01T00:00:00-h-r", *const B = "2026-01-02T00:00:00-h-r",
                          *const C = "2026-01-03T00:00:00-h-r", *const D = "2026-01-04T00:00:00-h-r";

        dump_metadata_init(&m);
        if (geteuid() != 0)
                TEST_SKIP("needs root for a size-limited tmpfs target");
        if (!have("mke2fs"))
                TEST_SKIP("mke2fs not installed");
        ASSERT_OK(case_setup(&c, "retention", "ext4", true));
        ASSERT_OK(case_config(&c, "UUID=" EXT4_UUID, CAPTURE_COMPRESSION_ZLIB, 31));
        /* A, C and D reported on the host for this file system; B not; D the newest. */
        FILE *f = fopen(c.config, "ae");
        ASSERT_NOT_NULL(f);
        fprintf(f, "RETENTION_KEEP_FREE=11M\n");
        fprintf(f, "RETENTION_REPORTED=5f1c4e2a8d3b4c6f9a7e0b1d2c3e4f50/%s\n", A);
        fprintf(f, "RETENTION_REPORTED=5f1c4e2a8d3b4c6f9a7e0b1d2c3e4f50/%s\n", C);
        fprintf(f, "RETENTION_REPORTED=5f1c4e2a8d3b4c6f9a7e0b1d2c3e4f50/%s\n", D);
        ASSERT_EQ(fclose(f), 0);
        ASSERT_OK(case_synthetic_vmcore(&c, NULL));
        ASSERT_OK(case_mount_tmpfs(&c, 16 * MiB, UINT64_MAX));
        ASSERT_OK(seed_dump(&c, A, "complete", 6 * MiB));
        ASSERT_OK(seed_dump(&c, B, "complete", 2 * MiB));
        ASSERT_OK(seed_dump(&c, C, "dmesg-only", 0));
        ASSERT_OK(seed_dump(&c, D, "complete", 2 * MiB));
        ASSERT_OK(seed_dump(&c, ".retention-2025-12-31T00:00:00-h-r", "complete", 1 * MiB));
        ASSERT_EQ(case_run(&c, NULL), 0);
        ASSERT_NOT_NULL(strstr(c.output, "tinykdump-save: retention: finished deleting the dump 2025-12-31T00:00:00-h-r, "
                                         "which an earlier capture was interrupted in deleting."));
        ASSERT_NOT_NULL(strstr(c.output, "tinykdump-save: retention: deleted the dump 2026-01-01T00:00:00-h-r ("));
        ASSERT_NULL(strstr(c.output, "still over the limits"));

        _cleanup_free_ char *pa = path_join(c.target, "crash/dumps/2026-01-01T00:00:00-h-r");
        _cleanup_free_ char *pb = path_join(c.target, "crash/dumps/2026-01-02T00:00:00-h-r/vmcore");
        _cleanup_free_ char *pc = path_join(c.target, "crash/dumps/2026-01-03T00:00:00-h-r/dmesg.txt");
        _cleanup_free_ char *pd = path_join(c.target, "crash/dumps/2026-01-04T00:00:00-h-r/vmcore");
        _cleanup_free_ char *ph = path_join(c.target, "crash/dumps/.retention-2025-12-31T00:00:00-h-r");
        ASSERT_ERROR(RET_NERRNO(access(pa, F_OK)), ENOENT);
        ASSERT_ERROR(RET_NERRNO(access(ph, F_OK)), ENOENT);
        ASSERT_OK(RET_NERRNO(access(pb, F_OK)));
        ASSERT_OK(RET_NERRNO(access(pc, F_OK)));
        ASSERT_OK(RET_NERRNO(access(pd, F_OK)));

        /* The new dump: the one directory that is none of the seeded ones. */
        _cleanup_free_ char *parent = path_join(c.target, "crash/dumps");
        _cleanup_closedir_ DIR *dir = opendir(parent);
        ASSERT_NOT_NULL(dir);
        for (struct dirent *de; (de = readdir(dir));)
                if (de->d_name[0] != '.' && !streq(de->d_name, B) && !streq(de->d_name, C) && !streq(de->d_name, D)) {
                        ASSERT_NULL(name);
                        name = strdup(de->d_name);
                }
        ASSERT_NOT_NULL(name);
        _cleanup_free_ char *found = NULL;
        dfd = open_dump_dir(&c, name, &found);
        ASSERT_OK(dfd);
        ASSERT_OK(dump_metadata_read_at(dfd, &m, &e));
        ASSERT_EQ(m.result, DUMP_RESULT_COMPLETE);
        ASSERT_STREQ(m.retention_deleted, "2025-12-31T00:00:00-h-r 2026-01-01T00:00:00-h-r");
        ASSERT_TRUE(m.retention_freed >= 7 * MiB && m.retention_freed < 8 * MiB);
        /* The space check counted the room A left. */
        ASSERT_TRUE(m.target_free != METADATA_UNSET && m.target_free >= 11 * MiB);
        case_umount(&c);
        return TEST_PASS;
}

/* Off (the default): the same target, nothing deleted although the space is short. */
TEST(retention_off_deletes_nothing) {
        _cleanup_(case_done) Case c = {};
        _cleanup_free_ char *pa = NULL;

        if (geteuid() != 0)
                TEST_SKIP("needs root for a size-limited tmpfs target");
        if (!have("mke2fs"))
                TEST_SKIP("mke2fs not installed");
        ASSERT_OK(case_setup(&c, "retention-off", "ext4", true));
        ASSERT_OK(case_config(&c, "UUID=" EXT4_UUID, CAPTURE_COMPRESSION_ZLIB, 31));
        FILE *f = fopen(c.config, "ae");
        ASSERT_NOT_NULL(f);
        fprintf(f, "RETENTION_REPORTED=5f1c4e2a8d3b4c6f9a7e0b1d2c3e4f50/2026-01-01T00:00:00-h-r\n");
        ASSERT_EQ(fclose(f), 0);
        ASSERT_OK(case_synthetic_vmcore(&c, NULL));
        ASSERT_OK(case_mount_tmpfs(&c, 16 * MiB, UINT64_MAX));
        ASSERT_OK(seed_dump(&c, "2026-01-01T00:00:00-h-r", "complete", 6 * MiB));
        ASSERT_OK(seed_dump(&c, "2026-01-04T00:00:00-h-r", "complete", 2 * MiB));
        ASSERT_EQ(case_run(&c, NULL), 0);
        ASSERT_NULL(strstr(c.output, "retention:"));
        pa = path_join(c.target, "crash/dumps/2026-01-01T00:00:00-h-r/vmcore");
        ASSERT_OK(RET_NERRNO(access(pa, F_OK)));
        case_umount(&c);
        return TEST_PASS;
}
