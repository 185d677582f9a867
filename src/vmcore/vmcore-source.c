/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <sys/stat.h>

#include "fs-util.h"
#include "vmcore-source.h"

int vmcore_source_init_fd(VmcoreSource *s, int fd) {
        struct stat st;

        if (fd < 0)
                return -EBADF;
        if (fstat(fd, &st) < 0)
                return -errno;
        if (S_ISREG(st.st_mode)) {
                *s = (VmcoreSource) { .fd = fd, .size = (uint64_t) st.st_size };
                return 0;
        }
        if (S_ISBLK(st.st_mode)) {
                off_t end = lseek(fd, 0, SEEK_END);
                if (end < 0)
                        return -errno;
                *s = (VmcoreSource) { .fd = fd, .size = (uint64_t) end };
                return 0;
        }
        return S_ISDIR(st.st_mode) ? -EISDIR : -EBADFD;
}

void vmcore_source_init_memory(VmcoreSource *s, const void *data, size_t size) {
        *s = (VmcoreSource) { .fd = -EBADF, .data = data, .size = size };
}

int vmcore_source_read(const VmcoreSource *s, uint64_t offset, void *buf, size_t n) {
        if (!vmcore_source_contains(s, offset, n))
                return -EBADMSG;
        if (n == 0)
                return 0;
        if (s->data) {
                memcpy(buf, s->data + offset, n);
                return 0;
        }
        if (offset > (uint64_t) INT64_MAX - n)
                return -EBADMSG;

        ssize_t k = loop_pread(s->fd, buf, n, offset);
        if (k < 0)
                return (int) k;
        if ((size_t) k < n)
                return -EBADMSG; /* the file shrank under us */
        return 0;
}
