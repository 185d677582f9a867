/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include "macro.h"

/* Largest file the generic readers will slurp; callers pass smaller limits where they know better. */
#define READ_FULL_FILE_MAX (16 * MiB)

/* "a" + "/" + "b" with duplicate slashes collapsed at the seam. root may be NULL or "" (meaning "/"). */
char *path_join(const char *a, const char *b);

/* Read a whole file (below the optional root directory) into a NUL-terminated buffer.
 * Fails with -EFBIG when the file is larger than max. Works on /proc and /sys files. */
int read_full_file_at(const char *root, const char *path, size_t max, char **ret, size_t *ret_size);

/* Read the first line of a file, without its trailing newline. */
int read_one_line_file_at(const char *root, const char *path, char **ret);

/* Write a string (without adding a newline) to an existing file below root, e.g. a sysfs attribute. */
int write_string_file_at(const char *root, const char *path, const char *s);

/* Strip leading and trailing white space in place; returns the new start. */
char *strstrip(char *s);

/* Unsigned decimal (or 0x hex) number, whole string, no sign, no overflow. */
int safe_atou64(const char *s, uint64_t *ret);
int safe_atou32(const char *s, uint32_t *ret);
int safe_atoi(const char *s, int *ret);

/* Binary size with an optional suffix K, M, G, T, P, E (also KiB, MiB…, and a trailing "B"),
 * as the kernel's memparse() accepts them. Whole string. */
int parse_size(const char *s, uint64_t *ret);

/* Like parse_size(), but stops at the first character that is not part of the size and returns
 * it in *ret_end (the kernel's memparse() contract). */
int parse_size_prefix(const char *s, uint64_t *ret, const char **ret_end);

/* "12.3M" style rendering; buf must hold FORMAT_BYTES_MAX bytes. */
#define FORMAT_BYTES_MAX 16
char *format_bytes(char *buf, size_t l, uint64_t bytes);

/* NULL-terminated string vectors. */
char **strv_free(char **l);
DEFINE_TRIVIAL_CLEANUP_FUNC(char **, strv_free);
#define _cleanup_strv_free_ _cleanup_(strv_freep)
size_t strv_length(char * const *l);
int strv_extend(char ***l, const char *value);
int strv_consume(char ***l, char *value); /* takes value, frees it on failure */
bool strv_contains(char * const *l, const char *s);
#define STRV_FOREACH(s, l) for (char * const *s = (l); s && *s; s++)

/* The root directory that /proc, /sys, /etc and /usr lookups are made relative to: $TINYKDUMP_ROOT
 * when set (tests point it at a fake tree), otherwise NULL (the real root). */
const char *tk_root(void);

/* Simple growable byte buffer. */
typedef struct Buffer {
        uint8_t *data;
        size_t size;
        size_t allocated;
} Buffer;
int buffer_append(Buffer *b, const void *p, size_t n);
int buffer_append_zero(Buffer *b, size_t n);
int buffer_pad(Buffer *b, size_t alignment);
void buffer_done(Buffer *b);
