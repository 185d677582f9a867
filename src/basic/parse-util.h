/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* Parsing and rendering of numbers, sizes and booleans. */

#include "macro.h"

/* Strip leading and trailing white space in place; returns the new start. */
char *strstrip(char *s);

/* The value of the hexadecimal (or decimal) digit c, or -EINVAL. */
int unhexchar(char c);

/* The digits at *p in base 10 or 16 (no prefix, no sign) into *ret, advancing *p past them;
 * -EINVAL when there is no digit, -ERANGE on overflow. The building block of the parsers below. */
int parse_u64_digits(const char **p, unsigned base, uint64_t *ret);

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

/* 1/yes/y/true/t/on → 1, 0/no/n/false/f/off → 0 (any case), else -EINVAL. */
int parse_boolean(const char *v);
