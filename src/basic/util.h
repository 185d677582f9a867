/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include "fs-util.h"
#include "macro.h"
#include "parse-util.h"
#include "strv.h"
#include "time-util.h"
#include "utf8.h"

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
/* Ends building a string in b: when r (the result of the appends) is not negative, appends the NUL
 * and hands the data to *ret; otherwise frees b and returns r. */
int buffer_finish_string(Buffer *b, int r, char **ret);
