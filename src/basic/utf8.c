/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "utf8.h"

size_t utf8_sequence_length(const char *s, size_t n, uint32_t *ret_codepoint) {
        const unsigned char *u = (const unsigned char *) s;
        size_t l;
        uint32_t cp;

        if (n == 0)
                return 0;
        if (u[0] < 0x80)
                l = 1, cp = u[0];
        else if ((u[0] & 0xe0) == 0xc0)
                l = 2, cp = u[0] & 0x1f;
        else if ((u[0] & 0xf0) == 0xe0)
                l = 3, cp = u[0] & 0x0f;
        else if ((u[0] & 0xf8) == 0xf0)
                l = 4, cp = u[0] & 0x07;
        else
                return 0;
        if (l > n)
                return 0;
        for (size_t i = 1; i < l; i++) {
                if ((u[i] & 0xc0) != 0x80)
                        return 0;
                cp = (cp << 6) | (u[i] & 0x3f);
        }
        /* Reject overlong forms, surrogates and values beyond Unicode. */
        if ((l == 2 && cp < 0x80) || (l == 3 && cp < 0x800) || (l == 4 && cp < 0x10000) || cp > 0x10ffff ||
            (cp >= 0xd800 && cp <= 0xdfff))
                return 0;
        if (ret_codepoint)
                *ret_codepoint = cp;
        return l;
}

bool utf8_is_valid_n(const char *s, size_t n) {
        for (size_t i = 0; i < n;) {
                size_t k = utf8_sequence_length(s + i, n - i, NULL);
                if (k == 0)
                        return false;
                i += k;
        }
        return true;
}
