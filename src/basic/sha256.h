/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* SHA-256 (FIPS 180-4), for telling whether a capture kernel or initrd on disk is still the one
 * that was loaded. Incremental: init, update any number of times, final. */

#include "macro.h"

#define SHA256_DIGEST_SIZE 32
#define SHA256_HEX_SIZE (SHA256_DIGEST_SIZE * 2 + 1)

typedef struct Sha256 {
        uint32_t h[8];
        uint8_t block[64];
        size_t n;         /* bytes in block */
        uint64_t length;  /* bytes hashed so far */
} Sha256;

void sha256_init(Sha256 *s);
void sha256_update(Sha256 *s, const void *data, size_t size);
void sha256_final(Sha256 *s, uint8_t ret[SHA256_DIGEST_SIZE]);

/* The digest of data as 64 lower-case hex digits and a NUL; returns ret. */
char *sha256_hex(const void *data, size_t size, char ret[SHA256_HEX_SIZE]);
