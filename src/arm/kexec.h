/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include "macro.h"

/* The one place tinykdump talks to kexec_file_load(2). Tests replace the syscall through the seam. */

typedef long (*kexec_file_load_func_t)(int kernel_fd, int initrd_fd, unsigned long cmdline_len,
                                       const char *cmdline, unsigned long flags);

/* Replace the syscall (NULL restores the real one). Returns the previous function. */
kexec_file_load_func_t kexec_set_file_load(kexec_file_load_func_t f);

/* Load kernel + initrd (either fd may be an memfd) as the crash kernel. cmdline is passed with its
 * terminating NUL, as the kernel requires. Returns 0 or the negative errno of the syscall. */
int kexec_load_crash(int kernel_fd, int initrd_fd, const char *cmdline);

/* Unload the crash kernel. Succeeds when none is loaded. */
int kexec_unload_crash(void);

/* What the caller knew when the load failed; used to turn the errno into an actionable sentence. */
typedef struct KexecErrorContext {
        const char *kernel_path;      /* what we tried to load, for the message */
        uint64_t need_static;         /* bytes the model says the static reservation needs, 0 if unknown */
        uint64_t have_static;         /* bytes currently reserved, 0 if none */
        bool reservation_known;       /* have_static is meaningful */
        size_t cmdline_len;           /* length of the capture command line, without NUL */
} KexecErrorContext;

/* A sentence a user can act on for a failed kexec_file_load(2), e.g. "The crash kernel reservation is too
 * small: need 84 MiB, have 64 MiB. Raise crashkernel= on the kernel command line." Never NULL unless OOM. */
char *kexec_error_message(int error, const KexecErrorContext *ctx);
