/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <linux/kexec.h>

#include "kexec.h"
#include "tests.h"

static struct {
        int kernel_fd, initrd_fd;
        unsigned long cmdline_len, flags;
        char cmdline[256];
        int fail_errno;
        unsigned calls;
} fake;

static long fake_file_load(int kernel_fd, int initrd_fd, unsigned long cmdline_len, const char *cmdline,
                           unsigned long flags) {
        fake.calls++;
        fake.kernel_fd = kernel_fd;
        fake.initrd_fd = initrd_fd;
        fake.cmdline_len = cmdline_len;
        fake.flags = flags;
        snprintf(fake.cmdline, sizeof(fake.cmdline), "%s", cmdline ?: "");
        if (fake.fail_errno) {
                errno = fake.fail_errno;
                return -1;
        }
        return 0;
}

static void reset(int fail) {
        memset(&fake, 0, sizeof(fake));
        fake.fail_errno = fail;
        kexec_set_file_load(fake_file_load);
}

TEST(load_passes_flags_and_nul) {
        reset(0);
        ASSERT_OK(kexec_load_crash(7, 8, "console=ttyS0 irqpoll"));
        ASSERT_EQ(fake.calls, 1);
        ASSERT_EQ(fake.kernel_fd, 7);
        ASSERT_EQ(fake.initrd_fd, 8);
        ASSERT_EQ(fake.flags, KEXEC_FILE_ON_CRASH);
        ASSERT_EQ(fake.cmdline_len, strlen("console=ttyS0 irqpoll") + 1);
        ASSERT_STREQ(fake.cmdline, "console=ttyS0 irqpoll");
        return TEST_PASS;
}

TEST(load_without_initrd) {
        reset(0);
        ASSERT_OK(kexec_load_crash(7, -1, ""));
        ASSERT_EQ(fake.flags, KEXEC_FILE_ON_CRASH | KEXEC_FILE_NO_INITRAMFS);
        ASSERT_ERROR(kexec_load_crash(-1, -1, ""), EINVAL);
        return TEST_PASS;
}

TEST(unload) {
        reset(0);
        ASSERT_OK(kexec_unload_crash());
        ASSERT_EQ(fake.flags, KEXEC_FILE_ON_CRASH | KEXEC_FILE_UNLOAD);
        return TEST_PASS;
}

TEST(errors_propagate) {
        static const int errs[] = { EADDRNOTAVAIL, ENOMEM, EKEYREJECTED, EPERM, ENOEXEC, EBUSY, ENOSYS, EINVAL };
        for (size_t i = 0; i < ELEMENTSOF(errs); i++) {
                reset(errs[i]);
                ASSERT_ERROR(kexec_load_crash(3, 4, "x"), errs[i]);
        }
        kexec_set_file_load(NULL);
        return TEST_PASS;
}

static bool contains(const char *s, const char *needle) {
        return s && strstr(s, needle);
}

TEST(messages_too_small) {
        KexecErrorContext ctx = {
                .kernel_path = "/usr/lib/tinykdump/capture/vmlinuz-7.2.0",
                .need_static = 84 * MiB + 1,
                .have_static = 64 * MiB,
                .reservation_known = true,
        };
        _cleanup_free_ char *a = kexec_error_message(-EADDRNOTAVAIL, &ctx);
        _cleanup_free_ char *b = kexec_error_message(-ENOMEM, &ctx);
        ASSERT_TRUE(contains(a, "need 85 MiB, have 64 MiB"));
        ASSERT_TRUE(contains(a, "vmlinuz-7.2.0"));
        ASSERT_TRUE(contains(b, "too small"));
        return TEST_PASS;
}

TEST(messages_no_reservation) {
        KexecErrorContext ctx = { .reservation_known = true, .have_static = 0 };
        _cleanup_free_ char *a = kexec_error_message(-ENOMEM, &ctx);
        ASSERT_TRUE(contains(a, "No crash kernel memory is reserved"));
        return TEST_PASS;
}

TEST(messages_each_class) {
        static const struct {
                int err;
                const char *needle;
        } cases[] = {
                { EKEYREJECTED, "signature" }, { ENODATA, "signature" }, { EPERM, "CAP_SYS_BOOT" },
                { ENOEXEC, "not a kernel image" }, { EBUSY, "in progress" }, { ENOSYS, "CONFIG_KEXEC_FILE" },
                { EINVAL, "invalid" }, { EIO, "Input/output error" },
        };
        for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
                _cleanup_free_ char *m = kexec_error_message(cases[i].err, NULL);
                if (!contains(m, cases[i].needle)) {
                        printf("# errno %d: \"%s\" lacks \"%s\"\n", cases[i].err, strna(m), cases[i].needle);
                        return TEST_FAIL;
                }
        }
        return TEST_PASS;
}
