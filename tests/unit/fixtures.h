/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* Builders for test inputs that are easier made than committed: kernel images, PE files and
 * fake root trees. Shared by the unit tests through libtests. */

#include <endian.h>

#include "macro.h"
#include "util.h"

static inline void put_le16(uint8_t *p, uint16_t v) {
        v = htole16(v);
        memcpy(p, &v, 2);
}
static inline void put_le32(uint8_t *p, uint32_t v) {
        v = htole32(v);
        memcpy(p, &v, 4);
}
static inline void put_le64(uint8_t *p, uint64_t v) {
        v = htole64(v);
        memcpy(p, &v, 8);
}

/* A bzImage of `size` bytes (≥ 4 KiB) whose setup header is like Debian's 7.2 kernel's: boot
 * protocol 2.15, 64-bit, loadable above 4 GiB, relocatable, 2 MiB kernel_alignment,
 * cmdline_size 2047 and the given init_size. The rest is zeros. */
uint8_t *fixture_bzimage(size_t size, uint32_t init_size);
#define FIXTURE_DEBIAN_INIT_SIZE 63234048U /* 60.3 MiB, Debian's 7.2 bzImage */

typedef struct FixtureSection {
        const char *name;  /* more than 8 characters goes through the COFF string table */
        const void *data;
        size_t size;
        uint32_t vsize;    /* VirtualSize; 0 means size unless force_vsize */
        bool force_vsize;
} FixtureSection;

/* A PE32+ x86-64 EFI image with the given sections (each at a 512-byte file alignment), as
 * ukify lays out a UKI. Returns the offset of the first section's data, 0 on OOM. */
size_t fixture_pe(const FixtureSection *s, size_t n, Buffer *out);

/* Write a file below root, creating parent directories. */
int fixture_write(const char *root, const char *path, const void *data, size_t size);
int fixture_write_string(const char *root, const char *path, const char *s);
int fixture_symlink(const char *root, const char *path, const char *target);
/* A new empty directory below test_tmpdir(). */
char *fixture_mkdtemp(const char *name);
