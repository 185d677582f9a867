/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * helper — the few system calls the cma-grow VM scenario's guest needs and busybox lacks, as one
 * static binary. Each verb prints "ok" or the errno's name ("ENOMEM"), so the guest script can
 * compare errnos by name:
 *
 *   helper write PATH VALUE      write(2) VALUE to a sysfs file in one call
 *   helper load KERNEL INITRD CMDLINE
 *                                kexec_file_load(2) a crash kernel (KEXEC_FILE_ON_CRASH)
 *   helper unload                unload the crash kernel
 *   helper pin MIB FIFO          hold up to MIB MiB with page references migration cannot break,
 *                                until FIFO is written to or closed (see pin() below)
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <unistd.h>

#ifndef KEXEC_FILE_UNLOAD
#define KEXEC_FILE_UNLOAD 0x00000001
#endif
#ifndef KEXEC_FILE_ON_CRASH
#define KEXEC_FILE_ON_CRASH 0x00000002
#endif

#define CHUNK (1UL << 20)

static int report(int r) {
        if (r >= 0) {
                printf("ok\n");
                return 0;
        }
        printf("%s\n", strerrorname_np(-r) ?: "EUNKNOWN");
        return 1;
}

static int write_value(const char *path, const char *value) {
        int fd, r = 0;

        fd = open(path, O_WRONLY | O_CLOEXEC);
        if (fd < 0)
                return -errno;
        if (write(fd, value, strlen(value)) < 0)
                r = -errno;
        close(fd);
        return r;
}

static int load(const char *kernel, const char *initrd, const char *cmdline) {
        int kfd, ifd;
        long r;

        kfd = open(kernel, O_RDONLY | O_CLOEXEC);
        if (kfd < 0)
                return -errno;
        ifd = open(initrd, O_RDONLY | O_CLOEXEC);
        if (ifd < 0) {
                r = -errno;
                close(kfd);
                return (int) r;
        }
        /* The command line length counts the terminating NUL. */
        r = syscall(SYS_kexec_file_load, kfd, ifd, strlen(cmdline) + 1, cmdline,
                    (unsigned long) KEXEC_FILE_ON_CRASH);
        r = r < 0 ? -errno : 0;
        close(kfd);
        close(ifd);
        return (int) r;
}

static int unload(void) {
        if (syscall(SYS_kexec_file_load, -1, -1, 0UL, "",
                    (unsigned long) (KEXEC_FILE_UNLOAD | KEXEC_FILE_ON_CRASH)) < 0)
                return -errno;
        return 0;
}

/*
 * Allocate up to MIB MiB of anonymous memory in 1 MiB chunks, touch it, and vmsplice(2) each chunk
 * into its own pipe without reading it back. The pipe buffers hold plain page references (not
 * long-term pins, so the pages are not moved out of CMA first) and migration cannot move a page
 * with an unexpected reference: once the rest of free memory is used up, movable allocations land
 * in the crashkernel CMA area and cma_alloc() there fails until the pipes are closed.
 */
static int pin(unsigned long mib, const char *fifo) {
        unsigned long held = 0;
        char c;
        int fd;

        for (unsigned long i = 0; i < mib; i++) {
                struct iovec iov;
                int p[2];
                char *m;

                m = mmap(NULL, CHUNK, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
                if (m == MAP_FAILED)
                        break;
                memset(m, 0x5a, CHUNK);
                if (pipe2(p, O_CLOEXEC) < 0)
                        break;
                if (fcntl(p[1], F_SETPIPE_SZ, (int) CHUNK) < 0)
                        break;
                iov = (struct iovec) { .iov_base = m, .iov_len = CHUNK };
                while (iov.iov_len > 0) {
                        ssize_t n = vmsplice(p[1], &iov, 1, 0);
                        if (n <= 0)
                                break;
                        iov.iov_base = (char *) iov.iov_base + n;
                        iov.iov_len -= (size_t) n;
                }
                if (iov.iov_len > 0)
                        break;
                held++;
        }

        fprintf(stderr, "helper: pin: holding %lu MiB\n", held);
        /* Opening blocks until the writer opens; the read returns when it writes or closes. */
        fd = open(fifo, O_RDONLY | O_CLOEXEC);
        if (fd < 0)
                return -errno;
        (void) !read(fd, &c, 1);
        close(fd);
        return 0;
}

int main(int argc, char *argv[]) {
        if (argc == 4 && strcmp(argv[1], "write") == 0)
                return report(write_value(argv[2], argv[3]));
        if (argc == 5 && strcmp(argv[1], "load") == 0)
                return report(load(argv[2], argv[3], argv[4]));
        if (argc == 2 && strcmp(argv[1], "unload") == 0)
                return report(unload());
        if (argc == 4 && strcmp(argv[1], "pin") == 0)
                return report(pin(strtoul(argv[2], NULL, 10), argv[3]));

        fprintf(stderr, "usage: helper write PATH VALUE | load KERNEL INITRD CMDLINE | unload | pin MIB FIFO\n");
        return 2;
}
