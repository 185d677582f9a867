/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "util.h"

const char *tk_root(void) {
        const char *e = getenv("TINYKDUMP_ROOT");
        return isempty(e) ? NULL : e;
}

int buffer_append(Buffer *b, const void *p, size_t n) {
        if (n == 0)
                return 0;
        if (b->size > SIZE_MAX - n)
                return -ENOMEM;
        if (b->size + n > b->allocated) {
                size_t na = MAX(b->allocated * 2, b->size + n);
                na = MAX(na, (size_t) 4096);
                uint8_t *d = realloc(b->data, na);
                if (!d)
                        return -ENOMEM;
                b->data = d;
                b->allocated = na;
        }
        if (p)
                memcpy(b->data + b->size, p, n);
        else
                memset(b->data + b->size, 0, n);
        b->size += n;
        return 0;
}

int buffer_append_zero(Buffer *b, size_t n) {
        return buffer_append(b, NULL, n);
}

int buffer_pad(Buffer *b, size_t alignment) {
        size_t rem = b->size % alignment;
        return rem == 0 ? 0 : buffer_append_zero(b, alignment - rem);
}

void buffer_done(Buffer *b) {
        free(b->data);
        *b = (Buffer) {};
}

int buffer_finish_string(Buffer *b, int r, char **ret) {
        if (r >= 0)
                r = buffer_append_zero(b, 1);
        if (r < 0) {
                buffer_done(b);
                return r;
        }
        *ret = (char *) TAKE_PTR(b->data);
        *b = (Buffer) {};
        return 0;
}
