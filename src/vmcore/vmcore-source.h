/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* Positioned reads from a dump: a file descriptor (pread(), so a dump of any size needs no
 * mapping) or a memory buffer (tests and fuzzers). Every read is bounds-checked against the
 * size the source had when it was opened; all numbers in dumps are little-endian (x86_64). */

#include "macro.h"

typedef struct VmcoreSource {
        int fd;                /* borrowed, or -EBADF for a memory source */
        const uint8_t *data;   /* borrowed */
        uint64_t size;
} VmcoreSource;

/* A regular file (its size from fstat()) or a block device (its size from lseek()). */
int vmcore_source_init_fd(VmcoreSource *s, int fd);
void vmcore_source_init_memory(VmcoreSource *s, const void *data, size_t size);

/* Reads exactly n bytes at offset: -EBADMSG when [offset, offset+n) is not wholly inside the
 * source (a truncated or corrupt dump), -EIO or the read's errno on I/O errors. */
int vmcore_source_read(const VmcoreSource *s, uint64_t offset, void *buf, size_t n);

/* Whether [offset, offset+n) lies inside the source, without overflow. */
static inline bool vmcore_source_contains(const VmcoreSource *s, uint64_t offset, uint64_t n) {
        return offset <= s->size && n <= s->size - offset;
}

static inline uint16_t vmcore_le16(const void *p) {
        const uint8_t *b = p;
        return (uint16_t) (b[0] | b[1] << 8);
}
static inline uint32_t vmcore_le32(const void *p) {
        const uint8_t *b = p;
        return (uint32_t) b[0] | (uint32_t) b[1] << 8 | (uint32_t) b[2] << 16 | (uint32_t) b[3] << 24;
}
static inline uint64_t vmcore_le64(const void *p) {
        const uint8_t *b = p;
        return (uint64_t) vmcore_le32(b) | (uint64_t) vmcore_le32(b + 4) << 32;
}
