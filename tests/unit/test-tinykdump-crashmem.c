/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* `tinykdump crashkernel [--apply]` and `estimate` on fake roots: the recommendation from a capture
 * image and, without one, from the installed kernel with the stated initrd estimate; CMA support
 * detection; how the running reservation fits; and --apply into a fake /etc, with a fake
 * update-grub first in $PATH (GRUB) or /etc/kernel/cmdline (kernel-install): written once,
 * idempotent, restored when update-grub fails. */
#include <sys/stat.h>

#include "fixtures.h"
#include "loader.h"
#include "tests.h"
#include "tinykdump-crashmem.h"

#define KERNEL_FILE_SIZE (1 * MiB)
#define INITRD_SIZE (5 * MiB)

typedef struct RootOptions {
        const char *release;       /* default 7.2.0-test */
        bool image;                /* a capture image in CAPTURE_DIR/RELEASE/ */
        bool installed;            /* /boot/vmlinuz-RELEASE */
        bool cma_ranges;           /* the crash_cma_ranges attribute exists */
        bool cma_meminfo;          /* CmaTotal: in /proc/meminfo */
        const char *crash_size;
        const char *cmdline;
} RootOptions;

static char *make_root(const char *name, const RootOptions *o) {
        _cleanup_free_ char *root = fixture_mkdtemp(name);
        _cleanup_free_ uint8_t *kernel = fixture_bzimage(KERNEL_FILE_SIZE, FIXTURE_DEBIAN_INIT_SIZE);
        _cleanup_free_ uint8_t *initrd = calloc(1, INITRD_SIZE);
        const char *release = o->release ?: "7.2.0-test";
        _cleanup_free_ char *image_dir = NULL, *boot = NULL;

        if (!root || !kernel || !initrd || asprintf(&image_dir, CAPTURE_DIR "/%s", release) < 0 ||
            asprintf(&boot, "/boot/vmlinuz-%s", release) < 0)
                return NULL;
        if (fixture_write_string(root, "/proc/cmdline", o->cmdline ?: "BOOT_IMAGE=/vmlinuz root=/dev/vda1 quiet\n") < 0 ||
            fixture_write_string(root, "/proc/sys/kernel/osrelease", release) < 0 ||
            fixture_write_string(root, "/proc/meminfo",
                                 o->cma_meminfo ? "MemTotal:        4000000 kB\nCmaTotal:         524288 kB\n"
                                                : "MemTotal:        4000000 kB\n") < 0 ||
            fixture_write_string(root, "/sys/kernel/kexec/crash_size", o->crash_size ?: "0\n") < 0 ||
            fixture_write_string(root, "/sys/kernel/kexec/crash_loaded", "0\n") < 0 ||
            fixture_write_string(root, "/proc/sys/kernel/random/boot_id", "0e4a5ad6-1bc4-4e2c-9a52-50b1e2a43a62\n") < 0 ||
            fixture_write_string(root, "/proc/sys/kernel/hostname", "testhost\n") < 0 ||
            fixture_write_string(root, "/proc/sys/kernel/version", "#1 SMP Debian\n") < 0 ||
            fixture_write_string(root, "/etc/machine-id", "d3b07384d113edec49eaa6238ad5ff00\n") < 0)
                return NULL;
        if (o->cma_ranges && fixture_write_string(root, "/sys/kernel/kexec/crash_cma_ranges", "") < 0)
                return NULL;
        if (o->installed && fixture_write(root, boot, kernel, KERNEL_FILE_SIZE) < 0)
                return NULL;
        if (o->image) {
                _cleanup_free_ char *k = path_join(image_dir, "vmlinuz"), *i = path_join(image_dir, "initrd.img");
                if (!k || !i || fixture_write(root, k, kernel, KERNEL_FILE_SIZE) < 0 ||
                    fixture_write(root, i, initrd, INITRD_SIZE) < 0)
                        return NULL;
        }
        return TAKE_PTR(root);
}

static int recommend(const char *root, CrashRecommendation *rec, char **msg) {
        _cleanup_tk_config_free_ TkConfig *c = NULL;
        int r = tk_config_load(root, &c);
        if (r < 0)
                return r;
        return crash_recommend(root, c, rec, msg);
}

TEST(recommend_from_image_cma) {
        _cleanup_free_ char *root = make_root("image", &(RootOptions) { .image = true, .installed = true,
                                                                         .cma_ranges = true, .cma_meminfo = true });
        _cleanup_(crash_recommendation_done) CrashRecommendation rec = {};
        _cleanup_free_ char *msg = NULL;

        ASSERT_NOT_NULL(root);
        ASSERT_OK(recommend(root, &rec, &msg));
        ASSERT_FALSE(rec.estimated);
        ASSERT_STREQ(rec.kernel, CAPTURE_DIR "/7.2.0-test/vmlinuz");
        /* the image's initrd (no dump target configured, so no overlay) */
        ASSERT_U64_EQ(rec.initrd_size, INITRD_SIZE);
        ASSERT_TRUE(rec.cma_supported);
        ASSERT_STREQ(rec.recommended, rec.need.cma);
        ASSERT_TRUE(startswith(rec.recommended, "crashkernel="));
        ASSERT_NOT_NULL(strstr(rec.recommended, ",cma"));
        ASSERT_EQ(crash_reservation_fit(&rec), CRASH_FIT_NONE);
        return 0;
}

TEST(recommend_estimated_without_image) {
        _cleanup_free_ char *root = make_root("estimated", &(RootOptions) { .installed = true, .cma_ranges = true,
                                                                             .cma_meminfo = true });
        _cleanup_(crash_recommendation_done) CrashRecommendation rec = {};
        _cleanup_(crash_recommendation_done) CrashRecommendation exact = {};
        _cleanup_free_ char *msg = NULL;

        ASSERT_NOT_NULL(root);
        ASSERT_OK(recommend(root, &rec, &msg));
        ASSERT_TRUE(rec.estimated);
        ASSERT_STREQ(rec.kernel, "/boot/vmlinuz-7.2.0-test");
        ASSERT_U64_EQ(rec.initrd_size, CRASH_INITRD_ESTIMATE);
        ASSERT_NOT_NULL(strstr(rec.image_missing, "does not exist"));
        /* An assumed 20 MiB initrd instead of the 5 MiB image: the static part is 15 MiB larger. */
        _cleanup_free_ char *root2 = make_root("exact", &(RootOptions) { .image = true, .cma_ranges = true,
                                                                          .cma_meminfo = true });
        ASSERT_NOT_NULL(root2);
        ASSERT_OK(recommend(root2, &exact, &msg));
        ASSERT_GT(rec.need.static_need, exact.need.static_need + 14 * MiB);
        ASSERT_LT(rec.need.static_need, exact.need.static_need + 16 * MiB);
        return 0;
}

TEST(recommend_nothing_to_size) {
        _cleanup_free_ char *root = make_root("nothing", &(RootOptions) {});
        _cleanup_(crash_recommendation_done) CrashRecommendation rec = {};
        _cleanup_free_ char *msg = NULL;

        ASSERT_NOT_NULL(root);
        ASSERT_ERROR(recommend(root, &rec, &msg), ENOENT);
        ASSERT_NOT_NULL(strstr(msg, "/boot/vmlinuz-7.2.0-test"));
        return 0;
}

TEST(cma_support) {
        static const struct {
                RootOptions o;
                bool supported;
                const char *reason;
        } cases[] = {
                { { .release = "6.17.0-1-amd64", .cma_ranges = true, .cma_meminfo = true }, true, NULL },
                { { .release = "6.12.117+deb13-amd64", .cma_ranges = true, .cma_meminfo = true }, false, "older than 6.17" },
                { { .release = "7.2.0-test", .cma_meminfo = true }, false, "crash_cma_ranges" },
                { { .release = "7.2.0-test", .cma_ranges = true }, false, "without CMA" },
        };

        for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
                RootOptions o = cases[i].o;
                char name[16];
                o.installed = true;
                snprintf(name, sizeof(name), "cma-%zu", i);
                _cleanup_free_ char *root = make_root(name, &o);
                _cleanup_(crash_recommendation_done) CrashRecommendation rec = {};
                _cleanup_free_ char *msg = NULL;

                ASSERT_NOT_NULL(root);
                ASSERT_OK(recommend(root, &rec, &msg));
                ASSERT_EQ(rec.cma_supported, cases[i].supported);
                if (cases[i].supported)
                        ASSERT_STREQ(rec.recommended, rec.need.cma);
                else {
                        ASSERT_STREQ(rec.recommended, rec.need.classic);
                        ASSERT_NOT_NULL(strstr(rec.cma_reason, cases[i].reason));
                }
        }
        return 0;
}

TEST(reservation_fit) {
        _cleanup_free_ char *small = make_root("small", &(RootOptions) { .installed = true, .crash_size = "67108864\n" });
        _cleanup_free_ char *big = make_root("big", &(RootOptions) { .installed = true, .crash_size = "402653184\n" });
        _cleanup_free_ char *could = make_root("could", &(RootOptions) { .installed = true, .crash_size = "402653184\n",
                                                                          .cma_ranges = true, .cma_meminfo = true });
        _cleanup_(crash_recommendation_done) CrashRecommendation a = {}, b = {}, c = {};
        _cleanup_free_ char *msg = NULL;

        ASSERT_OK(recommend(small, &a, &msg));
        ASSERT_EQ(crash_reservation_fit(&a), CRASH_FIT_TOO_SMALL);
        ASSERT_OK(recommend(big, &b, &msg));
        ASSERT_EQ(crash_reservation_fit(&b), CRASH_FIT_OK);
        ASSERT_OK(recommend(could, &c, &msg));
        ASSERT_EQ(crash_reservation_fit(&c), CRASH_FIT_CMA_POSSIBLE);
        return 0;
}

TEST(boot_config) {
        _cleanup_free_ char *grub = fixture_mkdtemp("grub"), *ki = fixture_mkdtemp("ki"),
                            *uki = fixture_mkdtemp("uki"), *none = fixture_mkdtemp("none");
        BootConfig how;

        ASSERT_OK(fixture_write_string(grub, "/etc/default/grub", "GRUB_TIMEOUT=5\n"));
        ASSERT_OK(boot_config_detect(grub, &how));
        ASSERT_EQ(how, BOOT_CONFIG_GRUB);
        ASSERT_OK(fixture_write_string(ki, "/etc/kernel/cmdline", "root=/dev/vda1\n"));
        ASSERT_OK(boot_config_detect(ki, &how));
        ASSERT_EQ(how, BOOT_CONFIG_KERNEL_INSTALL);
        /* install.conf wins over a leftover /etc/default/grub */
        ASSERT_OK(fixture_write_string(uki, "/etc/default/grub", "GRUB_TIMEOUT=5\n"));
        ASSERT_OK(fixture_write_string(uki, "/etc/kernel/install.conf", "# comment\nlayout=uki\n"));
        ASSERT_OK(boot_config_detect(uki, &how));
        ASSERT_EQ(how, BOOT_CONFIG_KERNEL_INSTALL);
        ASSERT_ERROR(boot_config_detect(none, &how), EOPNOTSUPP);
        return 0;
}

TEST(kernel_cmdline_words) {
        _cleanup_free_ char *root = fixture_mkdtemp("cmdline"), *a = NULL, *b = NULL, *c = NULL;

        ASSERT_OK(kernel_cmdline_replace(root, "root=UUID=1 crashkernel=256M quiet opt=\"a b\" crashkernel=1G,cma\n",
                                         "crashkernel=70M crashkernel=128M,cma", &a));
        ASSERT_STREQ(a, "root=UUID=1 quiet opt=\"a b\" crashkernel=70M crashkernel=128M,cma\n");
        /* No file: the running command line without what only its boot loader put there. */
        ASSERT_OK(fixture_write_string(root, "/proc/cmdline", "BOOT_IMAGE=/vmlinuz initrd=\\initrd root=/dev/vda1 crashkernel=1G\n"));
        unsetenv("TINYKDUMP_PROC_CMDLINE");
        ASSERT_OK(kernel_cmdline_replace(root, NULL, "crashkernel=190M", &b));
        ASSERT_STREQ(b, "root=/dev/vda1 crashkernel=190M\n");
        /* /usr/lib/kernel/cmdline before the running one, as kernel-install reads them */
        ASSERT_OK(fixture_write_string(root, "/usr/lib/kernel/cmdline", "root=LABEL=r ro\n"));
        ASSERT_OK(kernel_cmdline_replace(root, NULL, "crashkernel=190M", &c));
        ASSERT_STREQ(c, "root=LABEL=r ro crashkernel=190M\n");
        return 0;
}

/* A fake update-grub first in $PATH: appends a line to <root>/update-grub.log and exits with the
 * status in <root>/update-grub.status (0 without). */
static int fake_update_grub(const char *root) {
        _cleanup_free_ char *script = NULL, *bin = NULL, *path = NULL, *p = NULL;

        if (asprintf(&script,
                     "#!/bin/sh\necho run >>'%s/update-grub.log'\n"
                     "[ -f '%s/update-grub.status' ] && exit \"$(cat '%s/update-grub.status')\"\nexit 0\n",
                     root, root, root) < 0 ||
            fixture_write_string(root, "/bin/update-grub", script) < 0)
                return -ENOMEM;
        p = path_join(root, "/bin/update-grub");
        bin = path_join(root, "/bin");
        if (!p || !bin || chmod(p, 0755) < 0 || asprintf(&path, "%s:/usr/bin:/bin", bin) < 0)
                return -errno;
        return setenv("PATH", path, 1);
}

static size_t count_lines(const char *root, const char *path) {
        _cleanup_free_ char *s = NULL;
        size_t n = 0;

        if (read_full_file_at(root, path, 1 * MiB, &s, NULL) < 0)
                return 0;
        for (const char *c = s; *c; c++)
                n += *c == '\n';
        return n;
}

TEST(apply_grub) {
        _cleanup_free_ char *root = fixture_mkdtemp("apply-grub"), *text = NULL, *want = NULL;
        const char *dropin = CRASHKERNEL_GRUB_DROPIN_DIR "/" CRASHKERNEL_GRUB_DROPIN;
        _cleanup_free_ char *saved_path = strdup(getenv("PATH") ?: "/usr/bin:/bin");

        ASSERT_OK(fixture_write_string(root, "/etc/default/grub", "GRUB_CMDLINE_LINUX=\"quiet crashkernel=1G\"\n"));
        ASSERT_OK(fake_update_grub(root));

        ASSERT_EQ(crashkernel_apply(root, BOOT_CONFIG_GRUB, "crashkernel=70M crashkernel=128M,cma", "7.2.0-test"), 1);
        ASSERT_OK(read_full_file_at(root, dropin, 1 * MiB, &text, NULL));
        ASSERT_OK(grub_dropin_text("crashkernel=70M crashkernel=128M,cma", &want));
        ASSERT_STREQ(text, want);
        ASSERT_NOT_NULL(strstr(text, "GRUB_CMDLINE_LINUX_DEFAULT=\"$GRUB_CMDLINE_LINUX_DEFAULT crashkernel=70M crashkernel=128M,cma\"\n"));
        ASSERT_EQ(count_lines(root, "/update-grub.log"), 1u);

        /* Again: nothing changes, update-grub does not run. */
        ASSERT_EQ(crashkernel_apply(root, BOOT_CONFIG_GRUB, "crashkernel=70M crashkernel=128M,cma", "7.2.0-test"), 0);
        ASSERT_EQ(count_lines(root, "/update-grub.log"), 1u);

        /* A new recommendation with a failing update-grub: the old drop-in is back. */
        ASSERT_OK(fixture_write_string(root, "/update-grub.status", "3\n"));
        ASSERT_ERROR(crashkernel_apply(root, BOOT_CONFIG_GRUB, "crashkernel=200M", "7.2.0-test"), EIO);
        ASSERT_EQ(count_lines(root, "/update-grub.log"), 2u);
        free(text);
        text = NULL;
        ASSERT_OK(read_full_file_at(root, dropin, 1 * MiB, &text, NULL));
        ASSERT_STREQ(text, want);

        /* No drop-in before and update-grub fails: no drop-in after. */
        _cleanup_free_ char *root2 = fixture_mkdtemp("apply-grub-fail");
        ASSERT_OK(fixture_write_string(root2, "/etc/default/grub", "GRUB_TIMEOUT=5\n"));
        ASSERT_OK(fake_update_grub(root2));
        ASSERT_OK(fixture_write_string(root2, "/update-grub.status", "1\n"));
        ASSERT_ERROR(crashkernel_apply(root2, BOOT_CONFIG_GRUB, "crashkernel=200M", "7.2.0-test"), EIO);
        ASSERT_FALSE(exists_at(root2, dropin));

        /* No update-grub at all: refused before anything is written. */
        _cleanup_free_ char *root3 = fixture_mkdtemp("apply-grub-missing");
        ASSERT_OK(fixture_write_string(root3, "/etc/default/grub", "GRUB_TIMEOUT=5\n"));
        ASSERT_OK(setenv("PATH", root3, 1));
        ASSERT_ERROR(crashkernel_apply(root3, BOOT_CONFIG_GRUB, "crashkernel=200M", "7.2.0-test"), ENOENT);
        ASSERT_FALSE(exists_at(root3, dropin));
        ASSERT_OK(setenv("PATH", saved_path, 1));
        return 0;
}

TEST(apply_kernel_install) {
        _cleanup_free_ char *root = fixture_mkdtemp("apply-ki"), *text = NULL;

        ASSERT_OK(fixture_write_string(root, CRASHKERNEL_KERNEL_CMDLINE, "root=UUID=1 crashkernel=1G quiet\n"));
        ASSERT_EQ(crashkernel_apply(root, BOOT_CONFIG_KERNEL_INSTALL, "crashkernel=190M", "7.2.0-test"), 1);
        ASSERT_OK(read_full_file_at(root, CRASHKERNEL_KERNEL_CMDLINE, 1 * MiB, &text, NULL));
        ASSERT_STREQ(text, "root=UUID=1 quiet crashkernel=190M\n");
        ASSERT_EQ(crashkernel_apply(root, BOOT_CONFIG_KERNEL_INSTALL, "crashkernel=190M", "7.2.0-test"), 0);
        ASSERT_EQ(crashkernel_apply(root, BOOT_CONFIG_KERNEL_INSTALL, "crashkernel=70M crashkernel=128M,cma",
                                    "7.2.0-test"), 1);
        free(text);
        text = NULL;
        ASSERT_OK(read_full_file_at(root, CRASHKERNEL_KERNEL_CMDLINE, 1 * MiB, &text, NULL));
        ASSERT_STREQ(text, "root=UUID=1 quiet crashkernel=70M crashkernel=128M,cma\n");
        return 0;
}
