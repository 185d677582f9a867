/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "keyvalue.h"

static bool is_blank(char c) {
        return c == ' ' || c == '\t' || c == '\r';
}

static void strip(const char **s, size_t *n) {
        while (*n > 0 && is_blank(**s)) {
                (*s)++;
                (*n)--;
        }
        while (*n > 0 && is_blank((*s)[*n - 1]))
                (*n)--;
}

int key_value_next(KeyValueReader *r, KeyValue *ret) {
        const char *l, *nl, *eq;
        size_t n;

        if (r->pos >= r->size)
                return 0;
        l = r->data + r->pos;
        nl = memchr(l, '\n', r->size - r->pos);
        n = nl ? (size_t) (nl - l) : r->size - r->pos;
        r->pos += n + (nl ? 1 : 0);
        r->line++;

        if (r->flags & KEY_VALUE_STRIP)
                strip(&l, &n);
        KeyValue kv = { .line = r->line, .text = l, .len = n, .skip = n == 0 || (l[0] == '#' && !(r->flags & KEY_VALUE_NO_COMMENTS)) };
        eq = kv.skip ? NULL : memchr(l, '=', n);
        if (eq) {
                kv.key = l;
                kv.key_len = (size_t) (eq - l);
                kv.value = eq + 1;
                kv.value_len = n - kv.key_len - 1;
                if (r->flags & KEY_VALUE_STRIP) {
                        strip(&kv.key, &kv.key_len);
                        strip(&kv.value, &kv.value_len);
                }
        }
        *ret = kv;
        return 1;
}

bool key_value_key_is(const KeyValue *kv, const char *key) {
        return kv->key && strlen(key) == kv->key_len && memcmp(kv->key, key, kv->key_len) == 0;
}

bool key_value_has_control(const char *s, size_t n, const char *allowed) {
        for (size_t i = 0; i < n; i++) {
                unsigned char c = (unsigned char) s[i];
                if ((c < 0x20 || c == 0x7f) && !(c != 0 && allowed && strchr(allowed, c)))
                        return true;
        }
        return false;
}
