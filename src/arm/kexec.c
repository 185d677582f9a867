/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <inttypes.h>
#include <linux/kexec.h>
#include <sys/syscall.h>

#include "kexec.h"
#include "util.h"

static long real_kexec_file_load(int kernel_fd, int initrd_fd, unsigned long cmdline_len, const char *cmdline,
                                 unsigned long flags) {
        return syscall(SYS_kexec_file_load, kernel_fd, initrd_fd, cmdline_len, cmdline, flags);
}

static kexec_file_load_func_t kexec_file_load_func = real_kexec_file_load;

kexec_file_load_func_t kexec_set_file_load(kexec_file_load_func_t f) {
        kexec_file_load_func_t old = kexec_file_load_func;
        kexec_file_load_func = f ?: real_kexec_file_load;
        return old;
}

int kexec_load_crash(int kernel_fd, int initrd_fd, const char *cmdline) {
        unsigned long flags = KEXEC_FILE_ON_CRASH;

        if (kernel_fd < 0 || !cmdline)
                return -EINVAL;
        if (initrd_fd < 0)
                flags |= KEXEC_FILE_NO_INITRAMFS;

        /* The kernel wants the length including the terminating NUL. */
        if (kexec_file_load_func(kernel_fd, initrd_fd, strlen(cmdline) + 1, cmdline, flags) < 0)
                return negative_errno();
        return 0;
}

int kexec_unload_crash(void) {
        if (kexec_file_load_func(-1, -1, 0, NULL, KEXEC_FILE_ON_CRASH | KEXEC_FILE_UNLOAD) < 0)
                return negative_errno();
        return 0;
}

static char *mib(char *buf, size_t l, uint64_t v) {
        snprintf(buf, l, "%" PRIu64 " MiB", div_round_up_u64(v, MiB));
        return buf;
}

/* Segments (EADDRNOTAVAIL) or control pages (ENOMEM) did not fit into crashk_res. */
static char *no_room_message(int error, const KexecErrorContext *ctx, const char *kernel) {
        char need[32], have[32];
        char *s = NULL;
        int r;

        if (ctx->reservation_known && ctx->have_static == 0)
                r = asprintf(&s, "No crash kernel memory is reserved. Add crashkernel= to the kernel "
                                 "command line (see 'tinykdump estimate') and reboot.");
        else if (ctx->reservation_known && ctx->need_static > 0)
                r = asprintf(&s, "The crash kernel reservation is too small for %s: need %s, have %s. "
                                 "Raise crashkernel= (see 'tinykdump estimate') or use a smaller capture image.",
                             kernel, mib(need, sizeof(need), ctx->need_static), mib(have, sizeof(have), ctx->have_static));
        else
                r = asprintf(&s, "The crash kernel reservation is too small or missing for %s (%s). "
                                 "Check crashkernel= with 'tinykdump estimate'.",
                             kernel, strerror(error));
        return r < 0 ? NULL : s;
}

char *kexec_error_message(int error, const KexecErrorContext *ctx) {
        static const KexecErrorContext empty = {};
        const char *kernel;
        char *s = NULL;
        int r;

        if (!ctx)
                ctx = &empty;
        kernel = ctx->kernel_path ?: "the capture kernel";
        if (error < 0)
                error = -error;

        switch (error) {
        case ENOMEM:
        case EADDRNOTAVAIL:
        case ENOSPC:
                return no_room_message(error, ctx, kernel);
        case EKEYREJECTED:
        case EKEYEXPIRED:
        case EKEYREVOKED:
        case ENODATA:
        case ENOPKG:
        case EBADMSG:
                /* kimage_validate_signature() failing under KEXEC_SIG_FORCE, Secure Boot or lockdown. */
                r = asprintf(&s, "The kernel rejected the signature of %s (%s): signature enforcement or lockdown is "
                                 "active. Use a capture kernel signed by a key the running kernel trusts.",
                             kernel, strerror(error));
                break;
        case EPERM:
        case EACCES:
                r = asprintf(&s, "Loading %s was not permitted (%s): this needs CAP_SYS_BOOT, and "
                                 "kernel.kexec_load_disabled, kernel.kexec_load_limit_panic, lockdown or an "
                                 "IMA/LSM policy may forbid it.",
                             kernel, strerror(error));
                break;
        case ENOEXEC:
                r = asprintf(&s, "%s is not a kernel image this kernel can kexec (wrong architecture, too old a boot "
                                 "protocol, or not a bzImage/PE image).",
                             kernel);
                break;
        case EBUSY:
                r = asprintf(&s, "Another kexec load or unload is in progress, or the crash kernel region is busy; "
                                 "try again.");
                break;
        case ENOSYS:
        case EOPNOTSUPP:
                r = asprintf(&s, "The running kernel does not support kexec_file_load(2) (CONFIG_KEXEC_FILE is not "
                                 "set) or crash dumps (CONFIG_CRASH_DUMP).");
                break;
        case EINVAL:
                if (ctx->cmdline_len > 0)
                        r = asprintf(&s, "The kernel refused the load request as invalid: most often the capture "
                                         "command line (%zu bytes) is longer than %s accepts, or the initrd is "
                                         "malformed.",
                                     ctx->cmdline_len, kernel);
                else
                        r = asprintf(&s, "The kernel refused the load request for %s as invalid.", kernel);
                break;
        case EFBIG:
        case E2BIG:
                r = asprintf(&s, "%s or its initrd is too large for the kernel to load (%s).", kernel, strerror(error));
                break;
        default:
                r = asprintf(&s, "Failed to load %s as the crash kernel: %s.", kernel, strerror(error));
        }
        return r < 0 ? NULL : s;
}
